"""Measure the LLM path of any commit over HTTP, the way a team uses it: the commit's own
`kindly serve` (from a temp copy with its own venv) on a real redis-server, a key from
`kindly bootstrap`, the corpus drafts sent through POST /v1/rewrite, and the model behind a
counting proxy (every call's tokens and time, whatever the tree reports).

    .venv/bin/python evals/llm_http.py --model-url http://127.0.0.1:8091/v1 \
        --model qwen2.5-coder-1.5b-instruct --tree 3ef5dab --tree HEAD \
        [--mode full|focused] [--english 16] [--per-language 2] [--timeout 180] [--out DIR]

Every tree gets the same drafts (a fixed sample of evals/harsh_drafts.jsonl: `--english`
English drafts and `--per-language` of each other language, by `--seed`). `--mode` sets
KINDLY_LLM_MODE (trees before focused mode ignore it). `--out DIR` writes one JSON line per
draft and tree (draft, rewrite, engine, rejections, every model call's answer) to read them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from evals.llm_stats import print_table, split_reasons, summary  # noqa: E402

CORPUS = REPO / "evals" / "harsh_drafts.jsonl"
WORK = Path(os.environ.get("KINDLY_EVAL_DIR", Path(tempfile.gettempdir()) / "kindly-eval"))


def sample(path: Path, english: int, per_language: int, seed: int) -> list[dict[str, Any]]:
    """A fixed sample of the corpus: `english` English drafts, `per_language` of each other."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    random.Random(seed).shuffle(rows)
    taken: dict[str, int] = defaultdict(int)
    picked = []
    for row in rows:
        lang = row.get("language", "en")
        if taken[lang] < (english if lang == "en" else per_language):
            taken[lang] += 1
            picked.append(row)
    return sorted(picked, key=lambda r: r["id"])


# -- the tree: a copy of one commit with its own venv ----------------------------------------


def prepare_tree(commit: str) -> Path:
    """A copy of `commit` under WORK/<sha> with `.venv` holding it installed (kept for reuse)."""
    sha = _git("rev-parse", "--short=12", commit)
    home = WORK / sha
    tree, venv = home / "tree", home / ".venv"
    if not (tree / "pyproject.toml").is_file():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", sha], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    if not (venv / "bin" / "kindly").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "-e", str(tree)], check=True
        )
    return home


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the counting proxy in front of the model -------------------------------------------------


class CountingProxy:
    """Forwards every request to the model and keeps what each call cost and answered."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self) -> list[dict[str, Any]]:
        with self.lock:
            calls, self.calls = self.calls, []
        return calls

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._forward(None)

            def do_POST(self) -> None:  # noqa: N802
                self._forward(self.rfile.read(int(self.headers.get("Content-Length", 0))))

            def _forward(self, body: bytes | None) -> None:
                path = self.path.removeprefix("/v1")
                request = urllib.request.Request(  # noqa: S310 (a local URL given by the user)
                    proxy.upstream + path, data=body, method=self.command,
                    headers={"Content-Type": "application/json"},
                )
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=900) as answer:  # noqa: S310
                        status, raw = answer.status, answer.read()
                except urllib.error.HTTPError as err:
                    status, raw = err.code, err.read()
                except OSError:
                    return  # the client gave up (timeout): nothing to answer
                if body:
                    proxy._record(body, raw, status, time.perf_counter() - started)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except OSError:
                    pass

        return Handler

    def _record(self, body: bytes, raw: bytes, status: int, seconds: float) -> None:
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = {}
        usage = answer.get("usage") or {}
        choice = (answer.get("choices") or [{}])[0]
        asked = json.loads(body)
        with self.lock:
            self.calls.append(
                {
                    "status": status,
                    "seconds": round(seconds, 2),
                    "prompt_tokens": int(usage.get("prompt_tokens") or 0),
                    "completion_tokens": int(usage.get("completion_tokens") or 0),
                    "finish_reason": choice.get("finish_reason"),
                    "answer": (choice.get("message") or {}).get("content"),
                    "asked": asked.get("messages", [])[-1:],
                }
            )


# -- one tree's server ------------------------------------------------------------------------


class TreeServer:
    """redis-server and `kindly serve` of one prepared tree, with an API key."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.run = Path(tempfile.mkdtemp(prefix="run-", dir=home))
        self.redis_port, self.port = free_port(), free_port()
        self.env = {**os.environ, **env, "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0"}
        self.env.pop("VIRTUAL_ENV", None)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.key = ""

    def start(self) -> TreeServer:
        redis = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
        redis += ["--save", "", "--appendonly", "no", "--dir", str(self.run)]
        self.procs.append(subprocess.Popen(redis, stdout=subprocess.DEVNULL))
        kindly = str(self.home / ".venv" / "bin" / "kindly")
        cwd = str(self.home / "tree")
        for _ in range(100):
            probe = subprocess.run(["redis-cli", "-p", str(self.redis_port), "ping"],
                                   capture_output=True, text=True)
            if probe.stdout.strip() == "PONG":
                break
            time.sleep(0.1)
        out = subprocess.run(
            [kindly, "bootstrap", "--key-file", str(self.run / "key")],
            env=self.env, cwd=cwd, check=True, capture_output=True, text=True,
        )
        self.key = out.stdout.strip().splitlines()[-1]
        log = (self.run / "serve.log").open("wb")
        serve = [kindly, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        serve += ["--workers", "1", "--threads", "4"]
        self.procs.append(subprocess.Popen(serve, env=self.env, cwd=cwd, stdout=log, stderr=log))
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):  # noqa: S310
                    return self
            except urllib.error.HTTPError:
                return self  # it answers (degraded is fine: the model is measured, not /healthz)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"kindly serve did not start; see {self.run / 'serve.log'}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rewrite(self, payload: dict[str, Any], timeout: float) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 (our own local server)
            f"{self.url}/v1/rewrite", data=json.dumps(payload).encode(), method="POST",
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    def stop(self) -> None:
        for proc in reversed(self.procs):  # only what this object started, by its own handle
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.run, ignore_errors=True)


# -- the run ----------------------------------------------------------------------------------


def run_tree(commit: str, items: list[dict[str, Any]], args: argparse.Namespace) -> list[dict]:
    """Every draft through one tree's server; each row is written to `--out` as it comes, so
    a run cut short still leaves its answers to read."""
    home = prepare_tree(commit)
    out = None
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        name = f"{commit.replace('/', '_')}-{args.mode or 'default'}.jsonl"
        out = (args.out / name).open("w")
    proxy = CountingProxy(args.model_url)
    env = {
        "KINDLY_ENGINE": "openai",
        "OPENAI_BASE_URL": proxy.url,
        "OPENAI_API_KEY": "not-needed",
        "KINDLY_MODEL": args.model,
        "KINDLY_LLM_TIMEOUT": str(args.timeout),
        # A slow local model must not pause the run: the breaker is not what is measured.
        "KINDLY_LLM_BREAKER_FAILURES": "1000",
        "KINDLY_RATE_KEY_PER_MIN": "10000",
    }
    if args.mode:
        env["KINDLY_LLM_MODE"] = args.mode
    server = TreeServer(home, env).start()
    rows = []
    try:
        for number, item in enumerate(items, 1):
            row = run_one(server, proxy, item, args.timeout * 3)
            row["tree"] = commit
            rows.append(row)
            if out is not None:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
            verdict = "accepted" if row["accepted"] else f"{row['engine']} " + ",".join(
                row["first_reasons"] + [f"repair:{r}" for r in row["repair_reasons"]]
            )
            print(f"[{commit} {number}/{len(items)}] {row['id']} {row['seconds']} s {verdict}",
                  flush=True)
    finally:
        server.stop()
        proxy.stop()
        if out is not None:
            out.close()
    return rows


def run_one(server: TreeServer, proxy: CountingProxy, item: dict, timeout: float) -> dict:
    payload = {
        "draft": item["draft"],
        "customer_name": item.get("customer_name"),
        "agent_name": item.get("agent_name"),
        "customer_message": item.get("customer_message"),
        "preset": "warm",
        "channel": "email",
        "action": "soften",
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    proxy.take()
    started = time.perf_counter()
    status, body = server.rewrite(payload, timeout)
    seconds = round(time.perf_counter() - started, 2)
    calls = proxy.take()
    rejected = list((body.get("checks") or {}).get("rejected") or [])
    first, repair = split_reasons(rejected)
    return {
        "id": item["id"],
        "language": item.get("language", "en"),
        "status": status,
        "engine": body.get("engine"),
        "accepted": status == 200 and body.get("engine") == "openai",
        "model_called": bool(calls),
        "seconds": seconds,
        "usage": {
            "calls": len(calls),
            "prompt_tokens": sum(c["prompt_tokens"] for c in calls),
            "completion_tokens": sum(c["completion_tokens"] for c in calls),
        },
        "reported_usage": body.get("usage"),
        "first_reasons": first,
        "repair_reasons": repair,
        "rejected": rejected,
        "warnings": body.get("warnings"),
        "facts_passed": (body.get("checks") or {}).get("passed"),
        "draft": item["draft"],
        "customer_message": item.get("customer_message"),
        "customer_name": item.get("customer_name"),
        "agent_name": item.get("agent_name"),
        "rewrite": body.get("rewrite"),
        "calls": calls,
        "error": None if status == 200 else body,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--tree", action="append", help="a commit (repeat; default HEAD)")
    parser.add_argument("--mode", default=None, help="KINDLY_LLM_MODE: focused or full")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--english", type=int, default=16)
    parser.add_argument("--per-language", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=180.0, help="KINDLY_LLM_TIMEOUT")
    parser.add_argument("--only", nargs="*", help="only these draft ids")
    parser.add_argument("--out", type=Path, help="a directory for one JSON-lines file per tree")
    args = parser.parse_args(argv)
    # Stopped with TERM: still stop the server and redis-server this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    items = sample(args.corpus, args.english, args.per_language, args.seed)
    if args.only:
        items = [i for i in items if i["id"] in set(args.only)]
    print("drafts:", " ".join(i["id"] for i in items), flush=True)
    tables = {}
    for commit in args.tree or ["HEAD"]:
        tables[commit] = run_tree(commit, items, args)
    for commit, rows in tables.items():
        title = f"{commit}, mode {args.mode or 'default'}"
        print_table(f"{title}: all ({len(rows)} drafts)", summary(rows))
        for part, keep in (("English", "en"), ("other languages", None)):
            chosen = [r for r in rows if (r["language"] == "en") == (keep == "en")]
            if chosen:
                table = summary(chosen)
                print_table(
                    f"{title}: {part} ({len(chosen)})",
                    {k: table[k] for k in ("model_called", "accepted", "accepted_pct", "p50_s")},
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
