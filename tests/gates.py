"""Real engines under a test's control: one held mid-narration (a job caught between two sentences for as
long as a test needs), one that notes what it speaks."""
from __future__ import annotations

import threading

from narrator.service.generation import EnginePool


class Wrapped:
    """A real engine under a test's control: its identity and lanes are the engine's; closing it leaves
    the engine to its pool."""

    @property
    def model_id(self) -> str:
        return self.engine.model_id

    @property
    def lanes(self) -> int:
        return self.engine.lanes

    def close(self) -> None:
        pass


class Gate(Wrapped):
    """A real engine that stops before its `open_for`+1st sentence until `release()` (a job caught
    mid-narration, for as long as the test needs)."""

    def __init__(self, engine, open_for: int):  # noqa: ANN001
        self.engine, self.open_for, self.spoken = engine, open_for, 0
        self.opened = threading.Event()
        self.waiting = threading.Event()

    def synthesize(self, text: str):  # noqa: ANN201
        self.spoken += 1
        if self.spoken > self.open_for and not self.opened.is_set():
            self.waiting.set()
            assert self.opened.wait(120), "the test never released the gate"
        return self.engine.synthesize(text)

    def release(self) -> None:
        self.opened.set()


class GatedPool(EnginePool):
    """The session's espeak engines behind a Gate."""

    def __init__(self, pool: EnginePool, open_for: int):
        super().__init__()
        self.pool, self.open_for, self.gate = pool, open_for, None

    def get(self, voice):  # noqa: ANN001, ANN201
        if self.gate is None:
            self.gate = Gate(self.pool.get(voice), self.open_for)
        return self.gate


class Recording(Wrapped):
    """A real engine that notes every text it is asked to speak, in order."""

    def __init__(self, engine, spoken: list[str]):  # noqa: ANN001
        self.engine, self.spoken = engine, spoken

    def synthesize(self, text: str):  # noqa: ANN201
        self.spoken.append(text)
        return self.engine.synthesize(text)


class RecordingPool(EnginePool):
    """The session's espeak engines, noting in `spoken` every text they speak (one worker thread: in
    the order it spoke them)."""

    def __init__(self, pool: EnginePool):
        super().__init__()
        self.pool = pool
        self.spoken: list[str] = []

    def get(self, voice):  # noqa: ANN001, ANN201
        return Recording(self.pool.get(voice), self.spoken)
