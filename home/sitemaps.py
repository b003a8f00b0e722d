"""sitemap.xml: the live pages of every language, each with its translations as hreflang alternates.

Wagtail's own sitemap lists the tree of the site's root page in the
current language only (the French one): this one lists the trees of all
the root's translations.
"""

from collections import defaultdict
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Q
from wagtail.models import Page, Site

from home.seo import absolute


class PagesSitemap(Sitemap):
    """Every live, public page under a site root or a translation of it, in tree order."""

    def __init__(self, request):
        self.request = request

    def items(self):
        if not hasattr(self, "_pages"):
            roots = [root.root_path for root in Site.get_site_root_paths()]
            if not roots:
                self._pages = []
            else:
                self._pages = list(
                    Page.objects.live()
                    .public()
                    .filter(reduce(or_, (Q(url_path__startswith=r) for r in roots)))
                    .select_related("locale")
                    .order_by("path")
                )
        return self._pages

    def get_urls(self, page=1, site=None, protocol=None):
        translations = defaultdict(list)
        for item in self.items():
            translations[item.translation_key].append(item)
        urls = []
        latest = None
        for item in self.paginator.page(page).object_list:
            location = absolute(self.request, item.get_url(self.request))
            alternates = [
                {
                    "lang_code": other.locale.language_code,
                    "location": absolute(self.request, other.get_url(self.request)),
                }
                for other in translations[item.translation_key]
            ]
            default = next((a for a in alternates if a["lang_code"] == settings.LANGUAGE_CODE), None)
            if default is not None and len(alternates) > 1:
                alternates.append({"lang_code": "x-default", "location": default["location"]})
            lastmod = item.last_published_at
            if lastmod is not None and (latest is None or lastmod > latest):
                latest = lastmod
            urls.append({"item": item, "location": location, "lastmod": lastmod, "alternates": alternates})
        if latest is not None:
            self.latest_lastmod = latest
        return urls
