"""How different the five shipped presets make the same draft (issue 10, point 4).

Softens each generated draft (bench/drafts.py, seeded) with warm, formal, apologetic, concise and
plain-language through the offline engine and prints:
  distinct    share of drafts where all five rewrites differ from each other
  formal      share of formal rewrites without a contraction ("can't", "we'll", ...)
  apologetic  share of apologetic rewrites with exactly one apology ("sorry", "apologise";
              the preset's own sign-off aside), within the first three sentences
  concise     share of concise rewrites shorter than the warm one
Run: .venv/bin/python bench/presets.py [--count N]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.engines.offline.engine import OfflineEngine
from api.store.presets import default_presets
from api.types import RewriteJob
from bench.drafts import make_drafts

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
_CONTRACTION = re.compile(r"\b\w+(?:n't|'ll|'re|'ve|'m|'d)\b|\b(?:it|that|there|here)'s\b", re.I)
_APOLOGY = re.compile(r"\bsorry\b|\bapologi[sz]e\b|\bapologies\b", re.IGNORECASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    presets = default_presets(PROMPTS)
    engine = OfflineEngine()
    distinct = formal = apologetic = concise = 0
    samples = make_drafts(args.count, target_chars=400)
    for sample in samples:
        texts = {}
        for slug, preset in presets.items():
            job = RewriteJob(
                draft=sample.draft,
                preset=preset,
                channel="email",
                customer_name=sample.customer_name,
                agent_name=sample.agent_name,
                customer_message=sample.customer_message,
            )
            texts[slug] = engine.rewrite(job).text
        distinct += len(set(texts.values())) == len(texts)
        formal += not _CONTRACTION.search(texts["formal"].replace("’", "'"))
        # The preset's own sign-off ("With apologies again,") is not counted.
        signoff = (presets["apologetic"].get("signoff") or "").split("\n")[0]
        body = texts["apologetic"].replace(signoff, "")
        opening = " ".join(re.split(r"(?<=[.!?])\s+", body)[:3])
        apologetic += len(_APOLOGY.findall(body)) == 1 and bool(
            _APOLOGY.search(opening)
        )
        concise += len(texts["concise"]) < len(texts["warm"])
    total = len(samples)
    for name, value in (
        ("distinct", distinct),
        ("formal", formal),
        ("apologetic", apologetic),
        ("concise", concise),
    ):
        print(f"{name:11} {100 * value / total:5.1f} %  ({value}/{total})")


if __name__ == "__main__":
    main()
