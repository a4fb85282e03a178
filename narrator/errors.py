"""The errors narrator raises on bad input or failed synthesis."""


class NarratorError(Exception):
    """Base class: a problem explained in one line, never a stack trace for the user."""


class InputError(NarratorError):
    """Bad input: unreadable file, unknown voice, empty article (CLI exit code 2)."""


class ExtractionError(InputError):
    """The source could not be turned into an article; the message says why."""


class VoiceError(InputError):
    """A voice profile is unknown, malformed, or names a missing engine or model."""


class SynthesisError(NarratorError):
    """An engine failed, hung, or produced audio that does not match its text (exit code 1)."""
