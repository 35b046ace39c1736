"""Statistics for benchmark samples: percentiles, alternated run orders, ratio spread.

The machine is shared and noisy, so every benchmark measures its contender and its baseline
in the same run, alternating them round by round, and reports the ratio per round: the
median ratio is the headline and the min..max over rounds is its spread.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def round_orders(names: Sequence[str], rounds: int) -> list[list[str]]:
    """Run orders that rotate each round, so no contender always runs first (or last)."""
    names = list(names)
    orders = []
    for r in range(rounds):
        shift = r % len(names)
        # With two contenders this gives A B, B A, A B, ...; with n, each takes every slot.
        orders.append(names[shift:] + names[:shift])
    return orders


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median and min..max of per-round values (ratios or rates)."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def fmt_spread(values: Sequence[float], digits: int = 2) -> str:
    """'1.23 (1.10..1.40)': the median and the range over rounds."""
    s = spread(values)
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}..{s['max']:.{digits}f})"
