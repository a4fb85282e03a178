import numpy as np
import pytest

from narrator.audio.synthesise import check_duration, spoken_words, synthesise_unit, trim
from narrator.errors import SynthesisError
from narrator.model import Unit
from narrator.speech.engines import AudioChunk
from narrator.speech.pieces import cut

SENTENCE = "The directorate did not provide more details."


def pieces(text: str, max_chars: int) -> list[str]:
    """The texts of the pieces `cut` makes of `text`."""
    return [p.text for p in cut(text, max_chars)]


@pytest.mark.parametrize("which", ["joe", "espeak"])
def test_engine_speaks_a_sentence(which, request):
    voice, engine = request.getfixturevalue(which)
    chunk = engine.synthesize(SENTENCE)
    assert chunk.sample_rate == 22050
    assert len(chunk.pcm) % 2 == 0
    words = spoken_words(SENTENCE)
    seconds = chunk.duration_ms / 1000
    assert words / voice.max_words_per_second < seconds < words / voice.min_words_per_second + 1.5
    samples = np.frombuffer(chunk.pcm, dtype=np.int16)
    assert np.abs(samples).max() > 3000  # real speech, not silence


LONG = ("In an interview published by rights group Gulagu.net, the former mercenary said he crossed "
        "Russia's Arctic border with Norway, where he had to climb through barbed-wire fences and "
        "escape a border patrol with dogs.")


def test_long_sentences_are_cut_after_clause_punctuation_first():
    assert pieces(SENTENCE, 150) == [SENTENCE]
    cut = pieces(LONG, 150)
    assert len(cut) == 2
    assert all(len(p) <= 150 and p[-1] in ",." for p in cut)
    assert " ".join(cut) == LONG
    # A comma inside phonemes is not a clause end, and phonemes are never cut.
    text = "[[a, b]] x " * 6 + "end."
    cut = pieces(text, 30)
    assert " ".join(cut) == text.strip() and all(len(p) <= 30 for p in cut)
    assert all(p.count("[[") == p.count("]]") for p in cut) and len(cut) == 3


def test_every_piece_has_a_hard_cap_whatever_the_text():
    run_on = " ".join(["word"] * 1200) + "."  # 6,000 characters and no clause punctuation
    cut = pieces(run_on, 150)
    assert max(map(len, cut)) <= 150 and " ".join(cut) == run_on
    assert pieces("a." * 3000, 150) == []  # one 6,000-character token: not a word, dropped
    assert pieces("[[" + "a" * 20_000 + "]] said.", 150) == ["said."]
    assert pieces("x" * 30 + ", y.", 20) == ["y."]  # longer than a whole piece: dropped
    assert pieces("Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz is long.", 150) == [
        "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz is long."]


def test_cutting_is_linear_on_long_adversarial_text():
    import time

    def seconds(text: str) -> float:
        start = time.perf_counter()
        pieces(text, 150)
        return time.perf_counter() - start

    plain = seconds("word " * 40_000)
    for hostile in ("a." * 100_000, "[[" * 100_000, "[[a " * 50_000, "," * 200_000, "x" * 200_000):
        assert seconds(hostile) < 20 * plain + 0.05


def test_piper_speaks_a_long_sentence_in_clauses_as_long_as_whole(joe):
    voice, engine = joe
    whole = list(engine._voice.synthesize(LONG, syn_config=engine._config))
    whole_ms = sum(len(c.audio_int16_bytes) for c in whole) / 2 / 22.05
    # The clause pieces carry their own pauses: the sentence takes about as long as in one call.
    assert abs(engine.synthesize(LONG).duration_ms - whole_ms) < 0.1 * whole_ms


def test_pyttsx3_worker_handles_many_calls_in_one_process(espeak):
    voice, engine = espeak
    lengths = [engine.synthesize(f"Sentence number {n}.").duration_ms for n in range(1, 9)]
    assert all(800 < ms < 4000 for ms in lengths)
    # A short word keeps its own audio whatever came before it: none of it is lost to (or
    # carried over from) a neighbouring utterance, as pyttsx3 2.99's espeak driver does.
    short = []
    for before in ("Yes.", "A much longer sentence comes before the short word this time.", "Yes."):
        engine.synthesize(before)
        short.append(engine.synthesize("Yes.").duration_ms)
    assert min(short) > 200
    assert max(short) - min(short) < 0.1 * min(short)


def test_trim_keeps_speech_and_short_edges():
    rate = 22050
    speech = (np.sin(np.arange(rate) / 5) * 10000).astype(np.int16)
    padded = np.concatenate([np.zeros(rate, np.int16), speech, np.zeros(rate // 2, np.int16)])
    out = trim(AudioChunk(padded.tobytes(), rate))
    assert 1000 <= out.duration_ms <= 1000 + 2 * 40 + 1


def test_guard_flags_cut_off_and_overlong_clips(espeak):
    voice, _ = espeak
    words = "one two three four five six seven eight nine ten eleven twelve"
    half_second = AudioChunk(bytes(2 * 22050 // 2), 22050)
    assert "too short" in check_duration(half_second, words, voice)
    minute = AudioChunk(bytes(2 * 22050 * 60), 22050)
    assert "too long" in check_duration(minute, words, voice)
    assert check_duration(AudioChunk(bytes(2 * 22050 * 4), 22050), words, voice) is None


class HalfEngine:
    """A real engine whose clips are cut in half, as a crashing engine would leave them."""

    def __init__(self, engine):
        self.engine, self.calls = engine, 0
        self.model_id = "half"

    def synthesize(self, text):
        self.calls += 1
        chunk = self.engine.synthesize(text)
        return AudioChunk(chunk.pcm[: len(chunk.pcm) // 4 * 2], chunk.sample_rate)

    def close(self):
        pass


def test_truncated_clip_is_retried_once_then_fails_naming_the_paragraph(espeak):
    voice, engine = espeak
    half = HalfEngine(engine)
    text = ("He said he crossed the border into Norway near the valley shortly before dawn last "
            "Friday, where he was arrested by border guards who had followed him for hours.")
    unit = Unit(text=text, spoken=text, block=7)
    with pytest.raises(SynthesisError, match=r"paragraph 8 of 20 \('He said he crossed"):
        synthesise_unit(unit, half, voice, where="paragraph 8 of 20")
    assert half.calls == 2


def test_unspeakable_unit_gives_empty_clip(espeak):
    voice, engine = espeak
    assert synthesise_unit(Unit(text="—", spoken="", block=0), engine, voice).pcm == b""


def test_a_crashed_espeak_process_is_replaced_and_the_sentence_tried_again(tmp_path):
    """The engine process dies under a sentence (as espeak-ng does on some input): the sentence is
    tried again in a fresh process, and a failure that persists names the sentence."""
    from narrator.audio.synthesise import synthesise_unit
    from narrator.errors import SynthesisError
    from narrator.model import Unit
    from narrator.speech.engines import open_engine
    from narrator.speech.voices import get_voice

    voice = get_voice("espeak")
    engine = open_engine(voice)
    try:
        first = engine._proc
        engine._proc.kill()  # the worker process dies before the next sentence reaches it
        engine._proc.wait()
        sentence = "The ferry left at dawn."
        clip = synthesise_unit(Unit(sentence, sentence, 3), engine, voice, "p 4 of 9")
        assert clip.duration_ms > 500 and engine._proc is not first
        engine.START_TIMEOUT_S = 0.0  # from now on no worker can start in time: every try fails
        engine._proc.kill()
        engine._proc.wait()
        with pytest.raises(SynthesisError, match=r"p 4 of 9 \('The harbour closed at noon\.'\)"):
            synthesise_unit(Unit("The harbour closed at noon.", "The harbour closed at noon.", 3), engine,
                            voice, "p 4 of 9")
    finally:
        engine.close()
