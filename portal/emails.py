"""Sending the portal's e-mails: one message, three templates, one language.

Every e-mail is `<name>_subject.txt`, `<name>.txt` and `<name>.html`,
rendered in the recipient's language. The subject and the text part are
plain text: they are rendered without HTML escaping (an apostrophe in a
shop's pick-up instructions must not arrive as `&#x27;`); the HTML part is
escaped as usual.
"""

from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


def render_plain_text(template_name: str, context: dict) -> str:
    """Render a Django template with autoescaping off, for a text/plain part."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def send_templated_email(template: str, context: dict, to: str, language: str, inline_images=()) -> None:
    """Send `template` (a path without extension) to `to` in `language`.

    `inline_images`: (content id, PNG bytes) pairs that the HTML part shows
    as `cid:` images.
    """
    with translation.override(language):
        subject = " ".join(render_plain_text(f"{template}_subject.txt", context).split())
        text = render_plain_text(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers={"Content-Language": language}
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
