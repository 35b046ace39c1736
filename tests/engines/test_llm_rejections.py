"""Every way a model answer can be wrong, through the real app, Redis and the scripted
OpenAI-protocol server answering exactly that way: each is rejected with its reason in
`checks.rejected`, answered with the offline rewrite, and never cached."""

from __future__ import annotations

import pytest

from api.engines.llm import tone
from tests.support.fake_openai import Answer

DRAFT = (
    "Your order #48213 went back to our warehouse because the label was damaged. "
    "We can't refund the $25.00 shipping, but we will resend the parcel on March 3."
)
MESSAGE = "I want my shipping money back! Where is my order? It was due last week."
BODY = {
    "draft": DRAFT,
    "customer_name": "Maria",
    "agent_name": "Sam",
    "customer_message": MESSAGE,
}
GOOD = "Hi Maria,\n\nThanks for your patience. {draft}\n\nBest,\nSam"


def greet(text: str) -> str:
    return GOOD.format(draft=text)


# reason code -> (what the model answers, request overrides)
CASES: dict[str, tuple[object, dict]] = {
    "prompt_echo": (lambda r: r.messages[-1]["content"], {}),
    "prompt_echo:not-known": (
        lambda r: "Hi there,\n\nThanks for waiting. " + r.draft + "\n\nBest, Not known",
        {"customer_name": None, "agent_name": None},
    ),
    "prompt_echo:instructions": (
        lambda r: (
            greet(r.draft) + "\nCopy every placeholder exactly as written, each one at least once."
        ),
        {},
    ),
    "unchanged": (lambda r: r.draft, {}),
    "duplicated": (lambda r: greet(r.draft + "\n\n" + r.draft), {}),
    "repetition": (
        lambda r: greet(
            r.draft + " We are sorry for the trouble this caused you."
            " We are sorry for the trouble this caused you."
        ),
        {},
    ),
    "parroted_customer": (
        lambda r: "Hi Maria,\n\nWhere is my order? It was due last week. " + r.draft,
        {},
    ),
    "customer_voice": (
        lambda r: greet("I want my shipping money back. " + r.draft),
        {},
    ),
    "flipped_claim": (lambda r: greet(r.draft.replace("can't refund", "can refund")), {}),
    "wrong_language": (
        lambda r: (
            "Hallo Maria, Ihre Bestellung ⟦F1⟧ ist wieder in unserem Lager, weil das "
            "Etikett beschädigt war. Wir können die Versandkosten von ⟦F2⟧ nicht erstatten, aber "
            "wir schicken das Paket am ⟦F3⟧ erneut. Viele Grüße, Sam"
        ),
        {},
    ),
    "mixed_language": (
        lambda r: "Hi Maria,\n\nThanks for your patience. " + r.draft + "\n\nSaludos,\nSam",
        {},
    ),
    "template_slot": (
        lambda r: "Hi [Customer Name],\n\n" + r.draft + "\n\nBest,\n[Your Name]",
        {},
    ),
    "template_slot:braces": (lambda r: "Hi {name},\n\n" + r.draft + "\n\nBest,\nSam", {}),
    "placeholder_lost": (lambda r: greet(r.draft.replace("⟦F1⟧", "your order")), {}),
    "placeholder_invented": (lambda r: greet(r.draft + " Your case is ⟦F9⟧."), {}),
    "fact_invented": (lambda r: greet(r.draft + " We added a $40 credit."), {}),
}


@pytest.fixture()
def app(scripted_app):
    return scripted_app


def post(app, body: dict, stream: bool = False) -> dict:
    client = app.test_client()
    response = client.post(
        "/v1/rewrite",
        json={**body, "stream": stream} if stream else body,
        headers=app.config["TEST_AUTH"],
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_a_good_answer_is_accepted_and_cached(app, fake):
    fake.default = Answer(
        lambda r: greet(r.draft.replace("because the label was damaged", "as its label was torn"))
    )
    first = post(app, BODY)
    assert first["engine"] == "openai" and first["checks"]["rejected"] == []
    assert post(app, BODY)["cached"] is True
    assert len(fake.requests) == 1


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_answer_is_rejected_falls_back_and_is_never_cached(app, fake, case):
    answer, overrides = CASES[case]
    fake.default = Answer(answer)
    body = {**BODY, **overrides}
    reason = case.split(":")[0]
    for attempt in range(2):
        result = post(app, body)
        assert result["engine"] == "offline", result["rewrite"]
        assert result["cached"] is False
        reasons = {
            r.removeprefix("after one repair attempt: ").split(":")[0]
            for r in result["checks"]["rejected"]
        }
        assert reason in reasons, result["checks"]["rejected"]
        assert result["checks"]["passed"]
        assert any("used the offline engine" in w for w in result["warnings"])
    # Both requests reached the model again: nothing was cached.
    assert len([r for r in fake.requests if not r.is_repair]) == 2


@pytest.mark.parametrize("case", ["prompt_echo", "duplicated", "repetition"])
def test_hopeless_answers_get_no_repair_attempt(app, fake, case):
    fake.default = Answer(CASES[case][0])
    post(app, BODY)
    assert len(fake.requests) == 1


def test_the_repair_repeats_the_original_request_and_never_shows_the_answer(app, fake):
    fake.script(Answer(CASES["placeholder_lost"][0]))
    fake.default = Answer(lambda r: greet(r.draft))
    result = post(app, BODY)
    first, repair = fake.requests
    assert repair.is_repair and not first.is_repair
    assert [m["role"] for m in repair.messages] == ["system", "user"]
    assert repair.messages[0] == first.messages[0]
    assert repair.messages[1]["content"].startswith(first.messages[1]["content"])
    assert "your order" not in repair.text  # the rejected answer's own words
    assert "#48213" not in repair.text and "⟦F1⟧" in repair.messages[1]["content"]
    assert result["engine"] == "openai"
    assert result["checks"]["rejected"][0].startswith("placeholder_lost:")


def test_stream_of_a_rejected_answer_ends_with_the_offline_text(app, fake):
    fake.default = Answer(lambda r: "<draft>\n" + r.messages[-1]["content"], chunk_size=5)
    client = app.test_client()
    response = client.post(
        "/v1/rewrite", json={**BODY, "stream": True}, headers=app.config["TEST_AUTH"]
    )
    raw = response.get_data(as_text=True)
    assert "<draft>" not in raw.split("event: result")[0]
    assert '"corrected": true' in raw
    assert '"engine": "offline"' in raw


def test_harsh_sentence_left_in_is_rejected(app, fake, monkeypatch):
    """The tone analyser's findings reject an answer (a stand-in analyser until it lands)."""

    class Finding:
        category, text = "blaming", "because you"

        def __init__(self, sentence: str) -> None:
            self.sentence = sentence

    def analyse(text: str, language: str) -> list[Finding]:
        return [Finding(s) for s in text.split(". ") if "because you" in s.lower()]

    monkeypatch.setattr(tone, "_ANALYSE", analyse)
    fake.default = Answer(lambda r: greet(r.draft.replace("because the label", "because you")))
    result = post(app, BODY)
    assert result["engine"] == "offline"
    assert any(r.split(":")[0].endswith("harsh_tone") for r in result["checks"]["rejected"])


def test_model_usage_counts_every_call_of_a_rejected_answer(app, fake):
    from api.engines.llm.calls import LLMRejected
    from api.services import app_services

    fake.default = Answer(CASES["placeholder_lost"][0], usage=(700, 90))
    with app.app_context():
        engine = app_services().engine
        from api.types import RewriteJob

        with pytest.raises(LLMRejected) as caught:
            engine.rewrite(RewriteJob(draft=DRAFT, preset={"slug": "warm"}))
    assert caught.value.model_usage == {"prompt_tokens": 1400, "completion_tokens": 180, "calls": 2}


def test_names_with_contact_details_never_reach_the_model(app, fake):
    fake.default = Answer(lambda r: greet(r.draft))
    post(
        app,
        {**BODY, "customer_name": "maria.lopez@example.org", "agent_name": "Sam +44 20 7946 0958"},
    )
    seen = fake.requests[0].text
    assert "maria.lopez@example.org" not in seen and "7946" not in seen


POLISH = (
    "Niestety nie możemy zwrócić kosztów wysyłki. Paczka wróciła do magazynu, "
    "ponieważ etykieta była uszkodzona. Wyślemy ją ponownie w przyszłym tygodniu."
)
TURKISH = (
    "Maalesef kargo ücretini iade edemiyoruz. Paket, etiketi hasarlı olduğu için depomuza "
    "geri döndü. Paketi önümüzdeki hafta tekrar göndereceğiz."
)
CZECH = (
    "Bohužel vám nemůžeme vrátit poštovné. Balík se vrátil do našeho skladu, protože štítek "
    "byl poškozený. Balík vám znovu pošleme příští týden, jakmile bude připravený."
)
ENGLISH = (
    "Hi,\n\nUnfortunately we cannot refund the shipping cost. The parcel came back to our "
    "warehouse because its label was damaged. We will send it again next week."
)


@pytest.mark.parametrize(
    ("draft", "answer", "reason"),
    [
        (POLISH, lambda r: ENGLISH, "wrong_language"),
        (TURKISH, lambda r: ENGLISH, "wrong_language"),
        (CZECH, lambda r: ENGLISH, "wrong_language"),
        (
            POLISH,
            lambda r: "Dzień dobry,\n\n" + r.draft + "\n\nBest regards,\nSam",
            "mixed_language",
        ),
        (TURKISH, lambda r: "Merhaba,\n\n" + r.draft + "\n\nKind regards,\nSam", "mixed_language"),
    ],
    ids=["pl-en", "tr-en", "cs-en", "pl-signoff", "tr-signoff"],
)
def test_an_answer_not_in_the_drafts_language_is_rejected(app, fake, draft, answer, reason):
    fake.default = Answer(answer)
    result = post(app, {"draft": draft, "agent_name": "Sam"})
    assert result["engine"] == "offline"
    assert result["cached"] is False
    reasons = {
        r.removeprefix("after one repair attempt: ").split(":")[0]
        for r in result["checks"]["rejected"]
    }
    assert reason in reasons, result["checks"]["rejected"]


def test_a_reply_in_the_drafts_language_is_accepted_and_asked_for_a_translated_signoff(app, fake):
    fake.default = Answer(lambda r: "Dzień dobry,\n\n" + r.draft + "\n\nPozdrawiam,\nSam")
    result = post(app, {"draft": POLISH, "agent_name": "Sam"})
    assert result["engine"] == "openai", result["checks"]["rejected"]
    assert "translated into the reply's language" in fake.requests[0].messages[0]["content"]
