"""A streamed rewrite's events: the engine's text as it arrives, then the verified result;
a cache hit streams the cached answer, logged by the first round trip (one round trip)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from api.engines import EngineError
from api.rewrite.outcome import Opened, plain_text, served_again
from api.rewrite.verify import verified_rewrite
from api.types import EngineResult

if TYPE_CHECKING:
    from api.rewrite.pipeline import Pipeline

# ("delta", {"text": ...}) events, then one ("result", body).
Event = tuple[str, dict[str, Any]]


def stream_events(pipeline: Pipeline, opened: Opened, started: float) -> Iterator[Event]:
    """The events of the rewrite `opened` describes; `corrected` in the result says the final
    text differs from the deltas (the guard rejected them)."""
    hit, _ = opened.looked_up()
    if hit is not None:
        yield from _hit_events(pipeline, opened, hit, started)
        return
    job, engine, who = opened.job, opened.engine, opened.who
    streamed: list[str] = []
    upstream = None
    outcome: EngineResult | EngineError | None = None
    try:
        upstream = engine.stream(job)  # None: this engine (or job) does not stream
        if upstream is not None:
            for text in upstream:
                streamed.append(text)
                yield "delta", {"text": text}
            outcome = upstream.result()
    except EngineError as err:
        outcome = err
    finally:
        # Also on GeneratorExit (client gone): closing stops the upstream call.
        if upstream is not None:
            upstream.close()
    value, cacheable = verified_rewrite(
        job, engine, pipeline.fallback, pipeline.lexicon, outcome
    )
    if not streamed:
        yield "delta", {"text": plain_text(value)}
    corrected = bool(streamed) and plain_text(value) != "".join(streamed)
    stored = cacheable and pipeline.cache.put(who.team, opened.digest, served_again(value))
    answer = pipeline.respond(
        value,
        False,
        job,
        who,
        started,
        reserved=opened.reserved,
        digest=opened.digest if stored else None,
    )
    yield "result", {**answer, "corrected": corrected}


def _hit_events(
    pipeline: Pipeline, opened: Opened, cached: dict[str, Any], started: float
) -> Iterator[Event]:
    """A hit: its text, then the cached answer. Logged by the first trip when it was found
    there (`opened.logged`); else (found by a second lookup after a preset change) now."""
    yield "delta", {"text": plain_text(cached)}
    if opened.logged:
        answer = {
            **cached,
            "id": opened.request_id,
            "cached": True,
            "latency_ms": opened.latency_ms,
        }
    else:
        answer = pipeline.respond(
            cached,
            True,
            opened.job,
            opened.who,
            started,
            reserved=opened.reserved,
            digest=opened.digest,
        )
    yield "result", {**answer, "corrected": False}
