"""`kindly bootstrap` (run by `make run`): default team, presets and a usable key, once."""

from __future__ import annotations


def test_bootstrap_creates_team_presets_and_a_working_key(app, runner, client, tmp_path, redis):
    key_file = tmp_path / "api-key"
    first = runner.invoke(args=["bootstrap", "--key-file", str(key_file)])
    assert first.exit_code == 0, first.output
    key = first.output.strip().splitlines()[-1]
    assert key == key_file.read_text().strip()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert redis.hlen("kindly:{default}:presets") >= 5
    assert key not in str(redis.hgetall("kindly:{global}:apikeys"))  # stored hashed only

    res = client.post("/v1/rewrite", json={"draft": "Your order 42 shipped."},
                      headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 200

    again = runner.invoke(args=["bootstrap", "--key-file", str(key_file)])
    assert again.exit_code == 0
    assert again.output.strip().splitlines()[-1] == key
    assert "Created" not in again.output
