"""`{% load seo_tags %}`: the `<head>` tags machines read (`{% seo_head %}`) and the share links of a page."""

from django import template

from home import seo

register = template.Library()


@register.inclusion_tag("includes/seo_head.html", takes_context=True)
def seo_head(context):
    """Meta description, canonical, robots, hreflang, Open Graph, Twitter card and JSON-LD of the page in context."""
    return seo.page_head(context)


@register.inclusion_tag("includes/share_links.html", takes_context=True)
def share_links(context, page):
    """Links to share `page` by e-mail and on the networks, as plain URLs, plus copy and Web Share buttons."""
    request = context.get("request")
    url = seo.absolute(request, page.get_url(request))
    title = page.seo_title or page.title
    return {"share_url": url, "share_title": title, "share_links": seo.share_links(url, title)}
