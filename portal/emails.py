"""Sending the portal's e-mails: one message, three templates, one language.

Every e-mail is `<name>_subject.txt`, `<name>.txt` and `<name>.html`,
rendered in the recipient's language. The subject and the text part are
plain text: they are rendered without HTML escaping (an apostrophe in a
shop's pick-up instructions must not arrive as `&#x27;`); the HTML part is
escaped as usual.

The recipient's language: a customer's is their order's; an account's
(merchant, editor) is the language they chose for the admin (Wagtail's
`UserProfile.preferred_language`), else the site's default. An e-mail to
several people is sent once per recipient, each in their own language.
"""

from collections.abc import Iterable
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Model
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation
from wagtail.users.models import UserProfile

from portal import bounces


def site_language(code: str | None) -> str:
    """`code` as one of the site's languages ("en-gb" → "en"); the default language for none or another."""
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


def account_languages(user_ids: Iterable[int]) -> dict[int, str]:
    """The language each account is written to in, by user id (one query).

    Not `UserProfile.get_preferred_language()`: without a choice it answers
    the language active in the process, which in a task is nobody's.
    """
    user_ids = set(user_ids)
    if not user_ids:
        return {}
    chosen = dict(UserProfile.objects.filter(user_id__in=user_ids).values_list("user_id", "preferred_language"))
    return {user_id: site_language(chosen.get(user_id)) for user_id in user_ids}


def account_language(user) -> str:
    return account_languages([user.pk])[user.pk] if user is not None and user.pk else settings.LANGUAGE_CODE


def render_plain_text(template_name: str, context: dict) -> str:
    """Render a Django template with autoescaping off, for a text/plain part."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def send_templated_email(
    template: str, context: dict, to: str, language: str, inline_images=(), about: Model | None = None
) -> None:
    """Send `template` (a path without extension) to `to` in `language`.

    `inline_images`: (content id, PNG bytes) pairs that the HTML part shows
    as `cid:` images. `about`: the order, shop or registration the e-mail
    concerns, which a bounce of it is recorded against (`portal.bounces`):
    with `BOUNCE_ADDRESS` set, the envelope sender is that address with the
    token of a `SentEmail` row; the `From:` header is `DEFAULT_FROM_EMAIL`.
    Called inside the caller's transaction, the row goes if the send fails.
    """
    with translation.override(language):
        subject = " ".join(render_plain_text(f"{template}_subject.txt", context).split())
        text = render_plain_text(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    sent = bounces.record_sent(template, to, about)
    # Django's SMTP backend gives `from_email` as MAIL FROM; the header From comes from `headers` when set.
    message = EmailMultiAlternatives(
        subject,
        text,
        bounces.envelope_sender(sent),
        [to],
        headers={"From": settings.DEFAULT_FROM_EMAIL, "Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    if inline_images:
        message.mixed_subtype = "related"
        for cid, png in inline_images:
            image = MIMEImage(png, "png")
            image.add_header("Content-ID", f"<{cid}>")
            image.add_header("Content-Disposition", "inline", filename=f"{cid.split('@')[0]}.png")
            message.attach(image)
    message.send()
