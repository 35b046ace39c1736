"""Measure the LLM path against any OpenAI-compatible server: how often the model's own text
is accepted, why answers are rejected (first answers and repairs), latency p50/p95 and the
tokens every call really used, on the harsh-draft corpus and on the dev split.

    .venv/bin/python evals/llm.py --model-url http://127.0.0.1:8091/v1 --model NAME \
        [--mode focused|full] [--sample 15] [--dev-sample 5] [--timeout 180] [--out FILE]

Each draft goes through the same steps as a rewrite request (engine, fact guard, offline
fallback), one at a time. `--out` writes every draft's result as JSON lines, to read the
accepted answers (the dev split stays internal: never copy its text anywhere else).
An older commit is measured over HTTP instead (its own server, venv and Redis):
evals/llm_http.py.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TREE = REPO
sys.path.insert(0, str(REPO))

from api.engines import EngineError  # noqa: E402
from api.engines.registry import build_engines  # noqa: E402
from api.rewrite import pipeline  # noqa: E402
from api.types import RewriteJob  # noqa: E402
from evals.llm_stats import print_table, split_reasons, summary  # noqa: E402

CORPUS = REPO / "evals" / "harsh_drafts.jsonl"
DEV_DIR = Path("/work/shared/eval")
DEV_FILE = "twcs_agent_replies.dev.jsonl"
def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def corpus_items(path: Path, sample: int, seed: int) -> list[dict[str, Any]]:
    rows = load_jsonl(path)
    random.Random(seed).shuffle(rows)
    return [{**row, "set": "corpus"} for row in rows[:sample]]


def dev_items(directory: Path, sample: int, seed: int) -> list[dict[str, Any]]:
    """Replies that answer a customer and look hard (terse, refusing, jargon, deflecting)."""
    path = directory / DEV_FILE
    if sample <= 0 or not path.is_file():
        return []
    rows = [r for r in load_jsonl(path) if r.get("hard_candidate") and r.get("customer_message")]
    random.Random(seed).shuffle(rows)
    return [
        {
            "id": row["id"],
            "set": "dev",
            "draft": row["text"],
            "customer_message": row["customer_message"],
            "customer_name": None,
            "agent_name": None,
            "language": "en",
        }
        for row in rows[:sample]
    ]


def _job(item: dict[str, Any], preset: dict) -> RewriteJob:
    return RewriteJob(
        draft=pipeline.normalise_draft(item["draft"]),
        action="soften",
        channel="email",
        customer_name=item.get("customer_name"),
        agent_name=item.get("agent_name"),
        customer_message=item.get("customer_message"),
        preset=preset,
    )


def run_one(engine: Any, fallback: Any, item: dict[str, Any], preset: dict) -> dict[str, Any]:
    job = _job(item, preset)
    counted = _count_calls(engine)
    started = time.perf_counter()
    try:
        outcome: Any = engine.rewrite(job)
    except EngineError as err:
        outcome = err
    value, cacheable = _verify(job, engine, fallback, outcome)
    seconds = time.perf_counter() - started
    usage = getattr(outcome, "model_usage", None) or counted()
    rejected = value["checks"].get("rejected") or []
    return {
        "id": item["id"],
        "set": item["set"],
        "accepted": value["engine"] == engine.name,
        "model_called": usage["calls"] > 0,
        "cacheable": cacheable,
        "seconds": round(seconds, 2),
        "usage": usage,
        "first_reasons": split_reasons(rejected)[0],
        "repair_reasons": split_reasons(rejected)[1],
        "rejected": rejected,
        "draft": job.draft,
        "rewrite": value["rewrite"],
        "item": item,
    }


def _verify(job: RewriteJob, engine: Any, fallback: Any, outcome: Any) -> tuple[dict, bool]:
    try:
        from api.rewrite.verify import verified_rewrite
    except ImportError:  # an older tree: the pipeline checked a finished answer through a shim
        return pipeline.verified_rewrite(job, pipeline._Settled(engine, outcome), fallback)
    return verified_rewrite(job, engine, fallback, outcome=outcome)


def _count_calls(engine: Any) -> Any:
    """For trees whose engine does not report `model_usage`: count the calls it makes."""
    spent: list[Any] = getattr(engine, "_eval_spent", None) or []
    spent.clear()
    original = getattr(engine, "_complete", None)
    if original is not None and not hasattr(engine, "_eval_spent"):
        engine._eval_spent = spent

        def complete(prep: Any, messages: Any) -> Any:
            try:
                return original(prep, messages)
            finally:
                spent[:] = list(prep.spent)

        engine._complete = complete
    return lambda: _usage(spent)


def _usage(spent: Iterable[Any]) -> dict[str, int]:
    spent = list(spent)
    return {
        "prompt_tokens": sum(c.tokens_in for c in spent),
        "completion_tokens": sum(c.tokens_out for c in spent),
        "calls": len(spent),
    }


def corpus_scores(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Harsh phrases gone and facts kept (the corpus scorer), when it is in this tree."""
    try:
        from evals.score import score
    except ImportError:
        return None
    scored = [score(r["item"], r["rewrite"], None) for r in rows if r["set"] == "corpus"]
    if not scored:
        return None
    phrases = sum(s["phrases"] for s in scored)
    return {
        "harsh_phrases_gone_pct": round(100 * sum(s["phrases_gone"] for s in scored) / phrases, 1)
        if phrases
        else None,
        "drafts_clean_pct": round(100 * sum(s["clean"] for s in scored) / len(scored), 1),
        "facts_kept_pct": round(100 * sum(s["facts_kept"] for s in scored) / len(scored), 1),
    }


def request_sizes(items: list[dict[str, Any]], preset: dict, cfg: dict[str, Any]) -> None:
    """What each mode would send, counted from the rendered requests (no model is called)."""
    from api.engines.llm.engine import build_llm_engine

    for mode in ("full", "focused"):
        engine = build_llm_engine({**cfg, "KINDLY_LLM_MODE": mode})
        chars, budgets, skipped = [], [], 0
        for item in items:
            prep = engine.prepare(_job(item, preset))
            if prep.focus is not None and not prep.focus.sentences:
                skipped += 1
                continue
            chars.append(sum(len(m["content"]) for m in prep.messages))
            budgets.append(prep.max_tokens)
        print_table(
            f"{mode}: requests for {len(items)} drafts (no model called)",
            {
                "no_call_needed": skipped,
                "request_chars_p50": statistics.median(chars) if chars else None,
                "approx_prompt_tokens_p50": round(statistics.median(chars) / 4) if chars else None,
                "max_tokens_p50": statistics.median(budgets) if budgets else None,
            },
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--mode", default=None, help="focused or full (default: the config's)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--dev-dir", type=Path, default=DEV_DIR)
    parser.add_argument("--sample", type=int, default=15, help="corpus drafts (0: none)")
    parser.add_argument("--dev-sample", type=int, default=5, help="dev-split drafts (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--out", type=Path, help="write every result as JSON lines here")
    parser.add_argument(
        "--request-sizes",
        action="store_true",
        help="only count what full and focused mode would send (no model is called)",
    )
    args = parser.parse_args(argv)
    cfg: dict[str, Any] = {
        "KINDLY_ENGINE": "openai",
        "KINDLY_PROMPTS_DIR": TREE / "prompts",
        "OPENAI_BASE_URL": args.model_url,
        "KINDLY_MODEL": args.model,
        "KINDLY_LLM_TIMEOUT": args.timeout,
        # A slow local model must not pause the run: the breaker is not what is measured.
        "KINDLY_LLM_BREAKER_FAILURES": 1000,
    }
    if args.mode:
        cfg["KINDLY_LLM_MODE"] = args.mode
    try:
        from api.config import settings  # every default under the given settings
    except ImportError:  # an older tree: the engine had its own defaults
        settings = dict
    cfg = settings(cfg)
    try:
        engine, fallback = build_engines(cfg)
    except TypeError:  # newer trees hand the app's word lists to the engines
        from api.tone.lexicon import load_lexicon

        engine, fallback = build_engines(
            cfg, load_lexicon(Path(cfg["KINDLY_PROMPTS_DIR"]) / "offline")
        )
    preset = json.loads((TREE / "prompts" / "presets" / "warm.json").read_text())
    items = []
    if args.corpus.is_file() and args.sample > 0:
        items += corpus_items(args.corpus, args.sample, args.seed)
    items += dev_items(args.dev_dir, args.dev_sample, args.seed)
    if not items:
        parser.error("nothing to run: no corpus file and no dev split")
    if args.request_sizes:
        request_sizes(items, preset, cfg)
        return 0
    # Load what the first request would (language model, word lists) outside the timings.
    warm = RewriteJob(draft="Thanks for writing, we got your message.", preset=preset)
    _verify(warm, fallback, fallback, None)
    out = args.out.open("w") if args.out else None
    rows = []
    for number, item in enumerate(items, 1):
        row = run_one(engine, fallback, item, preset)
        rows.append(row)
        verdict = "accepted" if row["accepted"] else "fallback " + ",".join(row["first_reasons"])
        print(f"[{number}/{len(items)}] {row['id']} {row['seconds']} s {verdict}", flush=True)
        if out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
    mode = getattr(engine, "mode", "full")
    print(f"\n# {args.model} at {args.model_url}, mode {mode}, {len(rows)} drafts")
    for name in ("corpus", "dev"):
        part = [r for r in rows if r["set"] == name]
        if part:
            print_table(f"{name} ({len(part)} drafts)", summary(part))
            scores = corpus_scores(part) if name == "corpus" else None
            if scores:
                print_table(f"{name}: corpus scorer", scores)
    print_table(f"all ({len(rows)} drafts)", summary(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
