"""narrator: turn a news article into a narrated MP3 with a timing map."""
from .config import Settings
from .errors import ExtractionError, InputError, NarratorError, SynthesisError, VoiceError
from .extract import extract_html, extract_text, load
from .model import Article, Paragraph, Section
from .pipeline import narrate
from .voices import Voice, all_voices, get_voice

__all__ = [
    "Article", "ExtractionError", "InputError", "NarratorError", "Paragraph", "Section", "Settings",
    "SynthesisError", "Voice", "VoiceError", "all_voices", "extract_html", "extract_text", "get_voice",
    "load", "narrate",
]
