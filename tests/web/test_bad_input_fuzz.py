"""Bad input never causes a 500: any JSON body gets 200 or a 4xx in the one error shape."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIELDS = ["draft", "customer_name", "agent_name", "customer_message", "preset", "channel",
          "action", "target_locale", "stream"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=3),
    max_leaves=6,
)
bodies = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=6)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies | json_values)
def test_any_json_body_gets_200_or_a_named_4xx(client, auth, body):
    res = client.post("/v1/rewrite", json=body, headers=auth)
    assert res.status_code < 500, res.get_data(as_text=True)
    payload = res.get_json()
    if res.status_code != 200:
        assert {"code", "status", "message"} <= set(payload)
        assert payload["code"] == res.status_code
        if res.status_code == 422:
            assert payload["errors"]  # names the bad field(s)
