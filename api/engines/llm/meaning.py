"""Rejections for a changed meaning that carries no 'not': a consequence, a channel, a
restriction or a day of the draft gone from the answer (`dropped_content`), or a channel
swapped for another (`changed_claim`, "call the restaurant" -> "use the app"); and a sign-off
with the customer's name or any name that is not the agent's (`wrong_signoff`).

The words are grouped in families of ways to say the same thing, wide enough that a kind
rewording keeps its family ("will be cut off" -> "may be paused"): the offline engine's own
rewrites of the whole corpus pass these checks (tests/engines/test_llm_meaning.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from api.engines.llm.checks import Problem


@dataclass(frozen=True)
class Family:
    """One thing that matters (`kind`: channel, consequence, limit or day): the words that
    say it in a draft (`trigger`) and every way an answer may keep it (`kept`, wider)."""

    name: str
    kind: str
    trigger: re.Pattern[str]
    kept: re.Pattern[str]

    @property
    def harsh_ok(self) -> bool:
        """Said inside a harsh phrase, it must still survive: a threat's consequence and a
        day do; a channel or 'only' there ("Per my last email") goes with the phrase."""
        return self.kind in ("consequence", "day")


def _family(name: str, kind: str, trigger: str, kept: str = "") -> Family:
    def words(pattern: str) -> re.Pattern[str]:
        return re.compile(rf"(?i)(?<![^\W_])(?:{pattern})", re.UNICODE)

    return Family(name, kind, words(trigger), words(kept or trigger))


_CUT_OFF = (
    r"cut off|cut-off|disconnect|suspen|paus|interrupt|switch(?:ed)? off|turn(?:ed)? off|"
    r"shut|deactivat|stop|los[et]|losing|clos|end\b|ended|on hold|lock|block|disabl|"
    r"keep[^.!?\n]{0,40}(?:running|active|on\b|going|open|connected)|avoid"
)
# English wording; days also in the other languages of the corpus.
FAMILIES: tuple[Family, ...] = (
    _family("a call", "channel", r"call(?!ed\b)|phone|ring us|telephon|hotline",
            r"call|phon|ring\b|telephon|hotline|speak (?:to|with)|talk (?:to|with)|"
            r"reach (?:us|out)"),
    _family("the app", "channel", r"apps?\b", r"apps?\b|application"),
    _family("email", "channel", r"e-?mail", r"e-?mail|inbox"),
    _family("the chat", "channel", r"(?:live )?chat\b", r"chat|messag"),
    _family("the website", "channel", r"website|web site|web page|online|portal",
            r"web|online|site\b|portal|log ?in|account page|page\b"),
    _family("in person", "channel", r"in[- ]person|in[- ]store|branch\b|counter\b",
            r"in[- ]person|in[- ]store|store\b|shop\b|branch|counter|visit"),
    _family("the form", "channel", r"forms?\b"),
    _family("post", "channel", r"by post|by mail|in the mail|post office",
            r"post\b|mail\b|letter"),
    _family("cut off", "consequence",
            r"cut off|cut-off|disconnect|shut off|switched off|turned off|deactivat", _CUT_OFF),
    _family("suspend", "consequence", r"suspend|block(?:ed)?\b|ban(?:ned)?\b|lock(?:ed)? out",
            _CUT_OFF + r"|restrict|ban\b|banned"),
    _family("cancel", "consequence", r"cancel|terminat",
            r"cancel|terminat|end\b|ended|clos|void|stop"),
    _family("delete", "consequence", r"delet|eras|wipe",
            r"delet|eras|remov|wip|los[et]|losing|purg|clear|gone"),
    _family("expire", "consequence", r"expir|lapse",
            r"expir|lapse|no longer (?:valid|active|available)|ended|run out|ran out|past\b|"
            r"valid (?:until|till|through)"),
    _family("a fee", "consequence", r"fees?\b|penalt|surcharg",
            r"fees?\b|charg|penalt|surcharg|cost|pay|price"),
    _family("a refund", "consequence", r"refund", r"refund|money back|reimburs"),
    _family("only", "limit", r"only\b",
            r"only\b|just\b|solely|exclusively|limited to|no other|alone\b|except"),
    *(
        _family(day, "day", words)
        for day, words in (
            ("Monday", r"monday|montag|lunes|lundi|segunda"),
            ("Tuesday", r"tuesday|dienstag|martes|mardi|terça"),
            ("Wednesday", r"wednesday|mittwoch|miércoles|mercredi|quarta"),
            ("Thursday", r"thursday|donnerstag|jueves|jeudi|quinta"),
            ("Friday", r"friday|freitag|viernes|vendredi|sexta"),
            ("Saturday", r"saturday|samstag|sábado|samedi"),
            ("Sunday", r"sunday|sonntag|domingo|dimanche"),
            ("today", r"today|tonight|heute|hoy\b|aujourd'hui|hoje"),
            ("tomorrow", r"tomorrow|morgen\b|mañana|demain|amanhã"),
        )
    ),
)
# The channel, consequence and limit families are English words: other languages keep days.
_ENGLISH_ONLY = frozenset({"channel", "consequence", "limit"})


def families_in(
    text: str, harsh: Iterable[tuple[int, int]] = (), english: bool = True, *, kept: bool = False
) -> set[str]:
    """Names of the families `text` says: by their trigger words (a draft), or by any way of
    keeping them (`kept`: an answer). Channel and limit words inside a harsh phrase (`harsh`
    spans) do not count: "Stop calling us" is to go, not to keep."""
    spans = list(harsh)
    found = set()
    for family in FAMILIES:
        if not english and family.kind in _ENGLISH_ONLY:
            continue
        pattern = family.kept if kept else family.trigger
        for match in pattern.finditer(text):
            inside = any(start <= match.start() < end for start, end in spans)
            if family.harsh_ok or not inside:
                found.add(family.name)
                break
    return found


def meaning_problems(
    draft: str, answer: str, harsh: Iterable[tuple[int, int]], language: str | None
) -> list[Problem]:
    """`dropped_content` / `changed_claim` for an answer (restored text) to a softening."""
    english = (language or "en") == "en"
    kinds = {f.name: f.kind for f in FAMILIES}
    needed = families_in(draft, harsh, english)
    said = families_in(answer, (), english, kept=True)
    gone = sorted(needed - said)
    if not gone:
        return []
    new_channels = sorted(
        name
        for name in said - families_in(draft, (), english, kept=True)
        if kinds[name] == "channel"
    )
    lost_channels = [name for name in gone if kinds[name] == "channel"]
    if lost_channels and new_channels:
        return [
            Problem(
                f"changed_claim: says {new_channels[0]} where the draft says {lost_channels[0]}",
                f"The draft says {lost_channels[0]}; your answer says {new_channels[0]} "
                "instead. Keep what the draft says the customer can do and how.",
            )
        ]
    return [
        Problem(
            "dropped_content: left out what the draft says about " + ", ".join(gone),
            "Your answer left out part of what the draft says (" + ", ".join(gone) + "). "
            "Keep every consequence, channel, limit and day of the draft; only soften the tone.",
        )
    ]


# -- sign-offs --------------------------------------------------------------------------------

_CLOSINGS = re.compile(
    r"(?i)^(?:best(?: regards| wishes)?|kind regards|warm(?:est)? regards|regards|warmly|"
    r"sincerely|yours(?: sincerely| truly)?|cheers|thanks(?: again)?|thank you|many thanks|"
    r"all the best|take care|with thanks|saludos|un saludo|atentamente|cordialmente|"
    r"mit freundlichen grüßen|viele grüße|beste grüße|liebe grüße|grüße|cordialement|"
    r"bien à vous|bien cordialement|amitiés|atenciosamente|abraços|cumprimentos|"
    r"melhores cumprimentos)\b[ \t]*[,.!—–-]*[ \t]*(.*)$"
)
_NAME = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)
# Words a sign-off may hold besides the agent's name.
_SIGNOFF_TEXT = (
    "the team support customer service care crew desk help your our and from of at el la le "
    "les das der die equipo équipe equipe suporte soporte kundenservice atendimento servicio"
)
_SIGNOFF_WORDS = frozenset(_SIGNOFF_TEXT.split())


def signoff_problems(
    answer: str, customer_name: str, agent_name: str, draft: str, allowed: Iterable[str]
) -> list[Problem]:
    """`wrong_signoff`: the answer signs off with the customer's name, or with a name that is
    neither the agent's, nor in the draft, nor in the team's own sign-off text."""
    signer = _signer(answer)
    if not signer:
        return []
    tokens = [t.strip(".'’-") for t in _NAME.findall(signer)]
    customer = {t.lower() for t in _NAME.findall(customer_name)}
    agent = {t.lower() for t in _NAME.findall(agent_name)}
    if any(t.lower() in customer - agent for t in tokens):
        return [
            Problem(
                f"wrong_signoff: signed off with the customer's name ('{signer}')",
                "You signed the reply with the customer's name; sign it as the agent"
                + (f" ({agent_name})." if agent_name else ", without a name."),
            )
        ]
    known = agent | {t.lower() for t in _NAME.findall(draft + " " + " ".join(allowed))}
    strangers = [
        t for t in tokens if t[:1].isupper() and t.lower() not in known | _SIGNOFF_WORDS
    ]
    if strangers:
        return [
            Problem(
                f"wrong_signoff: signed off as '{signer}', not as the agent",
                "You signed the reply with a name that is not the agent's; "
                + (f"sign it as {agent_name}." if agent_name else "leave the name out."),
            )
        ]
    return []


_GREETING = re.compile(
    r"(?i)^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hola|estimad[oa]|hallo|"
    r"liebe[rs]?|sehr geehrte[rs]?|bonjour|cher|chère|olá|oi|prezad[oa])\b[ \t]+([^,!:\n]{1,40})"
)


def greeting_problems(
    answer: str, customer_name: str, agent_name: str, draft: str = ""
) -> list[Problem]:
    """`wrong_greeting`: the answer greets someone by a name that is not the customer's (the
    agent's own name, or a name neither the customer's nor in the draft's own greeting)."""
    first = next((line.strip() for line in answer.splitlines() if line.strip()), "")
    match = _GREETING.match(first)
    if match is None:
        return []
    customer = {t.lower() for t in _NAME.findall(customer_name)}
    agent = {t.lower() for t in _NAME.findall(agent_name)}
    greeted = _GREETING.match(next((x.strip() for x in draft.splitlines() if x.strip()), ""))
    if greeted:  # the draft's own greeting names the customer
        customer |= {t.lower() for t in _NAME.findall(greeted.group(1))} - agent
    words = {"there", "team", "all", "everyone", "customer", "friend", "sir", "madam"}
    names = [
        t for t in _NAME.findall(match.group(1))
        if t[:1].isupper() and t.lower() not in customer | words | _SIGNOFF_WORDS
    ]
    if not names:
        return []
    whose = (
        "the agent's own name" if names[0].lower() in agent else "a name that is not the customer's"
    )
    return [
        Problem(
            f"wrong_greeting: greeted the customer with {whose} ('{names[0]}')",
            "You greeted the customer with a name that is not theirs; "
            + (f"greet {customer_name}." if customer_name else "greet them without a name."),
        )
    ]


_SLOT_SIGNER = re.compile(r"(?i)^(?:\[[^\]\n]{1,40}\]|\{[^}\n]{1,40}\}|not known|unknown)$")


def fix_signoff(answer: str, customer_name: str, agent_name: str) -> tuple[str, str | None]:
    """The answer with a made-up signer put right: a sign-off line that holds a template slot
    ("[Your Name]"), "Not known" or the customer's own name is replaced by the agent's name,
    or dropped when it is not known (the closing word stays). Returns (text, what was done).
    Any other strange name is left for `wrong_signoff` to reject."""
    lines = answer.rstrip().split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 2:
        return answer, None
    last, before = filled[-1], filled[-2]
    closing = _CLOSINGS.match(lines[before].strip())
    if closing is None or closing.group(1).strip() or len(lines[last].split()) > 4:
        return answer, None
    signer = lines[last].strip().strip(" ,.!—–-")
    customer = {t.lower() for t in _NAME.findall(customer_name)}
    agent = {t.lower() for t in _NAME.findall(agent_name)}
    names = {t.lower() for t in _NAME.findall(signer)}
    made_up = _SLOT_SIGNER.match(signer) or (names and names <= customer and not names & agent)
    if not made_up:
        return answer, None
    kept = lines[:last] + ([agent_name.strip()] if agent_name.strip() else [])
    text = "\n".join(kept).rstrip()
    what = f"Signed as {agent_name.strip()}" if agent_name.strip() else "Left the name out"
    return text, f"{what} where the model's sign-off had '{signer}'."


def _signer(answer: str) -> str:
    """Who the answer's closing names: the rest of a closing line ("Best, Toby") or the short
    line after it; '' without a closing in the last three lines."""
    lines = [line.strip() for line in answer.strip().splitlines() if line.strip()]
    tail = lines[-3:]
    for index, line in enumerate(tail):
        match = _CLOSINGS.match(line)
        if match is None or len(line.split()) > 8:
            continue
        rest = match.group(1).strip(" ,.!")
        if rest:
            return rest if len(rest.split()) <= 4 else ""
        following = tail[index + 1 : index + 2]
        if following and len(following[0].split()) <= 4:
            return following[0].strip(" ,.!—–-")
        return ""
    return ""
