"""`{% load legal_tags %}{% legal_url "terms" as terms_url %}`: links to the platform's legal pages.

A tag library rather than a context value, so that checkout and shops
templates can link the pages of `home` without their Python importing it
(imports go home → checkout → markets → shops → portal).
"""

from django import template

from home.legal import legal_page_url, site_cookies

register = template.Library()


@register.simple_tag(takes_context=True)
def legal_url(context, kind: str) -> str:
    """The URL of the live legal page of `kind` (a `home.models.LegalKind` value) in the visitor's language."""
    return legal_page_url(kind, context.get("request"))


@register.simple_tag(name="site_cookies")
def site_cookies_tag():
    """`{% site_cookies as cookies %}`: the cookies this site and Stripe.js set (see `home.legal.site_cookies`)."""
    return site_cookies()
