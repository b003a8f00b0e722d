"""E-mails: plain text stays plain, HTML stays escaped, in the recipient's language."""

from types import SimpleNamespace

from django.core import mail

from portal.emails import send_templated_email


def test_text_part_and_subject_are_not_html_escaped_but_the_html_part_is(settings):
    # Given a rejection whose reason and names hold characters HTML escapes
    registration = SimpleNamespace(
        contact_name="Anne-Sophie O'Neill",
        trade_name="L'Atelier <Bois & Fer>",
        territory=SimpleNamespace(name="Pays d'Auray"),
        rejection_reason="Une enseigne d'une chaîne « nationale » n'est pas un commerce indépendant.",
    )

    # When it is sent in French
    send_templated_email("markets/emails/rejection", {"registration": registration, "market": None}, "a@example.org", "fr")

    # Then subject and text carry the characters as typed; the HTML escapes them
    [message] = mail.outbox
    assert message.subject == "Votre inscription au marché de Noël (Pays d'Auray)"
    assert "Bonjour Anne-Sophie O'Neill," in message.body
    assert "L'Atelier <Bois & Fer>" in message.body
    assert "Une enseigne d'une chaîne « nationale » n'est pas un commerce indépendant." in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "L&#x27;Atelier &lt;Bois &amp; Fer&gt;" in html
    assert message.extra_headers["Content-Language"] == "fr"


def test_the_same_e_mail_in_english_for_an_english_recipient():
    registration = SimpleNamespace(
        contact_name="Ann", trade_name="Ann's", territory=SimpleNamespace(name="Auray"), rejection_reason="-"
    )

    send_templated_email("markets/emails/rejection", {"registration": registration, "market": None}, "a@example.org", "en")

    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "en"
    assert message.body.startswith("Hello Ann,")
