"""CPU time of the feedback word edit distance on two 1,400-word texts with a few edits
spread over them (the case that took 1.5 s with the hand-written Levenshtein).

    .venv/bin/python bench/edit_distance.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.usage.entry import word_hashes  # noqa: E402
from api.usage.feedback import word_edit_distance  # noqa: E402


def main() -> None:
    rng = random.Random(1)
    vocab = [f"w{i}" for i in range(3000)]
    before = [rng.choice(vocab) for _ in range(1400)]
    after = list(before)
    for index in (30, 400, 800, 1370):
        after[index] = "edited"
    a, b = " ".join(before), " ".join(after)
    started = time.process_time()
    distance = word_edit_distance(a, b)
    words_ms = (time.process_time() - started) * 1000
    started = time.process_time()
    hashed = word_edit_distance(word_hashes(a), word_hashes(b))
    hashed_ms = (time.process_time() - started) * 1000
    print(f"distance {distance} (hashed {hashed}): words {words_ms:.1f} ms CPU, "
          f"with word hashing {hashed_ms:.1f} ms CPU")


if __name__ == "__main__":
    main()
