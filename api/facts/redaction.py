"""Hide personal data and facts from the language model behind placeholders, and put them back.

The fact guard (api/facts.py) already finds the facts of a draft (numbers, amounts, dates,
links, emails, phones, IDs, quotes, code) and masks them as ``⟦F1⟧``. This module adds the
personal data it does not know as such, card numbers and IBANs, and masks the draft and the
customer's message with one shared table, so the same value gets the same placeholder in both
and the model never sees an email address, a phone number or a card number. The customer's
and the agent's names come from the help desk page and may hold an email address or a phone
number too: they are masked with the same table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from api.facts.placeholders import mask_spans, missing_placeholders, unmask
from api.facts.spans import protected_spans
from api.types import Span

# 13 to 19 digits, optionally grouped by single spaces or dashes (4-4-4-4, 4-6-5, ...).
_CARD = re.compile(r"(?<![0-9A-Za-z])[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z])")
# Two letters, two check digits, then 11 to 30 letters/digits, optionally in groups of four.
_IBAN = re.compile(r"(?<![0-9A-Za-z])[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]){11,30}(?![0-9A-Za-z])")
# Text that joins the draft and the customer's message while they are masked together.
_JOIN = "\n\x00\x00\n"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _iban_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    as_number = "".join(str(int(char, 36)) for char in rearranged)
    return int(as_number) % 97 == 1


def pii_spans(text: str) -> list[Span]:
    """Card numbers (Luhn-valid) and IBANs (mod-97-valid) in `text`: personal data that the fact
    guard would otherwise see as several loose numbers."""
    spans: list[Span] = []
    for match in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            spans.append(Span("card", match.group(), match.start(), match.end()))
    for match in _IBAN.finditer(text):
        compact = match.group().replace(" ", "")
        if 15 <= len(compact) <= 34 and _iban_ok(compact):
            spans.append(Span("iban", match.group(), match.start(), match.end()))
    return sorted(spans, key=lambda span: span.start)


def sensitive_spans(text: str, facts: list[Span] | None = None) -> list[Span]:
    """Everything to hide from the model: card numbers and IBANs first (they win any overlap),
    then the fact guard's protected spans (`facts`, found here when not given)."""
    pii = pii_spans(text)
    taken = [(span.start, span.end) for span in pii]
    facts = [
        span
        for span in (protected_spans(text) if facts is None else facts)
        if not any(span.start < end and start < span.end for start, end in taken)
    ]
    return sorted([*pii, *facts], key=lambda span: span.start)


@dataclass
class Redacted:
    """A draft and customer message as the model sees them, plus the table to restore them."""

    draft: str
    customer_message: str | None
    mapping: dict[str, str] = field(default_factory=dict)
    draft_placeholders: list[str] = field(default_factory=list)
    customer_name: str | None = None
    agent_name: str | None = None

    def restore(self, text: str) -> str:
        return unmask(text, self.mapping)

    def lost_placeholders(self, text: str) -> list[str]:
        """Placeholders of the draft that the model's answer no longer contains."""
        kept = {key: self.mapping[key] for key in self.draft_placeholders}
        return missing_placeholders(text, kept)


def redact(
    draft: str,
    customer_message: str | None = None,
    draft_facts: list[Span] | None = None,
    names: tuple[str | None, str | None] = (None, None),
) -> Redacted:
    """Mask `draft`, `customer_message` and the (customer, agent) `names` with one table (same
    value, same placeholder). `draft_facts`: the draft's protected spans when known already."""
    # NULs mean nothing in a reply, and dropping them keeps the join below unambiguous.
    if "\x00" in draft:
        draft, draft_facts = draft.replace("\x00", ""), None
    parts = [draft, *((text or "").replace("\x00", "") for text in (customer_message, *names))]
    spans = sensitive_spans(draft, draft_facts)
    offset = len(draft)
    for part in parts[1:]:
        offset += len(_JOIN)
        spans += [
            Span(span.kind, span.text, span.start + offset, span.end + offset)
            for span in sensitive_spans(part)
        ]
        offset += len(part)
    masked, mapping = mask_spans(_JOIN.join(parts), spans)
    masked_draft, masked_message, customer_name, agent_name = masked.split(_JOIN, 3)
    return Redacted(
        draft=masked_draft,
        customer_message=masked_message if customer_message else None,
        mapping=mapping,
        draft_placeholders=[key for key in mapping if key in masked_draft],
        customer_name=customer_name if names[0] else names[0],
        agent_name=agent_name if names[1] else names[1],
    )
