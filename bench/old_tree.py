"""Issue 9's check: this tree (HEAD) against the old tree (commit 3ef5dab, the last commit
before the layout move), served side by side in the same run, alternating rounds: cache-hit
req/s (as bench/cache_hit.py) and offline-miss latency (one client, a new draft each time).

The old tree is checked out with `git worktree add --detach` into a temp dir and runs from
there (PYTHONPATH) with its own venv, built once from its pyproject.toml and kept in
~/.cache/kindly-bench/ (about 30 s the first time). Each server has its own redis-server and an
agent key made by its own CLI. Both run gthread 2x16, preloaded, timeout 60, no access log;
HEAD through `kindly serve` (its Procfile settings: also its request-buffering worker and
gc.freeze, which the old tree does not have).

Run: .venv/bin/python bench/old_tree.py [--quick] [--rounds 6] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cache_hit import PATH, auth_headers, prime_cache, request_body
from bench.drafts import make_drafts
from bench.load import LoadResult, post_load
from bench.servers import (
    REPO_ROOT,
    ServedApp,
    WorkerSettings,
    create_agent_key,
    kindly_env,
    start_app,
    start_command,
)
from bench.stats import fmt_spread, percentile, round_orders
from tests.support.redis_server import RedisServer, free_port

OLD_COMMIT = "3ef5dab"
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kindly-bench"
NAMES = ("head", "old")


@contextmanager
def old_checkout(tmp: Path) -> Iterator[Path]:
    """The old tree in a detached worktree under `tmp`, removed afterwards."""
    tree = tmp / "old-tree"
    subprocess.run(
        ["git", "-C", str(REPO_ROOT), "worktree", "add", "--detach", str(tree), OLD_COMMIT],
        check=True,
        capture_output=True,
    )
    try:
        yield tree
    finally:
        subprocess.run(
            ["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(tree)],
            capture_output=True,
        )


def old_venv(tree: Path) -> Path:
    """A venv with the old tree's dependencies (its own pins), built once and kept."""
    sha = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", OLD_COMMIT],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    venv = CACHE_DIR / f"venv-{sha[:12]}"
    if (venv / "ready").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    base_python = getattr(sys, "_base_executable", sys.executable)
    print(f"  building the old tree's venv in {venv} (once)", flush=True)
    subprocess.run([base_python, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(tree)],
        check=True,
        capture_output=True,
    )
    (venv / "ready").write_text(sha)
    return venv


def start_old(tree: Path, venv: Path, workdir: Path, redis_url: str) -> tuple[ServedApp, str]:
    """The old tree under gunicorn (gthread 2x16, preloaded, no access log) and an agent key
    made by its own CLI."""
    env = {**kindly_env(redis_url, workdir), "PYTHONPATH": str(tree)}
    key = create_agent_key(
        redis_url, workdir, kindly=str(venv / "bin" / "kindly"), env=env, cwd=tree
    )
    port = free_port()
    command = [str(venv / "bin" / "python"), "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", "gthread", "--workers", "2", "--threads", "16", "--preload"]
    command += ["--timeout", "60", "--graceful-timeout", "10", "--keep-alive", "5"]
    command += ["api.wsgi:app"]
    return start_command("old tree", command, workdir, env, tree, port), key


def miss_bodies(count: int, seed: int) -> list[str]:
    """`count` bodies with drafts no cache has seen (each ends in its own reference)."""
    bodies = []
    for i, sample in enumerate(make_drafts(count, seed=seed)):
        bodies.append(
            json.dumps(
                {
                    "draft": f"{sample.draft}\n\nRef {seed}-{i}.",
                    "customer_name": sample.customer_name or "Maria",
                    "agent_name": sample.agent_name or "Dana",
                    "customer_message": sample.customer_message,
                }
            )
        )
    return bodies


def miss_latencies(app: ServedApp, bodies: list[str], headers: dict[str, str]) -> list[float]:
    """One client, one keep-alive connection: each body once, ms per answer (all misses)."""
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
    out = []
    try:
        for body in bodies:
            started = time.perf_counter()
            conn.request("POST", PATH, body, {"Content-Type": "application/json", **headers})
            response = conn.getresponse()
            answer = json.loads(response.read())
            out.append((time.perf_counter() - started) * 1000)
            if response.status != 200 or answer.get("cached"):
                raise RuntimeError(f"{app.name}: not a fresh rewrite: {response.status} {answer}")
    finally:
        conn.close()
    return out


def warm_misses(app: ServedApp, headers: dict[str, str]) -> None:
    """A few misses on 4 connections at once, so both workers have loaded their word lists
    and pronouncing dictionary before anything is timed."""
    bodies = miss_bodies(16, seed=999)
    threads = [
        threading.Thread(target=miss_latencies, args=(app, bodies[i::4], headers))
        for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(rounds: int = 6, seconds: float = 3, misses: int = 30, connections: int = 8) -> dict:
    body = request_body()
    hits: dict[str, list[LoadResult]] = {n: [] for n in NAMES}
    miss_p50: dict[str, list[float]] = {n: [] for n in NAMES}
    with tempfile.TemporaryDirectory(prefix="kindly-bench-old-") as tmp_name:
        tmp = Path(tmp_name)
        redis_servers = [RedisServer(tmp / f"redis-{n}").start() for n in NAMES]
        served: list[ServedApp] = []
        try:
            with old_checkout(tmp) as tree:
                venv = old_venv(tree)
                head_url, old_url = (r.url for r in redis_servers)
                head_key = create_agent_key(head_url, tmp / "head")
                head = start_app("kindly", WorkerSettings("gthread", 2, 16), tmp / "head", head_url)
                served.append(head)
                old, old_key = start_old(tree, venv, tmp / "old", old_url)
                served.append(old)
                apps = {"head": head, "old": old}
                headers = {"head": auth_headers(head_key), "old": auth_headers(old_key)}
                for name, app in apps.items():
                    prime_cache(app, body, headers[name])
                    post_load(app.port, PATH, body, headers[name], connections, 1)  # warm-up
                    warm_misses(app, headers[name])
                for r, order in enumerate(round_orders(NAMES, rounds), start=1):
                    bodies = miss_bodies(misses, seed=r)  # the same new drafts for both
                    for name in order:
                        app, sent = apps[name], headers[name]
                        load = post_load(app.port, PATH, body, sent, connections, seconds)
                        hits[name].append(load)
                        miss_p50[name].append(percentile(miss_latencies(app, bodies, sent), 50))
                    h, o = hits["head"][-1], hits["old"][-1]
                    print(
                        f"  round {r}: hit req/s old {o.rps:.0f}, head {h.rps:.0f}, "
                        f"ratio {h.rps / o.rps:.2f}; miss p50 old {miss_p50['old'][-1]:.2f} ms, "
                        f"head {miss_p50['head'][-1]:.2f} ms",
                        flush=True,
                    )
        finally:
            for app in served:
                app.stop()
            for redis_server in redis_servers:
                redis_server.stop()
    errors = {n: sum(r.bad_status + r.failures for r in hits[n]) for n in NAMES}
    return {
        "old_commit": OLD_COMMIT,
        "rounds": rounds,
        "seconds_per_run": seconds,
        "misses_per_round": misses,
        "hit_rps": {n: [r.rps for r in hits[n]] for n in NAMES},
        "hit_errors": errors,
        "miss_p50_ms": miss_p50,
        "hit_ratio": [h.rps / o.rps for h, o in zip(hits["head"], hits["old"], strict=True)],
        "miss_ratio": [
            h / o for h, o in zip(miss_p50["head"], miss_p50["old"], strict=True)
        ],
        "load_average": os.getloadavg(),
    }


def report(result: dict) -> str:
    med = statistics.median
    rps, miss = result["hit_rps"], result["miss_p50_ms"]
    return "\n".join(
        [
            f"HEAD vs the old tree ({result['old_commit']}), {result['rounds']} alternated "
            f"rounds: cache hit {result['seconds_per_run']:g} s of 8 clients; offline miss "
            f"{result['misses_per_round']} new drafts, one client (load average "
            + ", ".join(f"{x:.1f}" for x in result["load_average"])
            + ")",
            "| measure | old tree | HEAD | HEAD/old (median, min..max) | rounds |",
            "|---|---|---|---|---|",
            f"| cache hit req/s (higher is better) | {med(rps['old']):.0f} | "
            f"{med(rps['head']):.0f} | {fmt_spread(result['hit_ratio'])} | "
            + ", ".join(f"{r:.2f}" for r in result["hit_ratio"])
            + " |",
            f"| offline miss p50 ms (lower is better) | {med(miss['old']):.2f} | "
            f"{med(miss['head']):.2f} | {fmt_spread(result['miss_ratio'])} | "
            + ", ".join(f"{r:.2f}" for r in result["miss_ratio"])
            + " |",
            f"errors: old {result['hit_errors']['old']}, HEAD {result['hit_errors']['head']}",
        ]
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 2 s, 10 misses")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON")
    args = parser.parse_args(argv)
    quick = {"rounds": 2, "seconds": 2, "misses": 10}
    result = run(**quick) if args.quick else run(rounds=args.rounds)  # type: ignore[arg-type]
    print(json.dumps(result, indent=2) if args.json else report(result))
    return result


if __name__ == "__main__":
    main()
