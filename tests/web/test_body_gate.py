"""The body gate's shortcuts (api/web/body.py) agree with its full walks on every input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.errors import KindlyError
from api.web.body import MAX_DEPTH, invalid_text_field, read_json

# Text with lone surrogates now and then, in keys and values, at any depth.
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d"]
TEXT = st.text(
    alphabet=st.sampled_from(["a", "\\", "u", "é", "😀", *SURROGATES])
    | st.characters(codec=None, exclude_categories=()),
    max_size=8,
)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(VALUES, st.sampled_from([None, *SURROGATES]))
def test_the_surrogate_shortcut_finds_what_the_walk_finds(value, surrogate):
    if surrogate is not None:
        value = {"draft": [value, {"note": "x" + surrogate}]}
    raw = json.dumps(value).encode()  # ASCII: every non-ASCII character is an escape
    assert invalid_text_field(value, raw) == invalid_text_field(value)


@given(st.integers(min_value=1, max_value=2 * MAX_DEPTH), st.integers(0, 40), st.booleans())
def test_nesting_is_refused_past_the_limit_however_many_brackets(depth, siblings, in_text):
    nested = "[" * depth + "]" * depth
    # Brackets elsewhere (beside it, or inside strings) never change the verdict.
    extra = '"' + "[{" * siblings + '"' if in_text else ",".join(["[]"] * siblings)
    body = f'{{"a": {nested}, "b": [{extra}]}}'.encode()
    if depth + 1 > MAX_DEPTH:
        with pytest.raises(KindlyError):
            read_json(body)
    else:
        assert read_json(body)["a"] is not None
