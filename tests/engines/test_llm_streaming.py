"""SSE framing: one frame per event, the result through the response schema, an error event
instead of a broken stream, and the pipeline's cleanup on every exit."""

from __future__ import annotations

import json

from api.web.sse import sse_event, sse_frames


def frames_of(text: str) -> list[tuple[str, dict]]:
    out = []
    for frame in text.strip().split("\n\n"):
        name_line, data_line = frame.split("\n")
        data = json.loads(data_line.removeprefix("data: "))
        out.append((name_line.removeprefix("event: "), data))
    return out


def test_event_is_one_frame_even_with_newlines_in_the_text():
    frame = sse_event("delta", {"text": "Hi Maria,\n\nthanks"})
    assert frame.count("\n") == 3 and frame.endswith("\n\n")
    assert frames_of(frame) == [("delta", {"text": "Hi Maria,\n\nthanks"})]


def test_result_goes_through_the_dump_and_deltas_do_not():
    events = [("delta", {"text": "a"}), ("result", {"rewrite": "a", "internal": 1})]
    dumped = "".join(sse_frames(events, lambda body: {"rewrite": body["rewrite"]}))
    assert frames_of(dumped) == [("delta", {"text": "a"}), ("result", {"rewrite": "a"})]


def test_a_failure_mid_stream_ends_with_an_error_event_and_cleans_up():
    closed = []

    def events():
        try:
            yield "delta", {"text": "Hi"}
            raise RuntimeError("bug")
        finally:
            closed.append(True)

    out = frames_of("".join(sse_frames(events(), dict)))
    assert out[0] == ("delta", {"text": "Hi"})
    assert out[-1][0] == "error" and out[-1][1]["code"] == 500
    assert closed == [True]


def test_client_hangup_closes_the_pipeline_generator():
    closed = []

    def events():
        try:
            for number in range(100):
                yield "delta", {"text": str(number)}
        finally:
            closed.append(True)

    frames = sse_frames(events(), dict)
    next(frames)
    frames.close()  # what the WSGI server does when the client is gone
    assert closed == [True]
