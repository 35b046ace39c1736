"""The rewrite request's light check agrees with the full schema on every body it accepts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from api.types import ACTIONS, CHANNELS
from api.web.schemas.core import RewriteRequestSchema, plain_rewrite_request

_SCHEMA = RewriteRequestSchema()

texts = st.one_of(st.none(), st.text(max_size=30), st.integers(), st.booleans())
bodies = st.fixed_dictionaries(
    {},
    optional={
        "draft": st.one_of(st.text(max_size=40), st.none(), st.integers()),
        "customer_name": texts,
        "agent_name": texts,
        "customer_message": texts,
        "preset": st.one_of(st.sampled_from(["warm", "formal", "a_b-1", "Warm", "-x", "warm\n"]),
                            texts),
        "channel": st.one_of(st.sampled_from(CHANNELS), texts),
        "action": st.one_of(st.sampled_from(ACTIONS), texts),
        "target_locale": st.one_of(st.sampled_from(["de", "pt-BR", "x", "en_GB", "de\n"]), texts),
        "stream": st.one_of(st.booleans(), st.none(), st.integers(), st.text(max_size=3)),
        "extra": texts,
    },
)


@given(bodies)
def test_the_light_check_accepts_only_what_the_schema_accepts_and_reads_it_the_same(body):
    fast = plain_rewrite_request(body)
    try:
        full = Schema.load(_SCHEMA, body)
    except ValidationError:
        assert fast is None
        return
    if fast is not None:
        assert fast == full


def test_a_plain_body_takes_the_light_path():
    body = {"draft": "Hi.", "customer_name": "Ana", "channel": "chat", "stream": False}
    assert plain_rewrite_request(body) == Schema.load(_SCHEMA, body)


def test_the_preview_schema_reads_its_own_preset_field_not_the_fast_path():
    from api.web.views.preset_preview import PreviewRequestSchema

    with pytest.raises(ValidationError) as refused:
        PreviewRequestSchema().load({"draft": "Order 1 shipped.", "preset": "warm"})
    assert "preset" in refused.value.messages
