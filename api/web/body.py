"""The gate every JSON body passes before a view or a schema reads it.

Refuses, as clear 4xx, what a schema can't see or what would break code further in: bodies
that are not JSON at all (415), JSON that can't be read, nests deeper than any Kindly body
or holds integers too long to convert (400), and text that is not valid Unicode, such as a
lone surrogate "\\ud800" (422), which could not be hashed, stored or sent anywhere.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, g, request

from api.errors import KindlyError, abort

# No Kindly body nests deeper than a preset inside a preview request (about 4 levels).
MAX_DEPTH = 32
_WRITES = ("POST", "PUT", "PATCH")
# A JSON escape of a UTF-16 surrogate (an escaped backslash before it only over-matches).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def read_json(raw: bytes) -> Any:
    """The parsed body, or a 400 KindlyError saying why it can't be read."""
    try:
        text = raw.decode("utf-8")
        # Nesting can't exceed the number of opening brackets: most bodies are cleared by
        # two C-speed counts instead of a character-by-character walk.
        if text.count("{") + text.count("[") > MAX_DEPTH and _nesting(text) > MAX_DEPTH:
            raise KindlyError(400, f"The JSON body nests deeper than {MAX_DEPTH} levels.")
        return json.loads(text)
    except (ValueError, RecursionError) as err:  # also UnicodeDecodeError, too many digits
        raise KindlyError(400, "The request body is not valid JSON.") from err


def _nesting(text: str) -> int:
    """The deepest nesting of brackets outside strings (cheap, never recursive)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0  # too few brackets to nest too deep: skip the walk (a bound, not the depth)
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def invalid_text_field(value: Any, raw: bytes | None = None) -> str | None:
    """The top-level field (or "body") holding a string that is not valid Unicode.
    `raw`: the JSON text `value` was read from; without a surrogate's `\\uD800`-`\\uDFFF`
    escape in it no string can hold a lone surrogate (decoded UTF-8 never does), so there is
    nothing to walk."""
    if raw is not None and _SURROGATE_ESCAPE.search(raw) is None:
        return None
    stack: list[tuple[str, Any]] = [("body", value)]
    if isinstance(value, dict):
        stack = [(str(k), v) for k, v in value.items()] + [("body", list(value))]
    while stack:
        field, item = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                return field if _encodable(field) else "body"
        elif isinstance(item, dict):
            stack.extend((field, v) for v in (*item.keys(), *item.values()))
        elif isinstance(item, list):
            stack.extend((field, v) for v in item)
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_body() -> None:
    """Before every /v1/ write: JSON only, readable, shallow and valid Unicode."""
    if request.method not in _WRITES or not request.path.startswith("/v1/"):
        return
    raw = request.get_data(cache=True)
    if not raw:
        return
    if not request.is_json:
        abort(415)
    body = read_json(raw)
    # Read once: a view may take the body from here instead of parsing it again.
    g.json_body = body
    field = invalid_text_field(body, raw)
    if field is not None:
        raise KindlyError(
            422,
            "Some text is not valid Unicode (a lone surrogate?).",
            {field: ["Not valid Unicode text (lone surrogates are refused)."]},
        )


def checked_body() -> Any:
    """The JSON body `check_body` read and passed for this request (None when it read none)."""
    return g.get("json_body")


def init_app(app: Flask) -> None:
    """Run the gate before every request."""
    app.before_request(check_body)
