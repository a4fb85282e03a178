import numpy as np
import pyloudnorm

from narrator.assemble import assemble, integrated_loudness, normalise_loudness
from narrator.engines import AudioChunk
from narrator.model import Block, Script, Unit

RATE = 22050


def tone(ms, amplitude=8000, freq=440):
    t = np.arange(RATE * ms // 1000) / RATE
    return AudioChunk((np.sin(2 * np.pi * freq * t) * amplitude).astype(np.int16).tobytes(), RATE)


def test_loudness_matches_pyloudnorm_reference():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(RATE * 30) * 2500 * (1 + np.sin(np.arange(RATE * 30) / RATE))).astype(np.int16)
    chunks = [x[i:i + 50_001] for i in range(0, x.size, 50_001)]  # steps straddle chunk boundaries
    ours = integrated_loudness(chunks, RATE)
    reference = pyloudnorm.Meter(RATE).integrated_loudness(x / 32768.0)
    assert abs(ours - reference) < 0.01


def test_normalise_loudness_reaches_target_in_chunks(tmp_path):
    with open(tmp_path / "pcm", "w+b") as audio:
        audio.write(tone(20_000, amplitude=2000).pcm)
        normalise_loudness(audio, RATE, -16.0, chunk=30_000)
        audio.seek(0)
        samples = np.frombuffer(audio.read(), np.int16)
    assert samples.size == RATE * 20
    assert abs(integrated_loudness([samples], RATE) - -16.0) < 0.3
    assert np.abs(samples).max() < 32767 * 0.95  # the limiter held the peaks under -1 dBFS (+ rounding)


def test_timing_map_is_exact_from_sample_counts(request):
    blocks = (Block("disclaimer", "D."), Block("title", "T"), Block("heading", "H", 1),
              Block("p", "A. B.", 1))
    units = (Unit("D.", "D.", 0, 100), Unit("T", "T", 1, 200), Unit("H", "H", 2, 300),
             Unit("A.", "A.", 3, 50), Unit("B.", "B.", 3, 0))
    script = Script(blocks=blocks, units=units)
    clips = [tone(1000), tone(500), tone(250), tone(700), tone(300)]
    n = assemble(script, clips, loudness=None)
    request.addfinalizer(n.close)
    starts = [b.span.start_ms for b in n.blocks]
    assert starts == [0, 1100, 1800, 2350]
    assert [(s.start_ms, s.end_ms) for s in n.blocks[3].sentences] == [(2350, 3050), (3100, 3400)]
    assert n.duration_ms == 3400
    assert n.chapters == ((1800, "H"),)
    pauses = sum(RATE * u.pause_after_ms // 1000 for u in units)
    assert n.samples == sum(len(c.pcm) // 2 for c in clips) + pauses
    assert len(n.read_pcm()) == 2 * n.samples
