"""How late the read-along highlight is, measured in a real browser (tests/test_player_listening.py and
bench/bench_readalong.py).

In the page, a requestAnimationFrame loop records (wall time, audio.currentTime) every frame, and a
MutationObserver records when the highlight moved to a word and which one. A word's start was crossed
when currentTime passed its start (the wall time interpolated between the two frames around it); its
lag is the wall time the highlight reached it minus that moment, in milliseconds. Alongside, the same
crossing times give what a highlight driven by 'timeupdate' events would show (the old player's way):
the first timeupdate after each crossing."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

RECORD = """(() => {
  const audio = document.querySelector('.np-audio');
  const rec = window.__lag = {frames: [], changes: [], updates: []};
  new MutationObserver((records) => {
    const t = performance.now();
    for (const r of records) {
      const el = r.target;
      const was = (r.oldValue || '').split(' ').includes('now');
      if (el.classList.contains('w') && el.classList.contains('now') && !was) {
        rec.changes.push([t, +el.dataset.start]);
      }
    }
  }).observe(document.getElementById('transcript'),
              {attributes: true, attributeFilter: ['class'], subtree: true, attributeOldValue: true});
  audio.addEventListener('timeupdate', () => rec.updates.push([performance.now(), audio.currentTime * 1000]));
  const frame = () => {
    rec.frames.push([performance.now(), audio.currentTime * 1000, audio.paused || audio.seeking ? 0 : 1]);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})()"""
"""Start recording in the page (window.__lag)."""


@dataclass(frozen=True)
class Lags:
    """Highlight lags over one stretch of playing, in wall-clock milliseconds."""

    frame: list[float]
    """The player's highlight (it follows currentTime every animation frame)."""
    timeupdate: list[float]
    """What a highlight moved on each 'timeupdate' event would have shown."""

    @property
    def median(self) -> float:
        return statistics.median(self.frame)

    @property
    def median_timeupdate(self) -> float:
        return statistics.median(self.timeupdate)


def _crossing(frames: list[list[float]], start: float) -> float | None:
    """The wall time currentTime passed `start` while playing (None if not seen between two frames)."""
    for (t0, c0, on0), (t1, c1, on1) in zip(frames, frames[1:], strict=False):
        if on0 and on1 and c0 < start <= c1 and c1 - c0 < 500:
            return t0 + (start - c0) * (t1 - t0) / (c1 - c0)
    return None


def lags(record: dict, starts: list[float], since: float) -> Lags:
    """The lags of the words whose start was crossed after wall time `since` (ms, performance.now())."""
    frames = record["frames"]
    frame_lags, update_lags = [], []
    for start in starts:
        crossed = _crossing(frames, start)
        if crossed is None or crossed < since:
            continue
        lit = [t for t, s in record["changes"] if s == start and t >= crossed - 100]
        if lit:
            frame_lags.append(lit[0] - crossed)
        later = [t for t, position in record["updates"] if position >= start and t >= crossed]
        if later:
            update_lags.append(later[0] - crossed)
    return Lags(frame_lags, update_lags)


__all__ = ["RECORD", "Lags", "lags"]
