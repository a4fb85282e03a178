"""script/setup as an operator runs it: another apt holding its locks makes it wait, not fail (issue 23,
item 13). The script runs for real against a sandboxed apt and dpkg (APT_CONFIG, DPKG_ADMINDIR: an empty
package database, no package sources), so it finds every system package missing and goes to install
them, which ends in apt's own "Unable to locate package": proof that it got past the locks."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from web_fixtures import wait_for

ROOT = Path(__file__).resolve().parent.parent


def sandbox(root: Path) -> dict[str, str]:
    """An apt and a dpkg of their own under `root`, empty; the environment that points the script at them."""
    for folder in ("etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d",
                   "etc/apt/trusted.gpg.d", "var/lib/apt/lists/partial", "var/cache/apt/archives/partial",
                   "var/lib/dpkg", "var/log/apt"):
        (root / folder).mkdir(parents=True)
    (root / "etc/apt/sources.list").write_text("")
    (root / "var/lib/dpkg/status").write_text("")
    (root / "apt.conf").write_text(f'Dir "{root}/";\nDir::State::status "{root}/var/lib/dpkg/status";\n'
                                   f'Dir::Etc::main "/dev/null";\nDir::Log "{root}/var/log/apt";\n')
    env = {**os.environ, "APT_CONFIG": str(root / "apt.conf"), "DPKG_ADMINDIR": str(root / "var/lib/dpkg"),
           "LC_ALL": "C"}
    if os.geteuid() != 0:  # the script asks sudo for apt; the sandbox is the user's own
        (root / "bin").mkdir()
        (root / "bin" / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
        (root / "bin" / "sudo").chmod(0o755)
        env["PATH"] = f"{root / 'bin'}:{env['PATH']}"
    return env


LOCKS = {"lists, as apt-get update": "var/lib/apt/lists/lock",
         "dpkg frontend, as apt-get install": "var/lib/dpkg/lock-frontend",
         "dpkg, as dpkg": "var/lib/dpkg/lock"}
"""The locks another apt or dpkg holds while it works, by what holds them."""


@pytest.mark.parametrize("held", LOCKS.values(), ids=LOCKS.keys())
def test_setup_waits_while_another_apt_holds_a_lock(tmp_path: Path, held: str) -> None:
    env = sandbox(tmp_path / "apt")
    lock = tmp_path / "apt" / held
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o640)
    holder = subprocess.Popen([sys.executable, "-c", f"import fcntl, sys; fcntl.lockf({fd}, fcntl.LOCK_EX); "
                               "print('held', flush=True); sys.stdin.read()"],  # until told it is done
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=(fd,), text=True)
    os.close(fd)
    err = tmp_path / "setup.err"
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with err.open("w") as stderr:
            setup = subprocess.Popen([str(ROOT / "script" / "setup")], env=env, stdout=subprocess.PIPE,
                                     stderr=stderr, text=True)
        try:
            wait_for(lambda: "waiting" in err.read_text() or setup.poll() is not None, 60,
                     what="setup to wait for the lock")
            assert setup.poll() is None, err.read_text()  # still waiting, not failed
            said = err.read_text().strip()
            assert said == f"setup: waiting for another apt or dpkg to finish (it holds {lock})"
            holder.communicate("", timeout=30)  # the other apt is done
            out, _ = setup.communicate(timeout=120)
        finally:
            if setup.poll() is None:
                setup.kill()
                setup.wait()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.communicate()
    said = err.read_text()
    assert "setup: installing system packages: espeak-ng" in out
    assert "Could not get lock" not in said, said
    # Past the locks, apt looked for the packages (the sandbox has no sources: none is found).
    assert setup.returncode == 100, (setup.returncode, said)
    assert "E: Unable to locate package espeak-ng" in said
