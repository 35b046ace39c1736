"""Schemathesis over /openapi.json against a real server: a real redis-server, `kindly serve`
(gunicorn), and one run per kind of key (admin, team_admin, agent), every check and the
stateful phase (the links in the API description). Used by the suite (bounded) and by
`make fuzz` (longer)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.live_server import LiveServer
from tests.support.redis_server import RedisServer

ADMIN_KEY = "fuzz-admin-key-not-secret"
# Weakest first: a stronger key's run revokes the keys it can list (stateful testing follows
# GET /v1/keys to DELETE), and each role's key is made just before its run.
ROLES = ("agent", "team_admin", "admin")
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@dataclass
class FuzzReport:
    """What the runs found: responses by status class and failed checks by name, per role."""

    server_errors: int = 0
    failures: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"5xx responses: {self.server_errors}"]
        lines += [f"status {s}: {n}" for s, n in sorted(self.statuses.items())]
        lines += [f"failed check {name}: {n}" for name, n in self.failures.most_common()]
        return "\n".join(lines)


def _key(server: LiveServer, role: str) -> str:
    if role == "admin":
        return ADMIN_KEY
    status, body = server.request("POST", "/v1/keys", {"role": role, "label": f"fuzz {role}"})
    if status != 201:
        raise RuntimeError(f"could not create a {role} key: {status} {body}")
    return body["secret"]


def run(
    seconds_per_role: int, max_examples: int, workdir: Path | None = None, seed: int = 1
) -> FuzzReport:
    """Start Redis and the server, fuzz with each key, and count what came back."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="kindly-fuzz-"))
    redis = RedisServer(workdir / "redis").start()
    server = LiveServer(
        redis.url,
        ADMIN_KEY,
        workdir / "spool",
        # Limits would answer most requests with 429 and hide the rest of the API.
        KINDLY_RATE_KEY_PER_MIN="0",
        KINDLY_RATE_TEAM_PER_MIN="0",
    )
    report = FuzzReport()
    try:
        server.start(workers=2, threads=8)
        for role in ROLES:
            key = _key(server, role)
            _run_role(server, role, key, seconds_per_role, max_examples, workdir, seed, report)
    finally:
        server.stop()
        redis.stop()
    report.logs.append(server.log)
    return report


def _run_role(
    server: LiveServer,
    role: str,
    key: str,
    seconds: int,
    max_examples: int,
    workdir: Path,
    seed: int,
    report: FuzzReport,
) -> None:
    events = workdir / f"{role}.ndjson"
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--header",
        f"Authorization: Bearer {key}",
        "--max-examples",
        str(max_examples),
        "--max-time",
        str(seconds),
        "--seed",
        str(seed),
        "--workers",
        "2",
        "--request-timeout",
        "10",
        "--suppress-health-check",
        "all",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(events),
        "--output-truncate",
        "true",
    ]
    log = workdir / f"{role}.log"
    with log.open("wb") as out:
        subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=workdir, timeout=seconds * 4 + 120
        )
    report.logs.append(log)
    _count(events, role, report)


def _count(events: Path, role: str, report: FuzzReport) -> None:
    """Read schemathesis's event stream: every response's status, every failed check."""
    if not events.exists():
        raise RuntimeError(f"schemathesis wrote no report for {role}: see its log")
    for line in events.read_text().splitlines():
        for status, check, detail in _walk(json.loads(line)):
            if status is not None:
                report.statuses[f"{status // 100}xx"] += 1
                if status >= 500:
                    report.server_errors += 1
                    if len(report.examples) < 10:
                        report.examples.append(f"[{role}] {detail}")
            if check is not None:
                report.failures[f"{check} ({role})"] += 1


def _walk(node: object):  # type: ignore[no-untyped-def]
    """(status, failed check name, description) found anywhere in one event."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            response = item.get("response")
            request = item.get("request")
            if isinstance(response, dict) and isinstance(response.get("status_code"), int):
                what = request.get("method", "") + " " + request.get("uri", "")[:200] if isinstance(
                    request, dict
                ) else ""
                yield response["status_code"], None, f"{response['status_code']} {what}"
            failed = str(item.get("status")).lower() == "failure"
            if failed and isinstance(item.get("name"), str) and "response" not in item:
                yield None, item["name"], ""
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
