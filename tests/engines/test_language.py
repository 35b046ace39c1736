"""The one language detector (api.engines.language)."""

from __future__ import annotations

import pytest

from api.engines.language import detect_language, language_name

# Written for this test: the same short support reply in each language.
REPLIES = {
    "en": "Thanks for waiting. Your order left our warehouse yesterday and arrives on Friday.",
    "es": "Gracias por esperar. Tu pedido salió ayer de nuestro almacén y llega el viernes.",
    "de": "Danke fürs Warten. Ihre Bestellung hat gestern unser Lager verlassen.",
    "fr": "Merci de votre patience. Votre commande a quitté notre entrepôt hier.",
    "pt": "Obrigado por esperar. O seu pedido saiu ontem do nosso armazém e chega na sexta.",
    "pl": "Dziękujemy za cierpliwość. Zamówienie opuściło wczoraj nasz magazyn.",
    "tr": "Beklediğiniz için teşekkürler. Siparişiniz dün depomuzdan çıktı.",
    "cs": "Děkujeme za trpělivost. Vaše objednávka včera opustila náš sklad.",
}


@pytest.mark.parametrize(("code", "text"), REPLIES.items())
def test_each_language_is_recognised(code, text):
    assert detect_language(text) == code


@pytest.mark.parametrize("text", ["Best, Sam", "Saludos, Ana", "OK", "#4821 $20.00 2026-01-02", ""])
def test_too_little_text_is_unknown(text):
    assert detect_language(text) is None


def test_facts_and_placeholders_do_not_sway_it():
    text = (
        "Dziękujemy za cierpliwość ⟦F1⟧. Zamówienie ⟦F2⟧ "
        "https://example.com/track/order opuściło magazyn."
    )
    assert detect_language(text) == "pl"


def test_names():
    assert language_name("pl") == "Polish"
    assert language_name("xx") == "xx"
