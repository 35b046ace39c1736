"""Model prices (USD per million tokens) and the cost estimate of one logged call."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# USD per million tokens (input, output). Overridden by KINDLY_PRICES.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
}


def estimated_cost(
    model: str | None, tokens_in: int, tokens_out: int, prices: Mapping[str, Any]
) -> float | None:
    """USD for one call, or None when the model's price is unknown (0 when no tokens)."""
    if not tokens_in and not tokens_out:
        return 0.0
    price = prices.get(model or "")
    if price is None:
        return None
    return round((tokens_in * float(price[0]) + tokens_out * float(price[1])) / 1_000_000, 8)


def parse_prices(raw: str | None) -> dict[str, tuple[float, float]]:
    """The default prices with KINDLY_PRICES (JSON {"model": [in, out]}) on top."""
    prices = dict(DEFAULT_PRICES)
    if raw:
        prices.update({k: (float(v[0]), float(v[1])) for k, v in json.loads(raw).items()})
    return prices


def with_cost(entry: dict[str, Any], prices: Mapping[str, Any]) -> dict[str, Any]:
    """Fill in `cost_usd` from the entry's model tokens (0 when no model was called), priced
    as the model that spent them (`tokens_model`: a fallback's entry names the offline engine)."""
    if "cost_usd" not in entry and ("tokens_in" in entry or "tokens_out" in entry):
        entry["cost_usd"] = estimated_cost(
            entry.get("tokens_model") or entry.get("model"),
            int(entry.get("tokens_in") or 0),
            int(entry.get("tokens_out") or 0),
            prices,
        )
    return entry
