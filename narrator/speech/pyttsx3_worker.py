"""The process that owns pyttsx3: `python -m narrator.speech.pyttsx3_worker VOICE RATE`.

pyttsx3's engine is process-wide state that can hang or deadlock on a second call, so it
lives alone in this process. Protocol on stdin/stdout: the parent writes one JSON line per
request ({"text": ..., "wpm": words a minute}); the worker answers with one JSON header line
({"ok": true, "rate": 22050, "bytes": N, "words": [[offset, sample], ...], "wpm": W} or
{"ok": false, "error": ...}) followed, when ok, by N bytes of mono 16-bit PCM. "words" holds
espeak-ng's word events (where each word starts in the text and in the samples), null with a
driver that has none. "wpm" is the speed the engine says it spoke at, read back after the
utterance: the rate is set before every utterance, and the parent refuses a clip spoken at
another (pyttsx3 once lost it under load, and every clip came out at its own 200 words a
minute). The first header ({"ready": voice id} or an error) follows start-up.
"""
from __future__ import annotations

import ctypes
import json
import os
import sys
import tempfile
import threading
import wave


def _find_voice(engine, wanted: str) -> str | None:  # noqa: ANN001
    voices = engine.getProperty("voices")
    if any(v.id == wanted for v in voices):
        return wanted
    want = wanted.lower()
    for tag in (want, want.split("-")[0]):  # a language tag: espeak's voice for it
        for v in voices:
            if any(str(lang).lower() == tag for lang in v.languages):
                return v.id
    return None


def _keep_last_samples(words: list[tuple[int, int]], synchronous: bool = False) -> bool:
    """pyttsx3 2.99's espeak driver writes the WAV file when it sees the end-of-message event,
    and only then appends the samples that came in the same callback: they are lost from this
    clip (a short word can come out empty) and prepended to the next one. Append them first.
    `synchronous` (espeak-ng started so, `_synchronous`): there the end of a synthesis is a call
    with no samples (wav NULL) and no end-of-message event, so one is made for the driver.

    On the way, each of espeak-ng's word events is added to `words` as (offset of the word in the
    text, its first sample). Its text position counts characters from 1; its sample, the samples
    of this utterance before the word (the clip written is exactly those samples). False when the
    driver is not espeak-ng's (no word events)."""
    try:
        from pyttsx3.drivers import _espeak
        from pyttsx3.drivers.espeak import EspeakDriver
    except ImportError:  # another platform's driver
        return False
    on_synth = EspeakDriver._onSynth
    end = (_espeak.EVENT * 2)()  # an end-of-message event, then the end of the list
    end[0].type, end[1].type = _espeak.EVENT_MSG_TERMINATED, _espeak.EVENT_LIST_TERMINATED

    def in_order(self, wav, numsamples, events):  # noqa: ANN001, ANN202
        if synchronous and not wav:  # espeak-ng's documented end of a synthesis
            return on_synth(self, wav, 0, end)
        if self._speaking:
            i = 0
            while events[i].type != _espeak.EVENT_LIST_TERMINATED:
                if events[i].type == _espeak.EVENT_WORD and events[i].length > 0:  # 0: a clause's end
                    words.append((events[i].text_position - 1, events[i].sample))
                i += 1
            if numsamples > 0:
                self._data_buffer += ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short))
        return on_synth(self, wav, 0, events)

    EspeakDriver._onSynth = in_order
    return True


def _read_phonemes() -> None:
    """Let [[...]] in the text be espeak-ng phoneme mnemonics (lexicon phoneme entries): the
    espeak driver calls espeak_Synth without the PHONEMES flag, so add it to every call."""
    try:
        from pyttsx3.drivers import _espeak
    except ImportError:  # not the espeak driver (SAPI5, NSSpeech): no phoneme input
        return
    synth = _espeak.Synth

    def with_phonemes(*args, flags: int = 0, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return synth(*args, flags=flags | _espeak.PHONEMES, **kwargs)

    _espeak.Synth = with_phonemes


def _set_rate(engine, wpm: int) -> None:  # noqa: ANN001 - a pyttsx3 Engine
    """Set the speed for the next utterance: on espeak-ng straight through its API (pyttsx3 only queues
    the change until its loop runs), elsewhere through pyttsx3."""
    try:
        from pyttsx3.drivers import _espeak
    except ImportError:  # another platform's driver
        engine.setProperty("rate", wpm)
        return
    _espeak.SetParameter(_espeak.RATE, wpm, 0)


def _rate_in_force(engine) -> int:  # noqa: ANN001 - a pyttsx3 Engine
    """The speed the engine is set to now: espeak-ng's current value (pyttsx3's binding of
    espeak_GetParameter leaves out its `current` argument, so the function is called here with it)."""
    try:
        from pyttsx3.drivers import _espeak
    except ImportError:
        return int(engine.getProperty("rate"))
    get = _espeak.dll.espeak_GetParameter
    get.argtypes, get.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return int(get(_espeak.RATE, 1))


def _synchronous() -> bool:
    """Start espeak-ng in its synchronous mode before pyttsx3 does in its asynchronous one. pyttsx3's
    driver asks for AUDIO_OUTPUT_RETRIEVAL, where espeak-ng runs every call (synthesis, and each
    change of a parameter such as the rate) on a thread of its own, queued; then a clip can come
    back empty (1 in 140 sentences here) and a rate set between two utterances is applied whenever
    that thread gets to it. Synchronous, each call is done when it returns: the rate set is the
    rate the next utterance is spoken at, and the clip is complete when Synth returns."""
    try:
        from pyttsx3.drivers import _espeak
        from pyttsx3.drivers.espeak import EspeakDriver
    except ImportError:  # another platform's driver
        return False
    if EspeakDriver._moduleInitialized:
        return False
    if _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 1000) == -1:
        raise RuntimeError("could not initialise espeak-ng")
    current = _espeak.GetCurrentVoice()
    EspeakDriver._defaultVoice = current.contents.name.decode() if current and current.contents.name \
        else "gmw/en"  # what pyttsx3 falls back to
    EspeakDriver._moduleInitialized = True
    return True


def serve(voice_id: str, rate_wpm: int, inp, out) -> None:  # noqa: ANN001
    def send(header: dict, payload: bytes = b"") -> None:
        out.write(json.dumps(header).encode() + b"\n" + payload)
        out.flush()

    words: list[tuple[int, int]] = []  # this utterance's word events
    try:
        import pyttsx3

        timed = _keep_last_samples(words, _synchronous())
        engine = pyttsx3.init("espeak" if sys.platform.startswith("linux") else None)
        _read_phonemes()
    except Exception as e:  # a missing libespeak-ng surfaces as OSError or RuntimeError
        send({"ok": False, "error": f"pyttsx3 cannot start ({e}); install espeak-ng "
                                    "(apt-get install espeak-ng)"})
        return
    chosen = _find_voice(engine, voice_id)
    if chosen is None:
        send({"ok": False, "error": f"no system voice for '{voice_id}'"})
        return
    engine.setProperty("voice", chosen)
    engine.setProperty("rate", rate_wpm)  # and again before every utterance (_set_rate)
    finished = threading.Event()
    engine.connect("finished-utterance", lambda name, completed: finished.set())
    send({"ok": True, "ready": chosen})
    with tempfile.TemporaryDirectory(prefix="narrator-tts-") as tmp:
        path = os.path.join(tmp, "clip.wav")
        for line in inp:
            request = json.loads(line)
            text = request["text"]
            finished.clear()
            words.clear()
            try:
                _set_rate(engine, int(request.get("wpm", rate_wpm)))
                engine.save_to_file(text, path)
                engine.runAndWait()
                # runAndWait can return before the file is written: wait for the event.
                if not finished.wait(60):
                    send({"ok": False, "error": "no finished-utterance event"})
                    continue
                with wave.open(path, "rb") as w:
                    pcm, rate = w.readframes(w.getnframes()), w.getframerate()
                os.unlink(path)
                wpm = _rate_in_force(engine)
            except Exception as e:
                send({"ok": False, "error": str(e)})
                continue
            send({"ok": True, "rate": rate, "bytes": len(pcm), "words": list(words) if timed else None,
                  "wpm": wpm}, pcm)


def main() -> None:
    out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the espeak driver prints "Audio saved to ..." on stdout
    serve(sys.argv[1], int(sys.argv[2]), sys.stdin, out)


if __name__ == "__main__":
    main()
