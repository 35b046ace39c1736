"""The cache key of a rewrite job: a fingerprint of everything that changes the output."""

from __future__ import annotations

from typing import Any

from api.engines import Engine
from api.store.cache import fingerprint
from api.types import RewriteJob


class JobDigest:
    """Makes cache keys; remembers each preset's content fingerprint (a remembered preset is
    the same object request after request, so it is worked out once)."""

    def __init__(self) -> None:
        self._preset_prints: dict[int, tuple[dict[str, Any], str]] = {}

    def __call__(self, job: RewriteJob, engine: Engine) -> str:
        preset = job.preset
        return fingerprint(
            {
                "draft": job.draft,
                "customer_name": job.customer_name,
                "agent_name": job.agent_name,
                "customer_message": job.customer_message,
                # Slug and version, plus the content itself: a shipped default edited in
                # a release (still version 1) can't hit rewrites made with the old text.
                "preset": [preset["slug"], preset.get("version", 1), self._preset_print(preset)],
                "action": job.action,
                "channel": job.channel,
                "target_locale": job.target_locale,
                "engine": engine.name,
                "model": engine.model,
                "templates": engine.fingerprint,
                **({"marks": job.rich.key()} if job.rich else {}),
            }
        )

    def _preset_print(self, preset: dict[str, Any]) -> str:
        known = self._preset_prints.get(id(preset))
        if known is not None and known[0] is preset:
            return known[1]
        printed = fingerprint(preset)
        if len(self._preset_prints) > 1024:
            self._preset_prints.clear()
        self._preset_prints[id(preset)] = (preset, printed)
        return printed
