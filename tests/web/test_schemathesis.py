"""A bounded schemathesis run over /openapi.json against `kindly serve` on a real Redis, with
an agent, a team-admin and an admin key: every check, stateful links included. The run may
report checks the API description can't express (see `make fuzz`), but never a 5xx."""

from __future__ import annotations

import pytest

from tests.support import fuzz


@pytest.mark.slow
def test_schemathesis_finds_no_server_error(tmp_path):
    report = fuzz.run(seconds_per_role=20, max_examples=20, workdir=tmp_path)
    print(report.summary())  # shown with -s: what the other checks found
    assert report.statuses["2xx"] > 0 and report.statuses["4xx"] > 0  # it really ran
    assert report.server_errors == 0, "\n".join(report.examples)
