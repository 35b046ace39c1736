"""`kindly teams` and `kindly keys`: scripts can capture ids and keys from the last line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli import main

# Redis-facing: every test here also runs on a 3-master Redis Cluster.
pytestmark = pytest.mark.cluster_too

KINDLY = Path(sys.executable).parent / "kindly"


def _run(runner, *args: str):
    result = runner.invoke(main, list(args))
    return result


def _last_line(output: str) -> str:
    return output.rstrip("\n").split("\n")[-1]


def test_teams_create_prints_the_id_last_and_seeds_presets(app, runner, client):
    result = _run(runner, "teams", "create", "Blue Sky Support")
    assert result.exit_code == 0, result.output
    team = _last_line(result.output)
    assert team == "blue-sky-support"
    again = _run(runner, "teams", "create", "Blue Sky Support")
    assert _last_line(again.output) == "blue-sky-support-2"
    key = _last_line(_run(runner, "keys", "create", "--team", team, "--role", "agent").output)
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).json
    assert me["team"] == {"id": team, "name": "Blue Sky Support"}
    assert {"warm", "formal", "apologetic", "concise", "plain-language"} <= {
        p["slug"] for p in me["presets"]
    }


def test_teams_create_with_an_explicit_id(runner):
    assert _last_line(_run(runner, "teams", "create", "Acme", "--id", "acme-eu").output) == (
        "acme-eu"
    )
    dup = _run(runner, "teams", "create", "Acme", "--id", "acme-eu")
    assert dup.exit_code != 0 and "already exists" in dup.output
    bad = _run(runner, "teams", "create", "Acme", "--id", "Not An Id")
    assert bad.exit_code != 0


def test_keys_create_prints_a_working_key_last_for_each_role(runner, client):
    team = _last_line(_run(runner, "teams", "create", "Green").output)
    for role in ("agent", "team_admin", "admin"):
        result = _run(runner, "keys", "create", "--team", team, "--role", role, "--label", role)
        assert result.exit_code == 0, result.output
        key = _last_line(result.output)
        assert key.startswith("kk_") and " " not in key
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {key}"})
        assert me.status_code == 200 and me.json["key"]["role"] == role


def test_keys_create_refuses_unknown_teams_and_roles(runner):
    result = _run(runner, "keys", "create", "--team", "nobody", "--role", "agent")
    assert result.exit_code != 0 and "nobody" in result.output
    _run(runner, "teams", "create", "Red")
    result = _run(runner, "keys", "create", "--team", "red", "--role", "owner")
    assert result.exit_code != 0


def test_keys_list_shows_id_role_label_created_and_last_used_never_secrets(runner, client):
    team = _last_line(_run(runner, "teams", "create", "Violet").output)
    used = _last_line(_run(runner, "keys", "create", "--team", team, "--label", "Ana").output)
    idle = _last_line(
        _run(runner, "keys", "create", "--team", team, "--role", "team_admin").output
    )
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {used}"}).status_code == 200
    result = _run(runner, "keys", "list", "--team", team)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().split("\n")
    assert lines[0].split() == ["ID", "ROLE", "LABEL", "CREATED", "LAST", "USED"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert len(rows) == 2
    used_id = used.split("_")[-2]
    idle_id = idle.split("_")[-2]
    assert "agent" in rows[used_id] and "Ana" in rows[used_id]
    assert rows[used_id].count("UTC") == 2  # created and last used
    assert "team_admin" in rows[idle_id] and rows[idle_id].endswith("never")
    assert used not in result.output and idle not in result.output
    assert _run(runner, "keys", "list", "--team", "nobody").exit_code != 0


def test_keys_revoke_stops_the_key_at_once(runner, client):
    team = _last_line(_run(runner, "teams", "create", "Teal").output)
    key = _last_line(_run(runner, "keys", "create", "--team", team).output)
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/v1/me", headers=headers).status_code == 200
    key_id = key.split("_")[-2]
    result = _run(runner, "keys", "revoke", key_id)
    assert result.exit_code == 0 and key_id in result.output
    assert client.get("/v1/me", headers=headers).status_code == 401
    assert _run(runner, "keys", "revoke", key_id).exit_code == 1
    assert key_id not in _run(runner, "keys", "list", "--team", team).output


def test_teams_limits_shows_and_overrides(runner):
    team = _last_line(_run(runner, "teams", "create", "Amber").output)
    result = _run(runner, "teams", "limits", team, "--key-per-min", "5")
    assert result.exit_code == 0, result.output
    assert "key_per_min\t5\t(team)" in result.output
    assert "team_per_min\t" in result.output and "(default)" in result.output
    result = _run(runner, "teams", "limits", team, "--reset", "key-per-min")
    assert "key_per_min\t5" not in result.output
    assert _run(runner, "teams", "limits", "nobody").exit_code != 0


@pytest.mark.slow
def test_the_installed_command_prints_the_key_on_its_last_line(redis_server, redis, tmp_path):
    env = {**os.environ, "REDIS_URL": redis_server.url, "KINDLY_ENGINE": "offline",
           "KINDLY_SPOOL_DIR": str(tmp_path / "spool")}

    def kindly(*args: str) -> str:
        done = subprocess.run([str(KINDLY), *args], env=env, capture_output=True, text=True,
                              timeout=60, check=True)
        return _last_line(done.stdout)

    team = kindly("teams", "create", "Shell Team")
    key = kindly("keys", "create", "--team", team, "--role", "team_admin", "--label", "ci")
    assert team == "shell-team" and key.startswith("kk_")
    assert redis.hlen(f"kindly:{{{team}}}:keys") == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KINDLY_CACHE_TTL", "7d"),
        ("KINDLY_REDIS_TIMEOUT", "fast"),
        ("KINDLY_RATE_KEY_PER_MIN", "-5"),
    ],
)
def test_a_bad_setting_names_its_variable(monkeypatch, name, value):
    from click.testing import CliRunner

    from api.cli import main

    monkeypatch.setenv(name, value)
    done = CliRunner().invoke(main, ["teams", "list"])
    assert done.exit_code == 1
    assert f"{name}={value!r} is not valid" in done.output
    assert "Traceback" not in done.output
