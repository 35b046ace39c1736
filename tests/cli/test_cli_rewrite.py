"""`kindly rewrite` softens a draft in one line, with no server and no Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts processes: left out of `make unit`

KINDLY = Path(sys.executable).parent / "kindly"


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"}  # nothing listens there
    return subprocess.run([str(KINDLY), "rewrite", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_rewrite_prints_a_softened_reply():
    out = run("As I said, you failed to send order 4471. Pls DM us.", "--customer-name", "Maria")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(("Hi Maria", "Hello Maria"))
    assert "4471" in out.stdout
    assert "As I said" not in out.stdout
    assert "facts kept" in out.stderr


def test_rewrite_as_json_has_the_api_shape():
    out = run("We can't refund order 12.", "--as-json", "--channel", "chat")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["checks"]["passed"] and body["channel"] == "chat"


def test_unknown_preset_is_a_usage_error():
    out = run("Hi", "--preset", "nope")
    assert out.returncode == 2
    assert "No preset 'nope'" in out.stderr
