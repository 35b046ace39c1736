"""Rewrites for the generic detectors of api/tone/detectors.py, one per kind of hit: a curt
fragment goes or becomes a request, an attitude word or a judgement goes, a minimised problem
gets an acknowledgement, blame becomes a neutral account, a threat keeps its consequence as
information. Works on one fact-shielded English sentence; a hit no rewrite fits stays (the
response's findings list it). What it writes is never detected again, so a second pass is a
no-op.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from api.engines.offline.text import join_around, upper_first
from api.tone.detectors import Detection, detect

_F = "[\U000f0000-\U000ffffd]"
_WORD = re.compile(r"[^\W\d_]+|" + _F)
_ROUNDS = 6
_IRREGULAR = {
    "chose": "chosen",
    "gave": "given",
    "wrote": "written",
    "took": "taken",
    "ate": "eaten",
    "drove": "driven",
}
_DOUBLED = {"cancel": "cancelled", "ban": "banned", "cut off": "cut off", "shut off": "shut off"}
_ACK = "I understand why this is frustrating."


def rewrite_detected(core: str, lowercase: bool) -> tuple[str, list[Detection]]:
    """`core` (one sentence) with every detector hit a rewrite fits rewritten, and the hits
    acted on."""
    acted: list[Detection] = []
    for _ in range(_ROUNDS):
        for hit in detect(core):
            fix = _FIXES.get(hit.kind.split(":")[0])
            new = fix(core, hit, lowercase) if fix else None
            if new is not None and new != core:
                acted.append(hit)
                core = new
                break
        else:
            break
        if not core:
            break
    return core, acted


def detected_spans(core: str) -> set[tuple[int, int, str]]:
    """The spans the detectors claim in `core` (the sentence fallback leaves them alone)."""
    return {(hit.start, hit.end, hit.category) for hit in detect(core)}


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _capital(text: str, lowercase: bool) -> str:
    return text if lowercase else upper_first(text)


def _end(core: str) -> str:
    stripped = core.rstrip()
    return stripped[-1] if stripped[-1:] in ".!?" else "."


def _cut(core: str, lo: int, hi: int, lowercase: bool) -> str:
    """`core` without core[lo:hi] and the joining words left dangling; '' when what is left
    says nothing (fewer than two words, no fact)."""
    left, right = core[:lo], core[hi:]
    at_start = not left.strip(" \t\"'“‘(")
    left = re.sub(r"(?:,\s*|\s+)(?:and|but|so|because)\s*$", "", left) if not at_start else left
    right = re.sub(r"^\s*,?\s*(?:and|but|so)\b\s*", " ", right) if at_start else right
    text = join_around(left, right, core[lo:hi], at_start, lowercase)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+([,.;:!?])", r"\1", text)
    text = re.sub(r"^[\s,;:—–-]+", "", text)
    text = re.sub(r"[,;:—–-]+\s*([.!?]?)\s*$", r"\1", text).strip()
    if _words(text) < 2 and not re.search(_F, text):
        return ""
    if at_start:
        text = _capital(text, lowercase)
    if text and text[-1] not in ".!?":
        text += _end(core)
    return text


def _replace(core: str, lo: int, hi: int, new: str, lowercase: bool) -> str:
    left, right = core[:lo], core[hi:]
    at_start = not left.strip(" \t\"'“‘(")
    text = left + new + right
    text = re.sub(r"[ \t]{2,}", " ", text)
    return _capital(text, lowercase) if at_start else text


def _noun(text: str) -> str:
    """A fragment's words as a noun phrase mid-sentence: "Spam folder." -> "spam folder"."""
    words = text.strip().rstrip(".!").split()
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def _fragment(core: str, hit: Detection, lowercase: bool) -> str | None:
    kind = hit.kind.split(":")[1]
    noun = _noun(core[hit.start : hit.end])
    if kind == "drop":
        return ""
    if kind == "faulty":
        state, thing = noun.split(" ", 1)
        verb = "were" if thing.endswith("s") else "was"
        return _capital(f"it looks like the {thing} {verb} {state}.", lowercase)
    if kind == "error":
        return _capital(f"it looks like there was {_article(noun)} {noun}.", lowercase)
    if kind == "item":
        return _capital(f"could you send us the {noun}?", lowercase)
    if kind == "place":
        return _capital(f"could you check the {noun}?", lowercase)
    return None


def _drop_hit(core: str, hit: Detection, lowercase: bool) -> str | None:
    return _cut(core, hit.start, hit.end, lowercase)


def _drop_word(core: str, hit: Detection, lowercase: bool) -> str | None:
    """An attitude word goes; the sentence stays (unless nothing else was in it)."""
    new = _cut(core, hit.start, hit.end, lowercase)
    return new or None


def _everyone(core: str, hit: Detection, lowercase: bool) -> str | None:
    """ "Everyone knows X" keeps X; "anyone figures this out" is only the judgement."""
    if re.search(r"\b(?:figures?|manages?|who|that)\b", core[hit.start : hit.end], re.IGNORECASE):
        return "" if not re.search(_F, core) else _cut(core, hit.start, hit.end, lowercase)
    return _cut(core, hit.start, hit.end, lowercase)


def _gerund(verb: str) -> str | None:
    if verb == "read":
        return "reading"
    if not verb.endswith("ed") or len(verb) < 4:
        return None
    if verb.endswith("ied"):
        return verb[:-3] + "ying"
    vowels = "aeiou"
    prev = verb[-5] if len(verb) >= 5 else "x"
    if verb[-3] in "vzcg" or (
        verb[-4] in vowels and verb[-3] not in vowels + "wy" and prev not in vowels
    ):
        return verb[:-2] + "ing"
    return verb[:-2] + "ing"


def _should(core: str, hit: Detection, lowercase: bool) -> str | None:
    match = re.search(r"should(?:'ve| have| of) (\w+)", core[hit.start : hit.end])
    gerund = _gerund(match.group(1)) if match else None
    if gerund is None:
        return _cut(core, hit.start, hit.end, lowercase)
    rest = core[hit.end :]
    clause = re.match(r"[^,;.!?]*", rest).group(0)
    after = rest[len(clause) :]
    tail = "" if "next time" in clause else " next time"
    new = f"it's worth {gerund}{clause.rstrip()}{tail}"
    return _replace(core[: hit.start] + new + after, hit.start, hit.start, "", lowercase)


def _big_deal(core: str, hit: Detection, lowercase: bool) -> str | None:
    match = re.match(
        r"(?:(?:the|these|those|such) )?(.+?)(?:'s|'re| is| are| was| were|n't)\b",
        core[hit.start : hit.end],
        re.IGNORECASE,
    )
    noun = match.group(1).strip().lower() if match else ""
    if (
        not noun
        or noun in ("it", "this", "that")
        or noun.endswith(" is")
        or " " in noun.strip()[:0]
    ):
        new = _cut(core, hit.start, hit.end, lowercase)
        return new or (_ACK if not re.search(_F, core) else None)
    noun = re.sub(r"\s+(?:are|is|were|was)$", "", noun)
    return _replace(core, hit.start, hit.end, f"I'm sorry about the {noun}", lowercase)


def _happens(core: str, hit: Detection, lowercase: bool) -> str | None:
    if hit.start == len(core) - len(core.lstrip()):
        return _replace(core, hit.start, hit.end, "I'm sorry this happened", lowercase)
    return _cut(core, hit.start, hit.end, lowercase)


def _minimise(core: str, hit: Detection, lowercase: bool) -> str | None:
    new = _cut(core, hit.start, hit.end, lowercase)
    return new or (_ACK if not re.search(_F, core) else "")


def _participle(verb: str) -> str:
    if verb in _DOUBLED:
        return _DOUBLED[verb]
    return verb + "d" if verb.endswith("e") else verb + "ed"


def _threat(core: str, hit: Detection, lowercase: bool) -> str | None:
    found = core[hit.start : hit.end]
    we = re.match(
        r"(?:we|I)\b[^a-z]*(?:[a-z' ]*? )?(?:have to )?(suspend|close|cancel|block|"
        r"disconnect|restrict|terminate|deactivate|lock|ban|delete|cut off|shut off)"
        r"\b(.*)$",
        found,
        re.IGNORECASE,
    )
    before = core[: hit.start]
    after = core[hit.end :]
    if we:
        done = _participle(we.group(1).lower())
        thing = we.group(2).strip() or "the account"
        return _consequence(core, before, after, thing, done, lowercase)
    be = re.match(r"(will be|may be|might be|can be|gets?|are|is) (.+)$", found, re.IGNORECASE)
    if be is None:
        return None
    verb, rest = be.group(1).lower(), be.group(2)
    if rest.lower().startswith("ignored"):
        subject = before.strip()
        if not subject or re.search(r"\b(?:or|if|unless)\b", subject, re.IGNORECASE):
            return None
        return f"{subject} may not get a separate reply{rest[7:]}{after.rstrip()}".rstrip() + (
            "" if after.strip() else "."
        )
    orr = re.search(r"(?:,\s*)?\bor (?:else )?(?P<s>[^,;]*?)\s*$", before, re.IGNORECASE)
    if orr:
        subject = orr.group("s").strip() or "it"
        neg = (
            "aren't"
            if subject.lower() in ("you", "they", "we") or subject.endswith("s")
            else ("isn't")
        )
        head = before[: orr.start()].rstrip(" ,")
        return f"{head} so {subject} {neg} {rest}{after}"
    if verb in ("are", "is"):
        return None
    return core[: hit.start] + f"would be {rest}" + after


def _consequence(
    core: str, before: str, after: str, thing: str, done: str, lowercase: bool
) -> str | None:
    orr = re.search(r"(?:,\s*)?\bor (?:else )?$", before, re.IGNORECASE)
    if orr:
        head = before[: orr.start()].rstrip(" ,")
        return f"{head} so {thing} isn't {done}{after}"
    cond = re.match(
        r"\s*if (?P<s>.+?) (?:isn't|is not|aren't|are not|hasn't been|haven't been)"
        r" (?P<p>[a-z]+ed|paid|sent|made)(?P<r>[^,]*?),?\s*$",
        before,
        re.IGNORECASE,
    )
    if cond:
        new = (
            f"to avoid {thing} being {done}, {cond.group('s')} needs to be "
            f"{cond.group('p')}{cond.group('r')}{after}"
        )
        return _capital(new, lowercase)
    head = before.rstrip(" ,")
    if re.match(r"\s*(?:if|unless)\b", head, re.IGNORECASE):
        return f"{head}, {thing} would be {done}{after}"
    if not head.strip() and re.match(r"\s*(?:unless|if)\b", after, re.IGNORECASE):
        return _capital(f"{thing} would be {done}{after}", lowercase)  # "… unless X": a condition
    return None


def _wrong(core: str, hit: Detection, lowercase: bool) -> str | None:
    match = re.search(
        r"(\w+) (?:in |on |up |out )?(?:the|an?) (?:wrong|incorrect) (.+)$",
        core[hit.start : hit.end],
        re.IGNORECASE,
    )
    if match is None:
        return None
    verb = _IRREGULAR.get(match.group(1).lower(), match.group(1).lower())
    new = f"the wrong {match.group(2)} was {verb}"
    if not re.search(r"\b(?:looks|seems) like\s*$", core[: hit.start], re.IGNORECASE):
        new = "it looks like " + new
    return _replace(core, hit.start, hit.end, new, lowercase)


def _yours(core: str, hit: Detection, lowercase: bool) -> str | None:
    found = core[hit.start : hit.end]
    np = re.match(
        r"(?:the |this |that |a )?(.+?)(?:'s| is| was) (?:all )?yours$", found, re.IGNORECASE
    )
    if np:
        noun = _noun(np.group(1))
        return _replace(core, hit.start, hit.end, f"there was {_article(noun)} {noun}", lowercase)
    before = core[: hit.start]
    pronoun = re.search(r"\b(?:it|that|this)\s*$", before, re.IGNORECASE)
    if pronoun:
        return _cut(core, pronoun.start(), hit.end, lowercase)
    if re.match(r"(?:is|are|was|were|'s|'re) ", found, re.IGNORECASE):
        return before.rstrip() + " caused this" + core[hit.end :]
    return _cut(core, hit.start, hit.end, lowercase)


def _doing(core: str, hit: Detection, lowercase: bool) -> str | None:
    match = re.search(
        r"((?:the|your|their) [a-z]+(?: [a-z]+)?)'s", core[hit.start : hit.end], re.IGNORECASE
    )
    if match is None:
        return None
    lead = "" if core[: hit.start].endswith(" ") else " "
    return core[: hit.start] + f"{lead}came from {match.group(1)}'s side".lstrip() + core[hit.end :]


_FIXES: dict[str, Callable[[str, Detection, bool], str | None]] = {
    "fragment": _fragment,
    "adverb": _drop_word,
    "only": _drop_word,
    "point": _drop_hit,
    "ease": _drop_hit,
    "everyone": _everyone,
    "should": _should,
    "think": _drop_hit,
    "howitworks": _drop_hit,
    "rightthere": _drop_word,
    "bigdeal": _big_deal,
    "happens": _happens,
    "notice": _minimise,
    "worth": _minimise,
    "threat": _threat,
    "wrong": _wrong,
    "yours": _yours,
    "doing": _doing,
}
