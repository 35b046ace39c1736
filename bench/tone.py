"""Benchmark: the tone analyser and POST /v1/tone on ~1 KB drafts (issue 10: p50 under 1 ms).

Times, call by call over the same generated drafts (bench/drafts.py, seeded):
  analyse       api.tone.findings.analyse(draft, "en"): the analyser alone, language given
  analyse+lang  detect_language(draft) then analyse(): what the view does without "language"
  endpoint      POST /v1/tone through the Flask app in this process (test client, a stored
                agent key checked in a real redis-server, "language": "en" in the body): body
                gate, key check, validation, analyse, JSON out; no sockets to Kindly
  endpoint+lang the same without "language": the view detects it
  http          with --http: POST /v1/tone to `kindly serve` under the Procfile's settings
                (gunicorn gthread, 2 workers x 16 threads) on 127.0.0.1, one keep-alive
                connection, "language": "en": the client's request and response included

Every sentence of every draft gets a token unique to the draft and the row, so no cache
helps any row (the analyser keeps the findings of recent sentences): every figure is a cold
draft. A last row, "typing", re-checks one draft as an agent types: only its last sentence
changes from call to call. Prints p50 and p95 in milliseconds (wall) and the CPU p50 of this
process (for "http", the client's, so only the wall time counts there).
Run: .venv/bin/python bench/tone.py [--quick] [--json] [--http]
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.engines.language import detect_language, warm_up
from api.tone.findings import analyse
from bench.drafts import make_drafts
from bench.stats import percentile
from tests.support.redis_server import RedisServer


def _time(call: Callable[[int], object], count: int) -> tuple[list[float], list[float]]:
    """(wall ms, thread CPU ms) per call. On a loaded machine the CPU time is the fairer
    figure: wall time also counts the time other processes held the core."""
    wall, cpu = [], []
    for index in range(count):
        started, started_cpu = time.perf_counter(), time.thread_time()
        call(index)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def _unique(draft: str, number: int, row: str = "k") -> str:
    """`draft` with a token no other draft (of this row) has in each of its sentences."""
    counter = iter(range(10_000))
    return re.sub(
        r"([.!?])(\s)", lambda m: f" {row}{number}q{next(counter)}{m[1]}{m[2]}", draft
    )


def _client(redis_url: str, spool: Path):  # type: ignore[no-untyped-def]
    from api import create_app
    from api.services import app_services

    app = create_app(
        {"REDIS_URL": redis_url, "KINDLY_ENGINE": "offline", "KINDLY_SPOOL_DIR": spool}
    )
    with app.app_context():
        svc = app_services()
        team = svc.teams.create_team("Bench", team_id="bench")
        _, secret = svc.teams.create_key(team, role="agent", label="bench")
    return app.test_client(), {"Authorization": f"Bearer {secret}"}


def _http_times(
    redis_url: str, workdir: Path, drafts: list[str], auth: dict[str, str]
) -> tuple[list, list]:
    """Wall and client CPU ms of POST /v1/tone to a real `kindly serve` (Procfile settings),
    with the agent key the in-process rows use (stored in the same Redis)."""
    from bench.servers import WorkerSettings, start_app

    served = start_app("kindly", WorkerSettings("gthread", 2, 16), workdir, redis_url)
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    headers = {"Content-Type": "application/json", **auth}
    try:

        def post(index: int) -> None:
            conn.request("POST", "/v1/tone", json.dumps({"draft": drafts[index], "language": "en"}),
                         headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status

        for _ in range(min(20, len(drafts))):  # both workers answer once before timing
            conn.request("POST", "/v1/tone", json.dumps({"draft": "Hi.", "language": "en"}),
                         headers)
            conn.getresponse().read()
        return _time(post, len(drafts))
    finally:
        conn.close()
        served.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer drafts")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--http", action="store_true", help="also time POST over HTTP")
    args = parser.parse_args()
    count = 200 if args.quick else 1000
    made = make_drafts(count, target_chars=1000)
    rows = ("analyse", "analyse+lang", "endpoint", "endpoint+lang", "http")
    fresh = {row: [_unique(s.draft, n, f"k{i}x") for n, s in enumerate(made)]
             for i, row in enumerate(rows)}
    drafts = fresh["analyse"]
    typing = [drafts[0] + f" And one more thing {n}." for n in range(count)]
    warm_up()
    analyse(drafts[0], "en")
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp) / "redis").start()
        try:
            client, auth = _client(server.url, Path(tmp) / "spool")

            def post(index: int, with_language: bool) -> None:
                row = "endpoint" if with_language else "endpoint+lang"
                body = {"draft": fresh[row][index]}
                if with_language:
                    body["language"] = "en"
                res = client.post("/v1/tone", json=body, headers=auth)
                assert res.status_code == 200, res.get_json()

            post(0, True)
            results = {
                "analyse": _time(lambda i: analyse(drafts[i], "en"), count),
                "analyse+lang": _time(
                    lambda i: analyse(
                        fresh["analyse+lang"][i], detect_language(fresh["analyse+lang"][i])
                    ),
                    count,
                ),
                "endpoint": _time(lambda i: post(i, True), count),
                "endpoint+lang": _time(lambda i: post(i, False), count),
                "typing": _time(lambda i: analyse(typing[i], "en"), count),
            }
            if args.http:
                results["http"] = _http_times(server.url, Path(tmp) / "http", fresh["http"], auth)
        finally:
            server.stop()
    sizes = sorted(len(d) for d in drafts)
    summary = {
        name: {
            "p50_ms": round(percentile(wall, 50), 3),
            "p95_ms": round(percentile(wall, 95), 3),
            "cpu_p50_ms": round(percentile(cpu, 50), 3),
        }
        for name, (wall, cpu) in results.items()
    }
    if args.json:
        print(json.dumps({"drafts": count, "median_chars": sizes[len(sizes) // 2], **summary}))
        return
    print(f"{count} drafts, median {sizes[len(sizes) // 2]} characters")
    for name, row in summary.items():
        print(
            f"  {name:14} p50 {row['p50_ms']:7.3f} ms   p95 {row['p95_ms']:7.3f} ms"
            f"   CPU p50 {row['cpu_p50_ms']:7.3f} ms"
        )


if __name__ == "__main__":
    main()
