"""Worker memory after many cache hits: private (USS: Private_Clean + Private_Dirty) and
proportional (PSS) memory of each gunicorn worker from /proc/<pid>/smaps_rollup, with
gc.freeze() (the default) and without it (KINDLY_GC_FREEZE=0), same Procfile settings.

Run: .venv/bin/python bench/memory.py [--hits 20000] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cache_hit import PATH, auth_headers, load_once, prime_cache, request_body
from bench.servers import WorkerSettings, create_agent_key, start_app
from tests.support.redis_server import RedisServer


def memory_kb(pid: int) -> dict[str, int]:
    """USS and PSS of one process, in kB."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            fields[name] = int(rest.split()[0])
    return {"uss": fields["Private_Clean"] + fields["Private_Dirty"], "pss": fields["Pss"]}


def workers(master: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def run(hits: int = 20_000, connections: int = 8) -> dict:
    body = request_body()
    settings = WorkerSettings("gthread", 2, 16)
    out: dict = {"hits": hits}
    with tempfile.TemporaryDirectory(prefix="kindly-bench-") as tmp:
        redis_server = RedisServer(Path(tmp) / "redis").start()
        try:
            headers = auth_headers(create_agent_key(redis_server.url, Path(tmp)))
            for label, freeze in (("gc.freeze", "1"), ("no freeze", "0")):
                app = start_app(
                    "kindly", settings, Path(tmp) / label, redis_server.url,
                    env={"KINDLY_GC_FREEZE": freeze},
                )
                try:
                    prime_cache(app, body, headers)
                    load_once(app, body, headers, connections, 1)
                    before = {pid: memory_kb(pid) for pid in workers(app.proc.pid)}
                    done, started = 0, time.monotonic()
                    while done < hits:
                        done += load_once(app, body, headers, connections, 5).requests
                    after = {pid: memory_kb(pid) for pid in workers(app.proc.pid)}
                finally:
                    app.stop()
                out[label] = {
                    "requests": done,
                    "seconds": time.monotonic() - started,
                    "before": before,
                    "after": after,
                }
                print(f"  {label}: {done} hits; " + ", ".join(
                    f"worker {pid}: USS {b['uss'] / 1024:.1f} -> {after[pid]['uss'] / 1024:.1f} MB"
                    for pid, b in before.items() if pid in after
                ), flush=True)
        finally:
            redis_server.stop()
    return out


def report(result: dict) -> str:
    lines = [f"Worker memory after {result['hits']}+ cache hits ({PATH}, Procfile settings, 2 "
             "workers), from /proc/<pid>/smaps_rollup",
             f"{'setting':<10} {'hits':>7} {'USS MB before':>14} {'USS MB after':>13} "
             f"{'PSS MB after':>13}"]
    for label in ("gc.freeze", "no freeze"):
        row = result[label]
        for pid, after in row["after"].items():
            before = row["before"].get(pid, {"uss": 0})
            lines.append(
                f"{label:<10} {row['requests']:>7} {before['uss'] / 1024:>14.1f} "
                f"{after['uss'] / 1024:>13.1f} {after['pss'] / 1024:>13.1f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="5,000 hits")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(5_000 if args.quick else args.hits)
    print(json.dumps(result, indent=2) if args.json else report(result))
    return result


if __name__ == "__main__":
    main()
