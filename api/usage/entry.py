"""The usage entry: the one place that builds what the log keeps for a request.

Entries are metadata only: never a draft, a rewrite or a sent text. Every kind (rewrite,
preview, feedback, error) starts from the same base, so the fields the log, the stats and
the CSV read are named once.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from api.store.teams import Principal

_WORD = re.compile(r"\S+")
# Bytes of each word's hash in a rewrite record: 2**-32 chance two different words collide.
_WORD_HASH_BYTES = 4


def new_id(prefix: str) -> str:
    """A request id: the prefix (rw, pv, fb, req) and 20 hex digits."""
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def new_rewrite_id() -> str:
    """A rewrite's id: "rw_", its time in milliseconds (11 hex digits) and 9 random ones.
    The time lets feedback find a cache hit's usage entry (a hit keeps no record of its own)."""
    return f"rw_{int(time.time() * 1000):011x}{uuid.uuid4().hex[:9]}"


def rewrite_id_ms(rewrite_id: str) -> int | None:
    """When the rewrite `rewrite_id` was made (epoch ms), as new_rewrite_id wrote it."""
    try:
        return int(rewrite_id[3:14], 16)
    except ValueError:
        return None


def base_entry(kind: str, who: Principal, request_id: str | None = None) -> dict[str, Any]:
    """The fields every entry has: when, which request, what kind, which key."""
    return {
        "ts": time.time(),
        "request_id": request_id or new_id("req"),
        "kind": kind,
        "key_id": who.key_id,
        "key_label": who.label,
    }


def rewrite_entry(
    response: Mapping[str, Any], who: Principal, kind: str = "rewrite"
) -> dict[str, Any]:
    """The entry of one rewrite (or preview) answer.

    A cache hit spent nothing and reuses a rewrite already described by the entry of the
    request that computed it, so it carries no scores: its entry stays small.
    """
    usage = response.get("usage") or {}
    entry = base_entry(kind, who, response["id"])
    entry.update(
        preset=response["preset"]["slug"],
        preset_version=response["preset"]["version"],
        action=response.get("action"),
        channel=response.get("channel"),
        engine=response["engine"],
        model=response["model"],
        cached=bool(response["cached"]),
        latency_ms=response["latency_ms"],
        tokens_in=int(usage.get("tokens_in") or 0),
        tokens_out=int(usage.get("tokens_out") or 0),
        facts_passed=response["checks"]["passed"],
        outcome="ok",
    )
    if usage.get("model_calls"):
        entry["model_calls"] = int(usage["model_calls"])
        entry["tokens_model"] = usage.get("model")
    if response.get("upstream_request_id"):
        entry["upstream_request_id"] = response["upstream_request_id"]
    if not response["cached"]:
        entry["scores_before"] = response["scores"]["before"]
        entry["scores_after"] = response["scores"]["after"]
    return entry


def feedback_entry(
    who: Principal,
    rewrite_id: str,
    record: Mapping[str, Any],
    outcome: str,
    distance: int | None,
    ratio: float | None,
) -> dict[str, Any]:
    """The entry of an agent's feedback on rewrite `rewrite_id` (its record's metadata)."""
    entry = base_entry("feedback", who, new_id("fb"))
    entry.update(
        rewrite_id=rewrite_id,
        preset=record.get("preset"),
        preset_version=record.get("preset_version"),
        engine=record.get("engine"),
        model=record.get("model"),
        outcome=outcome,
        edit_distance=distance,
        edit_ratio=ratio,
    )
    return entry


def error_entry(
    who: Principal,
    request_id: str | None,
    method: str,
    path: str,
    status: int,
    context: Mapping[str, str],
    message: str | None = None,
) -> dict[str, Any]:
    """The entry of a failed request: route pattern, status and a few short fields."""
    entry = base_entry("error", who, request_id)
    entry.update(
        method=method,
        path=path,
        status=status,
        outcome="rate_limited" if status == 429 else "error",
    )
    if message:
        entry["message"] = message
    entry.update(context)
    return entry


def rewrite_record(
    entry: Mapping[str, Any],
    *,
    digest: str | None = None,
    rewrite_text: str | None = None,
) -> dict[str, Any]:
    """The small record feedback on a rewrite needs: its metadata and how to get its words.

    Never the text: `digest` points at the cached rewrite (a cache hit, or a miss that was
    cached), else the words are kept as short hashes, enough to count word edits.
    """
    # Only what feedback reads: the id is the record's key name, and the time and key are in
    # the usage entry already.
    record = {
        "preset": entry.get("preset"),
        "preset_version": entry.get("preset_version"),
        "engine": entry.get("engine"),
        "model": entry.get("model"),
    }
    if digest:
        record["digest"] = digest
    elif rewrite_text is not None:
        record["words"] = pack_words(rewrite_text)
    return record


def words(text: str) -> list[str]:
    """The words of a text (runs of non-space characters)."""
    return _WORD.findall(text)


def word_hashes(text: str) -> list[bytes]:
    """Each word of `text` as a short hash (equal words, equal hashes)."""
    return [
        hashlib.blake2b(w.encode("utf-8", "surrogatepass"), digest_size=_WORD_HASH_BYTES).digest()
        for w in words(text)
    ]


def pack_words(text: str) -> str:
    """The word hashes of `text` as one compact string."""
    return base64.b64encode(b"".join(word_hashes(text))).decode("ascii")


def unpack_words(packed: str) -> Sequence[bytes]:
    """The word hashes packed by `pack_words`."""
    raw = base64.b64decode(packed)
    size = _WORD_HASH_BYTES
    return [raw[i : i + size] for i in range(0, len(raw), size)]
