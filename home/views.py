"""sitemap.xml and robots.txt, at the root of the site (no language prefix)."""

from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from home.sitemaps import PagesSitemap


@require_GET
@cache_control(max_age=3600, public=True)
def sitemap(request):
    return sitemap_view(request, {"pages": PagesSitemap(request)})


def _prefix(url: str) -> str:
    """The first two segments of a path: /fr/compte/connexion/ → /fr/compte/."""
    return "/".join(url.split("/")[:3]) + "/"


def disallowed_paths() -> list[str]:
    """What robots should not crawl: the admin, and in every language the basket, checkout and account pages."""
    from django.conf import settings

    paths = [reverse("wagtailadmin_home")]
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            paths += [_prefix(reverse("checkout:basket")), _prefix(reverse("account:login"))]
    return list(dict.fromkeys(paths))


@require_GET
@cache_control(max_age=3600, public=True)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallowed_paths()), "Allow: /", ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('seo_sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
