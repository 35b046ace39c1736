"""The latency Kindly adds on top of a language model: POST /v1/rewrite (LLM engine, cache
miss) against a direct chat-completions call to the same fake upstream, alternated in one run.

Starts a real redis-server, the fake OpenAI server of tests/support/fake_openai.py as its own
process (answers after a fixed delay, 50 ms by default) and Kindly under gunicorn
(`kindly serve`) with
OPENAI_BASE_URL pointing at the fake. Each round makes one direct call and one call through
Kindly, in alternating order, each on its own keep-alive connection; every Kindly draft is new
(no cache hits). A third series makes the direct call through the official openai client, so
the report also shows what Kindly adds beyond the SDK any Python integration would use, and a
fourth goes through the floor: bench/bare_app.py's /v1/proxy, a bare Flask endpoint under the
same gunicorn settings that forwards the body with the same SDK call Kindly's engine makes.
Kindly minus the floor is what Kindly's own work (auth, limits, presets, cache, facts, checks,
scores, usage log) adds.
Reported: p50/p99 of the whole request, and for streams the time to the first text (a `delta`
event from Kindly, the first content chunk from the upstream).
"Added" is Kindly's percentile minus the direct percentile. Target: under 5 ms at p50.

Run: .venv/bin/python bench/llm_overhead.py [--rounds 200] [--delay 0.05] [--cpu] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openai

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import REPO_ROOT, settings
from api.engines.llm.prompts import PromptTemplates, prompt_context
from api.facts.redaction import redact
from api.store.presets import default_presets
from bench.servers import (
    ADMIN_KEY,
    ServedApp,
    WorkerSettings,
    _wait_ready,
    create_agent_key,
    start_app,
)
from bench.stats import percentile
from tests.support.redis_server import RedisServer, free_port

WARMUP = 20
# Replaced in `measure` by a stored agent key (made with `kindly keys create`), as the
# extension sends: checked in Redis on every request.
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"}
# A made-up draft of typical length (about 55 words) with a few facts; the order number
# changes every request so that Kindly never answers from its cache. The fake echoes it, so it
# holds nothing the model path's tone check refuses to pass on (a blaming "as I said", jargon
# such as "Pls": with those the answer went to the offline fallback and the run stopped).
DRAFT = (
    "Hi, the refund of $35.00 for order #{order} can't be issued until the parcel is back "
    "with us. It was sent on 4 March and you can follow it at "
    "https://track.example.com/{order}. Please let us know if anything else is wrong and we "
    "will look into it for you."
)


def start_fake(delay: float) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "tests.support.fake_openai",
            "--port", str(port), "--delay", str(delay),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the fake upstream did not start")


def start_kindly(redis_url: str, upstream: int, workdir: Path, threads: int) -> ServedApp:
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "KINDLY_ADMIN_KEY": ADMIN_KEY,
        "KINDLY_ENGINE": "auto",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{upstream}/v1",
        "KINDLY_MODEL": "fake-model",
        "KINDLY_SPOOL_DIR": str(workdir / "spool"),
        # The bench is one client hammering one key: no request or token limits.
        "KINDLY_RATE_KEY_PER_MIN": "0",
        "KINDLY_RATE_TEAM_PER_MIN": "0",
        "KINDLY_TOKENS_TEAM_PER_DAY": "0",
    }
    kindly = str(Path(sys.executable).parent / "kindly")
    log_path = workdir / f"kindly-{port}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [kindly, "serve", "--port", str(port), "--workers", "2", "--threads", str(threads)],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    served = ServedApp("kindly", port, proc, log_path)
    _wait_ready(served)
    return served


def start_floor(upstream: int, workdir: Path, threads: int) -> ServedApp:
    """The bare Flask proxy (bench/bare_app.py) under the same gunicorn settings, 1 worker."""
    os.environ["BENCH_UPSTREAM"] = f"http://127.0.0.1:{upstream}/v1"
    return start_app("bare", WorkerSettings("gthread", 2, threads), workdir / "floor")


def direct_body(order: int, stream: bool) -> bytes:
    """What Kindly itself sends upstream for this draft (same prompt, same size)."""
    draft = DRAFT.format(order=order)
    preset = default_presets(REPO_ROOT / "prompts")["warm"]
    redacted = redact(draft)
    context = prompt_context(
        action="soften",
        draft=redacted.draft,
        preset=preset,
        channel="email",
        customer_name="Maria",
        agent_name="Sam",
        customer_message=None,
        target_locale=None,
        placeholders=redacted.draft_placeholders,
        draft_words=len(draft.split()),
    )
    messages = PromptTemplates(REPO_ROOT / "prompts" / "templates").render("soften", context)
    body = {"model": "fake-model", "messages": messages.as_openai(), "temperature": 0.3}
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    return json.dumps(body).encode()


def kindly_body(order: int, stream: bool) -> bytes:
    body = {"draft": DRAFT.format(order=order), "customer_name": "Maria", "agent_name": "Sam"}
    if stream:
        body["stream"] = True
    return json.dumps(body).encode()


class Client:
    """One keep-alive connection; times a whole request or the first streamed text."""

    def __init__(self, port: int, path: str, headers: dict[str, str]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.path = path
        self.headers = headers

    def whole(self, body: bytes) -> float:
        started = time.perf_counter()
        self.conn.request("POST", self.path, body, self.headers)
        response = response_checked(self.conn)
        response.read()
        return time.perf_counter() - started

    def first_text(self, body: bytes, marker: bytes) -> float:
        """Seconds until a line containing `marker` arrives; the rest is read untimed."""
        started = time.perf_counter()
        self.conn.request("POST", self.path, body, self.headers)
        response = response_checked(self.conn)
        elapsed = None
        while True:
            line = response.readline()
            if not line:
                break
            if elapsed is None and marker in line:
                elapsed = time.perf_counter() - started
        if elapsed is None:
            raise RuntimeError("the stream ended without any text")
        return elapsed


def response_checked(conn: http.client.HTTPConnection) -> http.client.HTTPResponse:
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {response.read()[:300]!r}")
    return response


def measure(rounds: int, delay: float, threads: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="kindly-llm-bench-") as tmp:
        workdir = Path(tmp)
        redis = RedisServer(workdir / "redis").start()
        fake, upstream = start_fake(delay)
        kindly = floor = None
        try:
            key = create_agent_key(redis.url, workdir)
            AUTH["Authorization"] = f"Bearer {key}"
            kindly = start_kindly(redis.url, upstream, workdir, threads)
            check_engine(kindly.port)
            floor = start_floor(upstream, workdir, threads)
            kindly_pids = process_tree(kindly.proc.pid)
            cpu_before = cpu_seconds(kindly_pids), cpu_seconds([redis.proc.pid])
            samples = run_rounds(kindly.port, upstream, floor.port, rounds)
            cpu_after = cpu_seconds(kindly_pids), cpu_seconds([redis.proc.pid])
        finally:
            if floor:
                floor.stop()
            if kindly:
                kindly.stop()
            fake.terminate()
            fake.wait(timeout=10)
            redis.stop()
    # Kindly served two rewrites per measured round (plain and streamed), plus the warm-up.
    served = 2 * (rounds + WARMUP)
    return {
        "rounds": rounds,
        "upstream_delay_ms": delay * 1000,
        "samples": samples,
        "cpu_ms_per_rewrite": {
            "kindly": (cpu_after[0] - cpu_before[0]) * 1000 / served,
            "redis": (cpu_after[1] - cpu_before[1]) * 1000 / served,
        },
        "load_average": os.getloadavg(),
    }


def process_tree(root: int) -> list[int]:
    """`root` and its children (gunicorn's master and workers)."""
    pids = [root]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == root:
            pids.append(int(stat.parent.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def check_engine(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/v1/rewrite", kindly_body(1, False), AUTH)
    result = json.loads(response_checked(conn).read())
    if result["engine"] != "openai":
        raise RuntimeError(f"Kindly answered with {result['engine']}: {result['warnings']}")


def run_rounds(
    kindly_port: int, upstream_port: int, floor_port: int, rounds: int
) -> dict[str, list[float]]:
    json_headers = {"Content-Type": "application/json"}
    direct = Client(upstream_port, "/v1/chat/completions", json_headers)
    floor = Client(floor_port, "/v1/proxy", json_headers)
    direct_stream = Client(upstream_port, "/v1/chat/completions", json_headers)
    via = Client(kindly_port, "/v1/rewrite", AUTH)
    via_stream = Client(kindly_port, "/v1/rewrite", AUTH)
    # The same direct call through the official openai client: what any Python integration
    # pays anyway, so "added vs SDK" is Kindly's own work (auth, Redis, masking, checks...).
    sdk = openai.OpenAI(
        api_key="unused", base_url=f"http://127.0.0.1:{upstream_port}/v1", max_retries=0
    )
    names = [
        "direct", "direct_sdk", "floor", "kindly", "direct_stream", "direct_sdk_stream",
        "kindly_stream",
    ]
    samples: dict[str, list[float]] = {name: [] for name in names}

    def sdk_call(body: bytes) -> float:
        request = json.loads(body)
        started = time.perf_counter()
        sdk.chat.completions.with_raw_response.create(**request).parse()
        return time.perf_counter() - started

    def sdk_first_text(body: bytes) -> float:
        request = json.loads(body)
        started = time.perf_counter()
        elapsed = None
        for chunk in sdk.chat.completions.create(**request):
            if elapsed is None and chunk.choices and chunk.choices[0].delta.content:
                elapsed = time.perf_counter() - started
        if elapsed is None:
            raise RuntimeError("the SDK stream ended without any text")
        return elapsed

    def call(name: str, order: int) -> float:
        if name == "direct":
            return direct.whole(direct_body(order, False))
        if name == "kindly":
            return via.whole(kindly_body(order, False))
        if name == "direct_sdk":
            return sdk_call(direct_body(order, False))
        if name == "floor":
            return floor.whole(direct_body(order, False))
        if name == "direct_stream":
            return direct_stream.first_text(direct_body(order, True), b'"content": "')
        if name == "direct_sdk_stream":
            return sdk_first_text(direct_body(order, True))
        return via_stream.first_text(kindly_body(order, True), b"event: delta")

    for number in range(WARMUP + rounds):
        # Alternate who goes first, so neither side always meets a warmer machine.
        order = names
        if number % 2:
            order = [
                "kindly", "floor", "direct_sdk", "direct", "kindly_stream", "direct_sdk_stream",
                "direct_stream",
            ]
        for offset, name in enumerate(order):
            # Every Kindly draft is new: a fresh order number per call, never a cache hit.
            elapsed = call(name, 100_000 + number * 10 + offset)
            if number >= WARMUP:
                samples[name].append(elapsed * 1000)
    return samples


def report(result: dict) -> str:
    s = result["samples"]
    rows = [
        ("non-streamed, whole request", "direct", "kindly"),
        ("non-streamed, vs the openai SDK", "direct_sdk", "kindly"),
        ("non-streamed, vs a bare Flask proxy (same gunicorn, same SDK call)", "floor", "kindly"),
        ("streamed, time to first text", "direct_stream", "kindly_stream"),
        ("streamed, time to first text, vs the openai SDK", "direct_sdk_stream", "kindly_stream"),
    ]
    lines = [
        f"LLM overhead: {result['rounds']} alternated rounds, fake upstream answers after "
        f"{result['upstream_delay_ms']:.0f} ms (ms)",
        "",
        "| measure | direct p50 | Kindly p50 | added p50 | direct p99 | Kindly p99 | added p99 |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, base, via in rows:
        b50, k50 = percentile(s[base], 50), percentile(s[via], 50)
        b99, k99 = percentile(s[base], 99), percentile(s[via], 99)
        lines.append(
            f"| {label} | {b50:.1f} | {k50:.1f} | **{k50 - b50:+.1f}** | "
            f"{b99:.1f} | {k99:.1f} | {k99 - b99:+.1f} |"
        )
    cpu = result["cpu_ms_per_rewrite"]
    lines.append("")
    lines.append(
        f"CPU per rewrite: Kindly processes {cpu['kindly']:.1f} ms, redis-server "
        f"{cpu['redis']:.2f} ms. Load average during the run: "
        + ", ".join(f"{x:.1f}" for x in result["load_average"])
        + f" on {os.cpu_count()} CPUs."
    )
    verdicts = []
    for label, base, via in (
        ("plain vs bare HTTP", "direct", "kindly"),
        ("plain vs the SDK", "direct_sdk", "kindly"),
        ("first text vs bare HTTP", "direct_stream", "kindly_stream"),
        ("first text vs the SDK", "direct_sdk_stream", "kindly_stream"),
    ):
        added = percentile(s[via], 50) - percentile(s[base], 50)
        verdicts.append(f"{label} {added:+.1f} ({'met' if added <= 3 else 'NOT met'})")
    lines.append("Target, at most 3 ms added at p50: " + "; ".join(verdicts) + ".")
    return "\n".join(lines)


def cpu_breakdown(calls: int = 200) -> str:
    """CPU time per call, in this process, against the fake upstream with no delay: a bare
    HTTP call, the same call through the openai SDK, and the LLM engine's whole rewrite
    (masking, templates, SDK call, checks). Load-independent-ish, unlike wall-clock latency."""
    from api.engines.llm.engine import build_llm_engine
    from api.facts.spans import protected_spans
    from api.types import RewriteJob

    fake, port = start_fake(0.0)
    try:
        base_url = f"http://127.0.0.1:{port}/v1"
        bare = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = direct_body(1, False)
        messages = json.loads(body)["messages"]
        sdk = openai.OpenAI(api_key="unused", base_url=base_url, max_retries=0)
        engine = build_llm_engine(
            settings({"OPENAI_BASE_URL": base_url, "KINDLY_PROMPTS_DIR": REPO_ROOT / "prompts"})
        )
        preset = default_presets(REPO_ROOT / "prompts")["warm"]
        draft = DRAFT.format(order=7)
        job = RewriteJob(draft=draft, customer_name="Maria", agent_name="Sam", preset=preset)
        job.spans = protected_spans(draft)  # as the pipeline does before calling an engine

        def bare_call() -> None:
            bare.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
            json.loads(response_checked(bare).read())

        def sdk_call() -> None:
            sdk.chat.completions.with_raw_response.create(
                model="fake-model", messages=messages, temperature=0.3
            ).parse()

        rows = []
        for label, call in (
            ("bare HTTP call", bare_call),
            ("openai SDK call", sdk_call),
            ("LLM engine rewrite (SDK call included)", lambda: engine.rewrite(job)),
        ):
            for _ in range(10):
                call()
            started = time.process_time()
            for _ in range(calls):
                call()
            rows.append(f"| {label} | {(time.process_time() - started) * 1000 / calls:.2f} |")
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    return "\n".join(["| CPU per call, in-process | ms |", "|---|---|", *rows])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.05, help="upstream delay in seconds")
    parser.add_argument("--threads", type=int, default=16, help="gunicorn threads (2 workers)")
    parser.add_argument("--json", action="store_true", help="print raw samples as JSON too")
    parser.add_argument("--cpu", action="store_true", help="also break down CPU per call")
    args = parser.parse_args(argv)
    result = measure(args.rounds, args.delay, args.threads)
    print(report(result))
    if args.cpu:
        print()
        print(cpu_breakdown())
    if args.json:
        print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
