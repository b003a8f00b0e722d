"""English out of date: the English translations that have French text not translated yet.

A translation (wagtail-localize's `Translation`, target locale English,
enabled) is out of date when some string segment of its source has no
valid English string translation: what `Translation.get_progress()` counts
as the difference between its two numbers. Segments change when the
source is synchronised (localize's "Sync translated pages", or the sync
made on publish), so a French text edited since the translation shows up
here with the number of its new segments.

Who sees which rows: a page's translation when the user may change both
the French page and its English version (Wagtail's page permissions: an
editor's market subtree, a merchant's shop and products), a partner
contact's when it belongs to one of the user's territories
(markets.localize_access.partner_contacts_edited_by); superusers see all.

Counts are computed in the database, in the listing's one query, the way
`get_progress()` computes them for one translation: the list costs the
same number of queries whatever its length.
"""

from django.core.paginator import Paginator
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.admin.auth import permission_denied
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail_localize.models import StringSegment, StringTranslation, Translation

from markets.editors import may_submit_translations
from markets.localize_access import partner_contacts_edited_by
from markets.models import PartnerContact

ENGLISH = "en"
PER_PAGE = 50


def _count(queryset):
    # COUNT over a correlated subquery, without GROUP BY: one row, even when nothing matches.
    return Coalesce(
        Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1]),
        0, output_field=IntegerField(),
    )


def with_progress(translations):
    """`translations` annotated with `total_segments` and `untranslated_segments`, as get_progress() counts them."""
    segments = StringSegment.objects.filter(source_id=OuterRef("source_id"))
    untranslated = segments.annotate(
        # Django has no nested OuterRef: carry the target locale down one level, as localize's report does.
        _target_locale_id=OuterRef("target_locale_id"),
        is_translated=Exists(StringTranslation.objects.filter(
            translation_of_id=OuterRef("string_id"),
            context_id=OuterRef("context_id"),
            locale_id=OuterRef("_target_locale_id"),
            has_error=False,
        )),
    ).filter(is_translated=False)
    return translations.annotate(total_segments=_count(segments), untranslated_segments=_count(untranslated))


def _visible_to(user, translations):
    if user.is_superuser:
        return translations
    editable = PagePermissionPolicy().instances_user_has_any_permission_for(user, {"change"})
    pages = Q(
        Exists(editable.filter(translation_key=OuterRef("source__object_id"), locale_id=OuterRef("source__locale_id"))),
        Exists(editable.filter(translation_key=OuterRef("source__object_id"), locale_id=OuterRef("target_locale_id"))),
    )
    scope = pages
    if user.has_perm("markets.change_partnercontact"):
        scope |= Q(source__object_id__in=partner_contacts_edited_by(user).values("translation_key"))
    return translations.filter(scope)


def english_out_of_date(user):
    """The enabled English translations `user` may work on that have untranslated segments, with their counts.

    Each row carries `total_segments`, `untranslated_segments`, and the id
    of its English page (`target_page_id`) or partner contact
    (`target_partner_id`) for the link to the translation editor.
    """
    translations = Translation.objects.filter(target_locale__language_code=ENGLISH, enabled=True)
    target = {"translation_key": OuterRef("source__object_id"), "locale_id": OuterRef("target_locale_id")}
    return (
        with_progress(_visible_to(user, translations))
        .filter(untranslated_segments__gt=0)
        .annotate(
            target_page_id=Subquery(Page.objects.filter(**target).values("pk")[:1]),
            target_partner_id=Subquery(PartnerContact.objects.filter(**target).values("pk")[:1]),
        )
        .select_related("source", "source__specific_content_type", "target_locale")
        .order_by("source__object_repr", "pk")
    )


def editor_url(translation) -> str | None:
    """The English version's edit view, which wagtail-localize turns into its translation editor."""
    if translation.target_page_id is not None:
        return reverse("wagtailadmin_pages:edit", args=[translation.target_page_id])
    if translation.target_partner_id is not None:
        return reverse("wagtailsnippets_markets_partnercontact:edit", args=[translation.target_partner_id])
    return None


def _kind(translation) -> str:
    model = translation.source.specific_content_type.model_class()
    return model._meta.verbose_name if model is not None else translation.source.specific_content_type.model


def out_of_date_view(request):
    if not may_submit_translations(request.user):
        return permission_denied(request)
    page = Paginator(english_out_of_date(request.user), PER_PAGE).get_page(request.GET.get("p"))
    rows = [
        {
            "title": translation.source.object_repr,
            "kind": _kind(translation),
            "untranslated": translation.untranslated_segments,
            "total": translation.total_segments,
            "url": editor_url(translation),
        }
        for translation in page
    ]
    return TemplateResponse(request, "markets/admin/english_out_of_date.html", {
        "rows": rows, "page_obj": page,
        "page_title": _("Anglais à mettre à jour"), "header_title": _("Anglais à mettre à jour"),
        "header_icon": "site",
    })
