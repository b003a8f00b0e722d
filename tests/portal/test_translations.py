"""The committed catalogues: English complete, nothing fuzzy, placeholders kept."""

import re
from pathlib import Path

from babel.messages.pofile import read_po
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")


def _catalogue(code):
    with (LOCALE / code / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po, locale=code)


def _strings(message):
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def test_every_english_message_is_translated_with_its_placeholders():
    untranslated, broken = [], []
    for message in _catalogue("en"):
        if not message.id:
            continue
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        for translated in _strings(message):
            if not translated or "fuzzy" in message.flags:
                untranslated.append(source)
            elif sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translated)):
                broken.append(source)
    assert untranslated == []
    assert broken == []


def test_the_english_catalogue_is_what_english_visitors_get(db):
    # Given the compiled catalogues (make test compiles them first)
    with translation.override("en"):
        assert translation.gettext("Ajouter au panier") == "Add to basket"
    # French is the source language: its strings come back unchanged
    with translation.override("fr"):
        assert translation.gettext("Ajouter au panier") == "Ajouter au panier"
    assert Client().get("/en/").headers["Content-Language"] == "en"
