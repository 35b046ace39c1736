"""With Redis unreachable the CLI says so in one line and exits non-zero: no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.redis_server import free_port

KINDLY = Path(sys.executable).parent / "kindly"


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["keys", "create", "--team", "acme"],
        ["keys", "list", "--team", "acme"],
        ["teams", "list"],
        ["bootstrap", "--key-file", "/dev/null/none"],
    ],
)
def test_an_unreachable_redis_is_one_clear_line(args):
    port = free_port()  # nothing listens here
    env = {**os.environ, "REDIS_URL": f"redis://:secret-pw@127.0.0.1:{port}/0"}
    done = subprocess.run(
        [str(KINDLY), *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "unreachable" in lines[0]
    assert "secret-pw" not in done.stderr  # the URL's password is never printed
