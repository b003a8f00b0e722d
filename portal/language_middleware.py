"""Django's LocaleMiddleware, minus its language redirect for the routes that have no language prefix.

On a 404, Django's middleware tries the path again behind the active language
(/admin/nothing/ -> /fr/admin/nothing/) and redirects there when that path
resolves. Wagtail's page-serving pattern (inside i18n_patterns) resolves
every path, so an unknown admin URL was first redirected to a public /fr/
page that does not exist, then answered 404 there. The admin, documents,
webhooks and the other routes declared outside i18n_patterns in
portal.urls never live under a language: a 404 there is final.

The language itself is chosen as before (process_request is Django's): the
admin's views then activate the user's own preference.
"""


from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from portal import locale_cache


def outside_language_routes(path_info: str, urlconf=None) -> bool:
    """Whether `path_info` falls under an include() of the root urlconf that has no language prefix."""
    path = path_info.lstrip("/")
    for pattern in get_resolver(urlconf).url_patterns:
        if not isinstance(pattern, URLResolver) or isinstance(pattern.pattern, LocalePrefixPattern):
            continue
        if pattern.pattern.match(path):
            return True
    return False


class LocaleMiddleware(DjangoLocaleMiddleware):
    """A 404 under /admin/, /documents/, /checkout/… stays a 404 instead of a redirect to /fr/….

    It also gives the request its Wagtail site from the process's snapshot
    (portal.locale_cache), found once per request like the language.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self.language_prefixes = tuple(f"/{code}/" for code, _name in settings.LANGUAGES)

    def process_request(self, request):
        super().process_request(request)
        # Wagtail's Site.find_for_request keeps its answer there: the pages and the views under a language
        # prefix then ask no query for it. Others (/healthz, which must answer without a database, the admin)
        # leave it to Wagtail.
        if request.path_info.startswith(self.language_prefixes):
            request._wagtail_site = locale_cache.site_for_request(request)

    def process_response(self, request, response):
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if response.status_code == 404 and outside_language_routes(request.path_info, urlconf):
            patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", get_language())
            return response
        return super().process_response(request, response)
