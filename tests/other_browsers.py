"""Firefox and WebKit for the player's browser tests, behind one small interface (`Browser`).

* Firefox: Debian's firefox-esr speaks WebDriver BiDi itself (no geckodriver); `Firefox` is a small
  synchronous BiDi client over a WebSocket (the `websockets` package).
* WebKit: Debian's WebKitWebDriver drives WebKitGTK's MiniBrowser; `WebKit` goes through Selenium, on a
  virtual X display of its own (Xvfb).

Both run scripts in the page as the automation does (outside the page's Content-Security-Policy), return
what the script returns through JSON, and click with a user gesture (a press on play starts audio).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import Any

SERIOUS = ("serious", "critical")
"""axe-core impacts that fail a page."""
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
"""The rules run: WCAG 2.x A and AA, as in the Chromium tests."""


def axe_source() -> str:
    """axe-core's script, as shipped inside the axe-playwright-python wheel (nothing fetched at test time)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """What the tests need of a browser: open a page, run a script (in the page or in one of its
    frames), click, wait for a condition, run axe-core."""

    name = ""

    def open(self, url: str, width: int = 1000, height: int = 800) -> None:
        raise NotImplementedError

    def js(self, expression: str, frame: str | None = None) -> Any:
        """The JSON value of a JavaScript expression (a promise is awaited) in the page, or in the frame
        that the CSS selector `frame` names."""
        raise NotImplementedError

    def click(self, selector: str, frame: str | None = None) -> None:
        """Click the element, as a user would (with the page's user activation)."""
        raise NotImplementedError

    def until(self, expression: str, timeout: float = 30, frame: str | None = None) -> Any:
        """Poll `expression` until it is truthy; fail after `timeout` seconds with the last value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(expression, frame)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: timed out after {timeout:g} s waiting for {expression}")
            time.sleep(0.1)

    def axe(self, frame: str | None = None, rules: list[str] | None = None) -> list[dict]:
        """axe-core's serious and critical WCAG 2.x A/AA violations on the page (or frame); with `rules`,
        the violations of those rules, whatever their impact. A page's frames are checked on their own
        (`frame`): axe's messages into a frame of another origin are refused (and logged as errors) by
        Firefox."""
        if not self.js("!!window.axe", frame):
            self.js(f"(() => {{ {axe_source()}\n; return true; }})()", frame)
        only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": AXE_TAGS}
        options = {"runOnly": only, "iframes": False}
        results = self.js(f"axe.run(document, {json.dumps(options)})", frame)
        return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
                for v in results["violations"] if rules or v["impact"] in SERIOUS]

    def errors(self) -> list[str]:
        """JavaScript errors the pages raised so far (and forget them)."""
        return []

    def close(self) -> None:
        raise NotImplementedError


class Firefox(Browser):
    """firefox-esr, headless, through WebDriver BiDi (see the module)."""

    name = "firefox"
    BINARY = "/usr/bin/firefox-esr"
    PREFS = {
        "media.autoplay.default": 0,             # audio may start on a press (the test's click is one)
        "media.cubeb.force_mock_context": True,  # no sound card here: without it a media error
        "browser.shell.checkDefaultBrowser": False,
        "datareporting.policy.dataSubmissionEnabled": False,
        "toolkit.telemetry.reportingpolicy.firstRun": False,
        "app.update.disabledForTesting": True,
        "browser.safebrowsing.update.enabled": False,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
    }

    def __init__(self) -> None:
        from websockets.sync.client import connect

        self.profile = Path(tempfile.mkdtemp(prefix="narrator-firefox-"))
        (self.profile / "user.js").write_text("".join(
            f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in self.PREFS.items()))
        port = free_port()
        self.process = subprocess.Popen(
            [self.BINARY, "--headless", "--no-remote", "--profile", str(self.profile),
             f"--remote-debugging-port={port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.connection = ExitStack()
        self.next_id = 0
        self.logged: list[str] = []
        try:
            self._wait_listening()
            self.socket = self.connection.enter_context(
                connect(f"ws://127.0.0.1:{port}/session", max_size=2**26, open_timeout=30))
            self.command("session.new", capabilities={"alwaysMatch": {"acceptInsecureCerts": True}})
            self.command("session.subscribe", events=["log.entryAdded"])
            self.context = self.command("browsingContext.getTree")["contexts"][0]["context"]
        except BaseException:
            self.close()
            raise

    def _wait_listening(self, timeout: float = 60) -> None:
        """Read Firefox's output until its BiDi server listens (about a second; more on a busy machine)."""
        seen: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self.process.stderr is not None
            for line in self.process.stderr:
                seen.append(line)
                if "WebDriver BiDi listening" in line:
                    ready.set()
            ready.set()  # it ended

        threading.Thread(target=read, daemon=True).start()  # keeps draining the pipe afterwards
        if not ready.wait(timeout) or self.process.poll() is not None:
            raise RuntimeError("firefox-esr did not start its WebDriver BiDi server:\n" + "".join(seen[-20:]))

    def command(self, method: str, **params: Any) -> dict:
        """Send one BiDi command and return its result (events that arrive meanwhile are kept)."""
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + 120
        while True:
            message = json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if message.get("type") == "event":
                entry = message["params"]
                if message["method"] == "log.entryAdded" and entry.get("level") == "error":
                    self.logged.append(entry.get("text", ""))
                continue
            if message.get("id") != self.next_id:
                continue
            if message.get("type") == "error":
                raise RuntimeError(f"{method}: {message.get('error')}: {message.get('message')}")
            return message["result"]

    def _frame(self, selector: str | None) -> str:
        """The browsing context of the page, or of the frame whose <iframe> the selector names."""
        if selector is None:
            return self.context
        src = self.js(f"document.querySelector({json.dumps(selector)}).src")
        children = self.command("browsingContext.getTree", root=self.context)["contexts"][0]["children"]
        for child in children:
            if child["url"] == src:
                return child["context"]
        raise AssertionError(f"no frame {selector} ({src}) among {[c['url'] for c in children]}")

    def open(self, url: str, width: int = 1000, height: int = 800) -> None:
        self.command("browsingContext.setViewport", context=self.context,
                     viewport={"width": width, "height": height})
        self.command("browsingContext.navigate", context=self.context, url=url, wait="complete")

    def js(self, expression: str, frame: str | None = None) -> Any:
        result = self.command(
            "script.evaluate", expression=f"(async () => JSON.stringify(await ({expression})))()",
            target={"context": self._frame(frame)}, awaitPromise=True, userActivation=True)
        if result["type"] != "success":
            details = result.get("exceptionDetails", {})
            raise AssertionError(f"firefox: {expression[:200]} threw {details.get('text')}")
        value = result["result"]
        return json.loads(value["value"]) if value.get("type") == "string" else None

    def click(self, selector: str, frame: str | None = None) -> None:
        self.js(f"document.querySelector({json.dumps(selector)}).click()", frame)  # with user activation

    def errors(self) -> list[str]:
        logged, self.logged = self.logged, []
        return logged

    def close(self) -> None:
        try:
            if hasattr(self, "socket"):
                try:
                    self.command("browser.close")
                except Exception:  # noqa: BLE001 - it may close the socket before answering
                    pass
            self.connection.close()
            if hasattr(self, "socket"):
                self.process.wait(20)
            else:
                raise subprocess.TimeoutExpired(self.BINARY, 0)  # never connected: stop it at once
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        finally:
            if self.process.stderr:
                self.process.stderr.close()
            shutil.rmtree(self.profile, ignore_errors=True)


class WebKit(Browser):
    """WebKitGTK's MiniBrowser through WebKitWebDriver and Selenium, on its own Xvfb display."""

    name = "webkit"
    DRIVER = "/usr/bin/WebKitWebDriver"
    MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"

    def __init__(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        self.xvfb, display = self._xvfb()
        options = Options()
        options.binary_location = self.MINIBROWSER  # arguments count only with the binary set
        for argument in ("--automation", "--autoplay-policy=allow"):
            options.add_argument(argument)
        service = Service(executable_path=self.DRIVER, env=os.environ | {"DISPLAY": display})
        try:
            with warnings.catch_warnings():  # Selenium's WebKitGTK driver uses its deprecated connection API
                warnings.filterwarnings("ignore", "setting remote_server_addr", DeprecationWarning)
                self.driver = webdriver.WebKitGTK(options=options, service=service)
        except Exception:
            self._stop_xvfb()
            raise
        self.driver.set_script_timeout(60)
        self.frame: str | None = None

    @staticmethod
    def _xvfb() -> tuple[subprocess.Popen, str]:
        """A virtual X server on a free display (Xvfb picks it and writes its number to a pipe)."""
        read, write = os.pipe()
        process = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24",
                                    "-nolisten", "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(write)
        with os.fdopen(read) as f:
            number = f.readline().strip()
        if not number:
            process.kill()
            process.wait(10)
            raise RuntimeError("Xvfb did not start")
        return process, f":{number}"

    def _stop_xvfb(self) -> None:
        self.xvfb.terminate()
        try:
            self.xvfb.wait(10)
        except subprocess.TimeoutExpired:
            self.xvfb.kill()
            self.xvfb.wait(10)

    def _enter(self, frame: str | None) -> None:
        from selenium.webdriver.common.by import By

        self.driver.switch_to.default_content()
        if frame is not None:
            self.driver.switch_to.frame(self.driver.find_element(By.CSS_SELECTOR, frame))

    def open(self, url: str, width: int = 1000, height: int = 800) -> None:
        self.driver.set_window_size(width, height)
        self.driver.get(url)

    def js(self, expression: str, frame: str | None = None) -> Any:
        self._enter(frame)
        text = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"Promise.resolve().then(async () => JSON.stringify(await ({expression})))"
            ".then(done, e => done(JSON.stringify({__error: String(e && e.stack || e)})));")
        value = json.loads(text) if text is not None else None
        if isinstance(value, dict) and "__error" in value:
            raise AssertionError(f"webkit: {expression[:200]} threw {value['__error']}")
        return value

    def click(self, selector: str, frame: str | None = None) -> None:
        from selenium.webdriver.common.by import By

        self._enter(frame)
        self.driver.find_element(By.CSS_SELECTOR, selector).click()

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            self._stop_xvfb()


BROWSERS = {"firefox": Firefox, "webkit": WebKit}
"""The engines besides Chromium (which Playwright drives: tests/browser.py)."""
