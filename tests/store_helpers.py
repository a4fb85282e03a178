"""A narration staged without synthesis, for store tests: fake files where the pipeline would write them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from narrator.audio.export import Outputs, outputs_for
from narrator.config import Settings
from narrator.model import Article
from narrator.service.store import Store
from narrator.service.submissions import fingerprint
from narrator.speech.voices import Voice, get_voice


@dataclass(frozen=True)
class Staged:
    """What Store.publish needs of a narration (the shape of narrator.pipeline.Result)."""

    outputs: Outputs
    voice: Voice
    model_id: str = "m1"
    duration_ms: int = 1000


def stage(store: Store, article_id: str, job_id: str, payload: bytes) -> Staged:
    """Write fake narration files into the job's staging folder, as the pipeline would."""
    out = outputs_for(store.versions.staging_dir(article_id, job_id) / "audio.mp3")
    out.audio.write_bytes(payload)
    out.timing.write_text(json.dumps({"duration_ms": 1000, "paragraphs": []}))
    out.vtt.write_text("WEBVTT\n")
    return Staged(out, get_voice("espeak"))


def fingerprint_of(article: Article, voice_name: str | None, settings: Settings) -> str:
    """The fingerprint the API gives an article submitted with `voice_name`."""
    voice = get_voice(voice_name, article.language, settings.voices)
    return fingerprint(article, voice_name, voice, settings)
