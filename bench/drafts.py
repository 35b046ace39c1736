"""Generates realistic ~1 KB support drafts (blame, jargon, facts) for the benchmarks.

Written from scratch for measurement: no text from the shared eval set. Seeded, so every
run of a benchmark times the same drafts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

CUSTOMERS = ["Maria", "James", "Aiko", "Olu", "Sofia", "Liam", "Priya", "Tomasz", None]
AGENTS = ["Dana", "Sam", "Ravi", "Elena", None]

CUSTOMER_MESSAGES = [
    "This is the third time I'm writing about this and nobody has fixed it. Unacceptable.",
    "I need this sorted today, my flight leaves tomorrow morning!!",
    "I'm confused: the app says one thing and the email says another. Which is right?",
    "Thanks so much for looking into this, really appreciate the quick help.",
    "Hi, quick question about my order.",
    None,
]

# Sentences an agent in a hurry writes; {fact} slots are filled with protected facts.
BLAME = [
    "As I said in my last reply, you failed to enter the code {code} at checkout.",
    "Per my last email, the refund of {amount} was issued on {date}.",
    "That's not our problem, the courier handles anything after {date}.",
    "Please calm down, we are obviously doing what we can.",
    "You should have read the T&Cs before ordering, it's all at {url}.",
    "You need to simply reset the password from the acct settings page.",
    "As previously stated, the order {order} shipped on {date}.",
    "You didn't read the instructions, the limit is {number} items per order.",
    "It's your responsibility to check the address before we ship.",
    "There's nothing we can do once the parcel has left the warehouse.",
]
JARGON = [
    "FYI I have escalated this to the billing team, ETA is {days} business days.",
    "Pls DM us your acct email so we can verify, or write to {email}.",
    "We will utilize the RMA process per our policy, ref {ticket}.",
    "I need you to send the photos ASAP in order to proceed with the claim.",
    "At this point in time the item is OOS, restock is TBD.",
    "LMK if the tracking link {url} doesn't update by EOD.",
    "Please advise whether you want store credit w/o the restocking fee.",
    "Due to the fact that the card was declined, the charge of {amount} was reversed.",
]
PLAIN = [
    "Your order {order} was placed on {date} at {time} and the total was {amount}.",
    "You can reach our returns desk at {phone} between 9am and 5pm.",
    "The replacement will go out from our Leeds warehouse within {days} days.",
    "I can see two payments on the account, one of {amount} and one of {amount2}.",
    "Your case number is {ticket}; keep it handy if you call us.",
    "The new firmware version {version} fixes the pairing issue you described.",
    "We cannot refund shipping costs on international orders.",
    "We don't offer exchanges on sale items.",
]
OPENERS = ["Hi {customer},", "Hello,", "{customer},", ""]
SIGNOFFS = ["Thanks,\n{agent}", "Regards,\nSupport Team", "{agent}\nCustomer Care", ""]


@dataclass(frozen=True)
class SampleDraft:
    """One benchmark input: the draft and the context a real request carries."""

    draft: str
    customer_name: str | None
    agent_name: str | None
    customer_message: str | None


def _facts(rng: random.Random) -> dict[str, str]:
    month = rng.choice(["March", "April", "June", "October", "December"])
    return {
        "code": f"SAVE{rng.randint(10, 40)}",
        "amount": f"${rng.randint(5, 400)}.{rng.randint(0, 99):02d}",
        "amount2": f"€{rng.randint(5, 90)}.{rng.randint(0, 99):02d}",
        "date": f"{rng.randint(1, 28)} {month} 2026",
        "time": f"{rng.randint(1, 12)}:{rng.choice(['00', '15', '30', '45'])} PM",
        "url": f"https://help.example.com/articles/{rng.randint(1000, 9999)}",
        "email": rng.choice(["billing@example.com", "returns@example.com"]),
        "order": f"#{rng.randint(100000, 999999)}",
        "ticket": f"CS-{rng.randint(10000, 99999)}",
        "phone": f"+44 20 7946 {rng.randint(1000, 9999)}",
        "number": str(rng.randint(2, 12)),
        "days": str(rng.randint(2, 10)),
        "version": f"{rng.randint(1, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}",
    }


def make_draft(rng: random.Random, target_chars: int = 1000) -> SampleDraft:
    """Build one draft of about `target_chars` characters: opener, paragraphs, sign-off."""
    customer = rng.choice(CUSTOMERS)
    agent = rng.choice(AGENTS)
    opener = rng.choice(OPENERS)
    if "{customer}" in opener and not customer:
        opener = "Hello,"
    signoff = rng.choice(SIGNOFFS)
    if "{agent}" in signoff and not agent:
        signoff = "Regards,\nSupport Team"
    paragraphs: list[str] = []
    length = 0
    while length < target_chars - 120:
        pool = rng.choice([BLAME, JARGON, PLAIN])
        sentences = [s.format(**_facts(rng)) for s in rng.sample(pool, rng.randint(2, 3))]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    parts = [opener.format(customer=customer)] if opener else []
    parts += paragraphs
    if signoff:
        parts.append(signoff.format(agent=agent))
    return SampleDraft(
        draft="\n\n".join(parts),
        customer_name=customer,
        agent_name=agent,
        customer_message=rng.choice(CUSTOMER_MESSAGES),
    )


def make_drafts(count: int, seed: int = 2026, target_chars: int = 1000) -> list[SampleDraft]:
    """`count` drafts, the same ones for the same seed."""
    rng = random.Random(seed)
    return [make_draft(rng, target_chars) for _ in range(count)]
