"""Rewrite one draft in-process with the offline engine: no server, no Redis (`kindly rewrite`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from api.engines.offline.engine import OfflineEngine
from api.rewrite.pipeline import normalise_draft
from api.rewrite.verify import verified_rewrite
from api.store.presets import default_presets
from api.tone.lexicon import Lexicon, load_lexicon
from api.types import RewriteJob


def rewrite_locally(
    draft: str,
    *,
    customer_name: str | None = None,
    agent_name: str | None = None,
    customer_message: str | None = None,
    preset_slug: str = "warm",
    channel: str | None = None,
    prompts_dir: Path,
) -> dict[str, Any]:
    """Soften `draft` with a shipped preset and return the same result shape as the API."""
    presets = default_presets(prompts_dir)
    if preset_slug not in presets:
        raise LookupError(f"No preset '{preset_slug}'. Choose from: {', '.join(sorted(presets))}.")
    preset = presets[preset_slug]
    lexicon = _lexicon(prompts_dir)
    engine = OfflineEngine(lexicon)
    job = RewriteJob(
        draft=normalise_draft(draft),
        action="soften",
        channel=channel or preset.get("default_channel") or "email",
        customer_name=customer_name,
        agent_name=agent_name,
        customer_message=customer_message,
        preset=preset,
    )
    value, _ = verified_rewrite(job, engine, engine, lexicon)
    return value


def warm_up(prompts_dir: Path) -> None:
    """Load word lists, the pronouncing dictionary and compiled patterns before serving.

    Without it the first rewrite in each process pays about a second of loading.
    """
    rewrite_locally(
        "As I said, pls DM us your order number ASAP. We can't refund #1 after 2 days.",
        customer_name="Sam",
        customer_message="This is frustrating.",
        prompts_dir=prompts_dir,
    )


@lru_cache(maxsize=4)
def _lexicon(prompts_dir: Path) -> Lexicon:
    """The word lists of a prompts folder, built once per process (they take ~70 ms)."""
    return load_lexicon(prompts_dir / "offline")
