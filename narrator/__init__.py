"""narrator: turn a news article into a narrated MP3 with a timing map.

The public API is imported lazily (PEP 562), so `python -m narrator.<stage>` runs a stage
module without it being imported twice.
"""
from importlib import import_module

_EXPORTS = {
    "Article": "model", "Paragraph": "model", "Section": "model",
    "Settings": "config",
    "ExtractionError": "errors", "InputError": "errors", "NarratorError": "errors",
    "SynthesisError": "errors", "VoiceError": "errors",
    "extract_html": "extract", "extract_text": "extract", "load": "extract",
    "Lexicon": "lexicon", "load_lexicon": "lexicon",
    "normalise_text": "normalise",
    "narrate": "pipeline",
    "Voice": "voices", "all_voices": "voices", "get_voice": "voices",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):  # noqa: ANN202
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'narrator' has no attribute {name!r}")
