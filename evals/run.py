"""`make eval`: soften every draft of the harsh corpus and of the dev split the way `kindly
rewrite` does (the rewrite pipeline's verified path: engine, phrase rules, fact guard, fallback
to the draft), soften each rewrite again, and print two tables: the harsh corpus per category
and the dev split (harshest sentence changed, meaning kept, facts kept, unchanged rows).

    evals/run.py [--preset SLUG] [--json] [--show N] [--corpus FILE] [--second FILE |
                 --no-second] [--third FILE | --no-third] [--fourth FILE | --no-fourth]
                 [--fifth FILE | --no-fifth] [--sixth FILE | --no-sixth]
                 [--dev DIR | --no-dev]
                 [--harshness lexicon|kindly]

Importable: `load_corpus`, `score` and `summarise` (then `evals.score.markdown`) are what
another runner (an LLM engine's, say) needs to score its own rewrites on the same corpus;
`run_corpus(items, soften_fn)` and `run_dev(rows, soften_fn)` run any softener called as
`soften_fn(draft, preset=..., customer_name=..., agent_name=..., customer_message=...,
channel=...)` (the names it is given vary; accept `**options`) and returning the rewrite.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# Run with another checkout's venv, `api` is that checkout's (its editable install), while
# `evals` is this one's: `api` is imported before this checkout joins the path.
try:
    import api  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO))
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

from evals.dev_split import DEV_COLUMNS, HARSHEST, dev_score, summarise_dev  # noqa: E402
from evals.score import markdown, score, summarise  # noqa: E402

__all__ = ["load_corpus", "score", "summarise", "load_dev", "soften", "main"]

CORPUS = REPO / "evals" / "harsh_drafts.jsonl"
# Written after the engine work of issue 10 had begun, to see whether its rules generalise.
SECOND = REPO / "evals" / "harsh_drafts_second.jsonl"
# Written before the sentence-level fallback (issue 10, second round), in wording none of the
# rules had seen, scored before any rule was changed for it.
THIRD = REPO / "evals" / "harsh_drafts_third.jsonl"
# Written after that work, scored once before any rule was changed for it (then fixed).
FOURTH = REPO / "evals" / "harsh_drafts_fourth.jsonl"
# Written after the fourth set's fixes, scored once before any change for it (then fixed).
FIFTH = REPO / "evals" / "harsh_drafts_fifth.jsonl"
# Written for the generic detectors of api/tone/detectors.py, before they were built, in
# wordings far from every earlier set; scored once before any change (then fixed).
SIXTH = REPO / "evals" / "harsh_drafts_sixth.jsonl"

Softener = Callable[..., str]


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    """The harsh drafts, one dict per JSONL line (fields: see evals/README.md)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def find_dev_dir() -> Path | None:
    """The dev split: `shared/eval` beside this checkout or one of its parents."""
    for parent in REPO.parents:
        candidate = parent / "shared" / "eval"
        if candidate.is_dir():
            return candidate
    return None


def load_dev(directory: Path) -> dict[str, list[dict[str, Any]]]:
    """Each `*.dev.jsonl` file of `directory`, by name (read only; never copied)."""
    sets = {}
    for path in sorted(directory.glob("*.dev.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        sets[path.name.removesuffix(".dev.jsonl")] = [json.loads(line) for line in lines if line]
    return sets


def soften(
    draft: str,
    *,
    preset: str = "warm",
    customer_name: str | None = None,
    agent_name: str | None = None,
    customer_message: str | None = None,
    channel: str | None = None,
) -> str:
    """The offline rewrite of `draft`, as `kindly rewrite` (and a rewrite request on the
    offline engine) returns it."""
    from api.config import Config
    from api.rewrite.local import rewrite_locally

    result = rewrite_locally(
        draft,
        customer_name=customer_name,
        agent_name=agent_name,
        customer_message=customer_message,
        preset_slug=preset,
        channel=channel,
        prompts_dir=Config().KINDLY_PROMPTS_DIR,
    )
    return result["rewrite"]


def soften_twice(soften_fn: Softener, draft: str, options: dict[str, Any]) -> tuple[str, str]:
    """The rewrite of `draft` and the rewrite of that rewrite (the idempotence check)."""
    rewrite = soften_fn(draft, **options)
    return rewrite, soften_fn(rewrite, **options)


def run_corpus(
    items: Iterable[dict[str, Any]], soften_fn: Softener = soften, preset: str = "warm"
) -> list[dict[str, Any]]:
    """Score every corpus item: soften it, soften the rewrite again, score both."""
    rows = []
    for item in items:
        options = {
            "preset": preset,
            "customer_name": item.get("customer_name"),
            "agent_name": item.get("agent_name"),
            "customer_message": item.get("customer_message") or None,
        }
        rewrite, again = soften_twice(soften_fn, item["draft"], options)
        row = score(item, rewrite, again)
        row["draft"], row["rewrite"] = item["draft"], rewrite
        rows.append(row)
    return rows


def _channel(row: dict[str, Any]) -> str:
    # Twitter replies are social posts; the politeness sentences come from workplace email.
    return "social" if str(row.get("id", "")).startswith("twcs") else "email"


def run_dev(
    rows: Iterable[dict[str, Any]],
    soften_fn: Softener = soften,
    preset: str = "warm",
    harshness: str = "lexicon",
) -> list[dict[str, Any]]:
    """Score every dev-split row (its text as the draft, its customer message as context)."""
    scored = []
    for row in rows:
        options = {
            "preset": preset,
            "customer_message": row.get("customer_message") or None,
            "channel": _channel(row),
        }
        rewrite, again = soften_twice(soften_fn, row["text"], options)
        context = [options["customer_message"]]
        result = dev_score(row["text"], rewrite, again, context, HARSHEST[harshness])
        result["draft"], result["rewrite"] = row["text"], rewrite
        scored.append(result)
    return scored


def problems(row: dict[str, Any]) -> list[str]:
    """What a scored corpus row got wrong, in words (empty when it passed every check)."""
    found = []
    if row["phrases_left"]:
        found.append("harsh phrases left: " + ", ".join(repr(p) for p in row["phrases_left"]))
    if row["refusal_kept"] is False:
        found.append("the refusal is gone")
    if row["facts_lost"]:
        found.append("facts lost: " + ", ".join(row["facts_lost"]))
    if row["idempotent"] is False:
        found.append("softening it again changes it")
    if row["english_added"]:
        found.append("English added: " + ", ".join(row["english_added"]))
    return found


def _dev_table(results: dict[str, dict[str, Any]]) -> str:
    names = list(results)
    lines = ["| measure | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for key, heading in DEV_COLUMNS:
        cells = ["–" if results[n][key] is None else str(results[n][key]) for n in names]
        lines.append(f"| {heading} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--preset", default="warm", help="preset slug (default: warm)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print N failures")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument(
        "--second", type=Path, default=SECOND, help="second corpus, scored on its own"
    )
    parser.add_argument("--no-second", action="store_true", help="skip the second corpus")
    parser.add_argument("--third", type=Path, default=THIRD, help="third corpus, on its own")
    parser.add_argument("--no-third", action="store_true", help="skip the third corpus")
    parser.add_argument("--fourth", type=Path, default=FOURTH, help="fourth corpus, on its own")
    parser.add_argument("--no-fourth", action="store_true", help="skip the fourth corpus")
    parser.add_argument("--fifth", type=Path, default=FIFTH, help="fifth corpus, on its own")
    parser.add_argument("--no-fifth", action="store_true", help="skip the fifth corpus")
    parser.add_argument("--sixth", type=Path, default=SIXTH, help="sixth corpus, on its own")
    parser.add_argument("--no-sixth", action="store_true", help="skip the sixth corpus")
    parser.add_argument("--dev", type=Path, default=None, help="dev split folder")
    parser.add_argument("--no-dev", action="store_true", help="skip the dev split")
    parser.add_argument(
        "--harshness",
        choices=sorted(HARSHEST),
        default="lexicon",
        help="how the dev split's harshest sentence is found (default: lexicon, see "
        "evals/dev_split.py; kindly: the product's own tone analyser, where present)",
    )
    return parser


def _dev_results(
    args: argparse.Namespace,
) -> tuple[Path | None, dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The dev split's folder, its tables (per file and "all") and its scored rows."""
    dev_dir = None if args.no_dev else (args.dev or find_dev_dir())
    tables: dict[str, dict[str, Any]] = {}
    scored_rows: list[dict[str, Any]] = []
    if dev_dir is not None and dev_dir.is_dir():
        for name, rows in load_dev(dev_dir).items():
            scored = run_dev(rows, preset=args.preset, harshness=args.harshness)
            tables[name] = summarise_dev(scored)
            scored_rows += scored
        if scored_rows:
            tables["all"] = summarise_dev(scored_rows)
    return dev_dir, tables, scored_rows


# The harsh sets scored on their own, in order, and whether each gets a table per category.
_EXTRA_SETS = (
    ("second", False),
    ("third", True),
    ("fourth", False),
    ("fifth", False),
    ("sixth", True),
)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    import api

    if args.harshness == "kindly" and importlib.util.find_spec("api.tone.findings") is None:
        parser.error("--harshness kindly needs api.tone.findings, which this code does not have")

    corpus_rows = run_corpus(load_corpus(args.corpus), preset=args.preset)
    extra_sets = []  # (name, file, rows) of the sets scored on their own
    for name, _per_category in _EXTRA_SETS:
        path = getattr(args, name)
        if not getattr(args, f"no_{name}") and path.is_file():
            extra_sets.append((name, path, run_corpus(load_corpus(path), preset=args.preset)))
    dev_dir, dev_tables, dev_rows = _dev_results(args)

    if args.json:
        tables = {"preset": args.preset, "corpus": summarise(corpus_rows), "dev": dev_tables}
        for name, _per_category in _EXTRA_SETS:
            tables[name] = {}
        for name, _path, rows in extra_sets:
            tables[name] = summarise(rows) if rows else {}
        print(json.dumps(tables))
    else:
        print(f"Kindly code: {Path(api.__file__).resolve().parent.parent}; preset: {args.preset}\n")
        print(f"## Harsh corpus ({args.corpus.name}, {len(corpus_rows)} drafts)\n")
        print(markdown(summarise(corpus_rows)))
        per_category = dict(_EXTRA_SETS)
        for name, path, rows in extra_sets:
            if not rows:
                continue
            print(f"\n## {name.capitalize()} harsh corpus ({path.name}, {len(rows)} drafts)\n")
            table = summarise(rows)
            print(markdown(table if per_category[name] else {"all": table["all"]}))
        if dev_tables:
            print(f"\n## Dev split ({dev_dir}; harshest sentence by {args.harshness})\n")
            print(_dev_table(dev_tables))
        elif not args.no_dev:
            print("\n(no dev split found; pass --dev DIR)")
    if args.show:
        extra = [row for _name, _path, rows in extra_sets for row in rows]
        _show(corpus_rows + extra, dev_rows, args.show)
    return 0


def _show(corpus_rows: list[dict[str, Any]], dev_rows: list[dict[str, Any]], count: int) -> None:
    """Print up to `count` failing corpus rows, then up to `count` unchanged harsh dev rows."""
    failing = [(row, problems(row)) for row in corpus_rows if problems(row)]
    print(f"\n## {len(failing)} corpus drafts failing a check (showing {min(count, len(failing))})")
    for row, found in failing[:count]:
        print(f"\n[{row['id']}] " + "; ".join(found))
        print("  draft:   " + row["draft"].replace("\n", "\n           "))
        print("  rewrite: " + row["rewrite"].replace("\n", "\n           "))
    stuck = [row for row in dev_rows if row["harshest"] and not row["changed"]]
    if stuck:
        print(f"\n## {len(stuck)} dev rows whose harshest sentence stayed (showing first {count})")
        for row in stuck[:count]:
            print(f"\n  harshest: {row['harshest']}\n  rewrite:  {row['rewrite']}")


if __name__ == "__main__":
    sys.exit(main())
