"""Server-sent events for a streamed rewrite: `delta` events as text arrives, then `result`.

The pipeline yields (event, data) pairs; this module only frames them as SSE and makes sure
a client that hangs up stops the work: the WSGI server closes the generator, GeneratorExit
reaches the pipeline's `finally`, and that closes the upstream stream.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Response, stream_with_context

from api.errors import MESSAGES

log = logging.getLogger(__name__)

Event = tuple[str, dict[str, Any]]


def sse_event(name: str, data: dict[str, Any]) -> str:
    """One SSE frame. JSON never contains a raw newline, so `data:` is always one line."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_frames(
    events: Iterable[Event], dump_result: Callable[[dict[str, Any]], dict[str, Any]]
) -> Iterator[str]:
    """Frame the pipeline's events; the `result` body goes through the response schema so it
    is the same JSON as a non-streamed 200."""
    iterator = iter(events)
    try:
        for name, data in iterator:
            yield sse_event(name, dump_result(data) if name == "result" else data)
    except Exception:
        # Headers are sent: the status can no longer change, so say it in the stream.
        log.exception("streamed rewrite failed")
        yield sse_event("error", {"code": 500, "status": "Internal Server Error",
                                  "message": MESSAGES[500]})
    finally:
        close = getattr(iterator, "close", None)
        if close:
            close()  # runs the pipeline's cleanup on disconnect (GeneratorExit) as well


def sse_response(
    events: Iterable[Event], dump_result: Callable[[dict[str, Any]], dict[str, Any]]
) -> Response:
    response = Response(
        stream_with_context(sse_frames(events, dump_result)),
        mimetype="text/event-stream",
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event through at once
    return response
