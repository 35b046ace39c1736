"""Scores one rewrite of a harsh draft: harsh phrases gone, refusal kept, facts kept, no English
added to a non-English draft, idempotent. `score` gives one row; `summarise` turns rows into the
table `make eval` prints (per category and overall).

How a harsh phrase (`must_go`) is looked for in a rewrite. Both texts are normalised (Unicode
NFKC, lower case, curly apostrophes made straight, runs of white space made one space) and:
- a phrase ending in ".", "!" or "?" is a whole sentence (a bare command, a one-word reply):
  it is still there when some sentence of the rewrite has exactly its words, punctuation
  aside ("Read the email." survives as "read the email!" but not as "Please read the email.");
- a phrase ending in "," or ";" opens a sentence ("No,"): it is still there when some sentence
  of the rewrite starts with its words;
- any other phrase is still there when its words appear anywhere in the rewrite, as whole
  words ("Nope" is found in "nope, sorry"; "eta" is not found in "details").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from api.facts.spans import fact_tokens, protected_spans

try:
    from api.facts.guard import check_facts
except ImportError:  # code from before the fact guard had its own module (an older branch)
    from api.facts.spans import check_facts  # type: ignore[attr-defined,no-redef]
from evals.markers import CURT_REFUSALS, ENGLISH_WORDS, FUNCTION_WORDS, REFUSAL_RES

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+(?:['][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_TRAILING = ".,;:!?…\"'”’)] "
_LEADING = "\"'“‘([ "
# Meaning kept: this share of content words survives, compared on their first STEM letters.
KEPT_SHARE = 2 / 3
STEM = 5


def normalise(text: str) -> str:
    """Lower-case `text`, make apostrophes straight and white space single; the form every
    comparison in the evaluation is made on."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = re.sub(r" n't\b", "n't", text)  # tokenised text: "do n't" -> "don't"
    return _SPACE.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The words of `text` after `normalise`, punctuation dropped ("don't" stays one word)."""
    return _WORD.findall(normalise(text))


def sentences(text: str) -> list[str]:
    """`text` split at sentence ends (., !, ?, … followed by space) and at line breaks."""
    parts = _SENTENCE_END.split(unicodedata.normalize("NFKC", text))
    return [part.strip() for part in parts if part.strip()]


def _phrase_mode(phrase: str) -> str:
    stripped = phrase.rstrip(" \"'”’)")
    if stripped.endswith((".", "!", "?", "…")):
        return "sentence"
    if stripped.endswith((",", ";")):
        return "opener"
    return "anywhere"


def _anywhere_pattern(phrase: str) -> re.Pattern[str]:
    core = normalise(phrase).strip(_TRAILING).lstrip(_LEADING)
    body = r"\s+".join(re.escape(part) for part in core.split(" "))
    before = r"(?<![^\W_])" if _WORD.match(core[:1] or " ") else ""
    after = r"(?![^\W_])" if core and _WORD.match(core[-1]) else ""
    return re.compile(before + body + after)


def phrase_present(phrase: str, text: str) -> bool:
    """Whether the harsh `phrase` is still in `text`, by the rules in the module docstring."""
    mode = _phrase_mode(phrase)
    if mode == "anywhere":
        return bool(_anywhere_pattern(phrase).search(normalise(text)))
    target = words(phrase)
    for sentence in sentences(text):
        found = words(sentence)
        if (mode == "sentence" and found == target) or (
            mode == "opener" and found[: len(target)] == target
        ):
            return True
    return False


def phrases_left(must_go: Iterable[str], rewrite: str) -> list[str]:
    """The harsh phrases still present in `rewrite`."""
    return [phrase for phrase in must_go if phrase_present(phrase, rewrite)]


def has_refusal(text: str, language: str) -> bool:
    """Whether `text` says, in `language`, that something cannot or will not be done
    (`evals.markers.REFUSAL_PATTERNS`). English markers count in every language: a reply
    may quote English terms, and a rewrite that switched language fails elsewhere."""
    normal = normalise(text)
    checks = [REFUSAL_RES.get(language), REFUSAL_RES["en"]]
    return any(check.search(normal) for check in checks if check is not None)


def refusal_kept(item: dict[str, Any], rewrite: str) -> bool:
    """Whether `rewrite` still refuses what the refusal `item` refuses: it has a refusal marker,
    or (for a draft that refuses only with a curt word, `CURT_REFUSALS`) it still has that word;
    the curt word then counts against the harsh phrases instead. A draft that refuses with no
    marker at all ("The $90 stays on the bill.") refuses through what it says: then every one
    of its sentences must keep its content outside the harsh phrases (`sentence_kept`), so
    the draft itself, returned unchanged, still counts as a refusal."""
    language = item.get("language", "en")
    if has_refusal(rewrite, language):
        return True
    if has_refusal(item["draft"], language):
        return False
    curt = [p for p in item["must_go"] if " ".join(words(p)) in CURT_REFUSALS]
    if curt:
        return any(phrase_present(phrase, rewrite) for phrase in curt)
    return all(sentence_kept(s, item["must_go"], rewrite) for s in sentences(item["draft"]))


def sentence_kept(sentence: str, harsh: Sequence[str], rewrite: str) -> bool:
    """Whether the content words of one draft sentence, outside its harsh phrases, survive."""
    wanted = content_words_of(sentence, harsh)
    return not wanted or enough_kept(wanted, rewrite)


def content_words_of(text: str, harsh: Iterable[str | re.Pattern[str]]) -> list[str]:
    """The content words of `text` once the `harsh` phrases (strings, or patterns on the
    normalised text) and the facts are taken out: not English function words, at least three
    letters, no digits."""
    normal = normalise(text)
    for phrase in harsh:
        pattern = phrase if isinstance(phrase, re.Pattern) else _anywhere_pattern(phrase)
        normal = pattern.sub(" ", normal)
    for fact in fact_tokens(text):
        normal = normal.replace(normalise(fact), " ")
    return [
        w
        for w in words(normal)
        if w not in FUNCTION_WORDS and len(w) > 2 and not any(c.isdigit() for c in w)
    ]


def enough_kept(wanted: Sequence[str], rewrite: str) -> bool:
    """Whether `rewrite` still has at least `KEPT_SHARE` of the `wanted` words (one word may
    always be reworded, so a two-word sentence may swap one for a synonym). A word counts as
    kept when a word of the rewrite shares its first `STEM` letters ("refund", "refunded")."""
    stems = {w[:STEM] for w in words(rewrite)}
    kept = sum(w[:STEM] in stems for w in wanted)
    return kept >= min(KEPT_SHARE * len(wanted), len(wanted) - 1)


def meaning_kept(item: dict[str, Any], rewrite: str) -> bool:
    """Whether the draft's content outside its harsh phrases survives: at least `KEPT_SHARE`
    of its content words (`content_words_of`) are still in the rewrite. Catches a rewrite
    that drops whole sentences to get rid of a harsh phrase."""
    return enough_kept(content_words_of(item["draft"], item["must_go"]), rewrite)


def facts_lost(item: dict[str, Any], rewrite: str) -> list[str]:
    """Facts of the draft the rewrite does not keep verbatim (the item's `must_keep` and every
    fact Kindly's fact extractor finds), plus facts the rewrite invented (marked "+")."""
    lost = [fact for fact in item.get("must_keep", ()) if fact not in rewrite]
    context = [item.get(key) for key in ("customer_message", "customer_name", "agent_name")]
    check = check_facts(item["draft"], rewrite, context=context)
    lost += [fact for fact in check.missing if fact not in lost]
    return lost + ["+" + fact for fact in check.invented]


def _without_facts(text: str, extra: Sequence[str]) -> str:
    """`text` with its facts (links, emails, amounts, ...) and the `extra` strings blanked, so
    an English-looking email address or name does not count as English prose."""
    pieces, last = [], 0
    for span in protected_spans(text):
        pieces += [text[last : span.start], " "]
        last = span.end
    pieces.append(text[last:])
    text = "".join(pieces)
    for value in extra:
        if value:
            text = text.replace(value, " ")
    return text


def english_added(item: dict[str, Any], rewrite: str) -> list[str]:
    """English words (`evals.markers.ENGLISH_WORDS`) the rewrite has and the draft has not;
    empty for an English draft. Facts, names and the customer's message are not counted."""
    if item.get("language", "en") == "en":
        return []
    extra = [item.get("customer_name") or "", item.get("agent_name") or ""]
    before = set(words(_without_facts(item["draft"], extra)))
    after = words(_without_facts(rewrite, extra))
    return sorted({w for w in after if w in ENGLISH_WORDS and w not in before})


def score(item: dict[str, Any], rewrite: str, resoftened: str | None) -> dict[str, Any]:
    """One row of the harsh-corpus table for `rewrite` of `item`; `resoftened` is the rewrite
    softened again (None when not measured). Keys that do not apply to the item are None."""
    left = phrases_left(item["must_go"], rewrite)
    lost = facts_lost(item, rewrite)
    language = item.get("language", "en")
    added = english_added(item, rewrite) if language != "en" else None
    return {
        "id": item["id"],
        "language": language,
        "categories": list(item["categories"]),
        "phrases": len(item["must_go"]),
        "phrases_gone": len(item["must_go"]) - len(left),
        "phrases_left": left,
        "clean": not left,
        "refusal_kept": refusal_kept(item, rewrite) if item.get("refusal") else None,
        "meaning_kept": meaning_kept(item, rewrite),
        "facts_kept": not lost,
        "facts_lost": lost,
        "idempotent": None if resoftened is None else resoftened == rewrite,
        "english_added": added,
        "no_english_added": None if added is None else not added,
        "unchanged": rewrite.strip() == item["draft"].strip(),
    }


# The table's columns: (key in a summary row, heading).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("drafts", "drafts"),
    ("phrases_gone_pct", "harsh phrases gone %"),
    ("clean_pct", "drafts clean %"),
    ("refusal_kept_pct", "refusals kept %"),
    ("meaning_kept_pct", "content kept %"),
    ("facts_kept_pct", "facts kept %"),
    ("idempotent_pct", "idempotent %"),
    ("no_english_added_pct", "non-English: no English added %"),
    ("unchanged_pct", "unchanged %"),
)


def pct(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole`, one decimal; None when `whole` is 0."""
    return round(100 * part / whole, 1) if whole else None


def _share(rows: Sequence[dict[str, Any]], key: str) -> float | None:
    """Percentage of rows where `key` is true, among rows where it applies (is not None)."""
    applies = [row[key] for row in rows if row.get(key) is not None]
    return pct(sum(bool(value) for value in applies), len(applies))


def summarise_group(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The table's figures for one group of scored rows."""
    phrases = sum(row["phrases"] for row in rows)
    return {
        "drafts": len(rows),
        "phrases": phrases,
        "phrases_gone_pct": pct(sum(row["phrases_gone"] for row in rows), phrases),
        "clean_pct": _share(rows, "clean"),
        "refusal_kept_pct": _share(rows, "refusal_kept"),
        "refusals": sum(row["refusal_kept"] is not None for row in rows),
        "meaning_kept_pct": _share(rows, "meaning_kept"),
        "facts_kept_pct": _share(rows, "facts_kept"),
        "idempotent_pct": _share(rows, "idempotent"),
        "no_english_added_pct": _share(rows, "no_english_added"),
        "unchanged_pct": _share(rows, "unchanged"),
    }


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Figures per category (a draft counts in each of its categories), per language other
    than English, and overall ("all")."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        for category in row["categories"]:
            groups.setdefault(category, []).append(row)
    table = {name: summarise_group(groups[name]) for name in sorted(groups)}
    for language in sorted({row["language"] for row in rows} - {"en"}):
        table[f"language: {language}"] = summarise_group(
            [row for row in rows if row["language"] == language]
        )
    table["all"] = summarise_group(rows)
    return table


def markdown(table: dict[str, dict[str, Any]], columns: Sequence[tuple[str, str]] = COLUMNS) -> str:
    """`table` (group -> figures) as a markdown table; "–" where a figure does not apply."""
    lines = [
        "| group | " + " | ".join(heading for _, heading in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name, figures in table.items():
        cells = ["–" if figures.get(key) is None else str(figures[key]) for key, _ in columns]
        label = f"**{name}**" if name == "all" else name
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
