"""Admin views of onboarding: registrations (editors), terms acceptance (merchants).

Model permissions on registrations and partner contacts are global; what
an editor sees is narrowed here to their territories (markets.editors), in
listings and on every URL that names an object.
"""

import datetime
from decimal import Decimal
from urllib.parse import unquote as url_unquote
from urllib.parse import urlsplit

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import InspectView
from wagtail.admin.viewsets.model import ModelViewSet

from markets import onboarding
from markets.editors import territories_edited_by
from markets.forms import RejectionForm, TermsAcceptanceForm
from markets.merchants import is_merchant
from markets.middleware import is_admin_page
from markets.models import MerchantRegistration
from portal import converters  # noqa: F401 (registers <pk:...>)
from portal.client_ip import client_ip
from portal.dates import short_date, short_datetime
from portal.money import euros


def registrations_visible_to(user):
    return MerchantRegistration.objects.filter(territory__in=territories_edited_by(user))


class TerritoryScopedMixin:
    """Limits a generic admin view to objects of the user's territories.

    Listings filter their queryset; a URL naming another territory's object
    is refused before the view does anything.
    """

    territory_lookup = "territory__in"

    def scoped_queryset(self):
        return self.model._default_manager.filter(
            **{self.territory_lookup: territories_edited_by(self.request.user)}
        )

    def dispatch(self, request, *args, **kwargs):
        pk = kwargs.get("pk")
        if pk is not None and not self.scoped_queryset().filter(pk=unquote(str(pk))).exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        return super().get_base_queryset().filter(pk__in=self.scoped_queryset().values("pk"))


def scoped(view_class):
    return type(view_class.__name__, (TerritoryScopedMixin, view_class), {})


def scope_viewset_views(viewset_class):
    """Wrap every view class of a viewset (listing and per-object) in TerritoryScopedMixin."""
    for name in dir(viewset_class):
        if name.endswith("_view_class") and name not in ("add_view_class", "preview_on_add_view_class"):
            view_class = getattr(viewset_class, name)
            if isinstance(view_class, type) and not issubclass(view_class, TerritoryScopedMixin):
                setattr(viewset_class, name, scoped(view_class))
    return viewset_class


class TerritoryChoiceForm(WagtailAdminModelForm):
    """An editor files what they create under one of their own territories."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is not None and not user.is_superuser and "territory" in self.fields:
            self.fields["territory"].queryset = territories_edited_by(user)
            self.fields["territory"].required = True


# Registrations ------------------------------------------------------------


def _registration_for(request, pk) -> MerchantRegistration:
    if not request.user.has_perm("markets.view_merchantregistration"):
        raise PermissionDenied
    registration = registrations_visible_to(request.user).filter(pk=pk).first()
    if registration is None:
        raise PermissionDenied
    return registration


def approve_registration(request, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    registration = _registration_for(request, pk)
    try:
        registration = onboarding.approve_registration(registration.pk, request.user)
    except onboarding.OnboardingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Inscription acceptée : la boutique « %(shop)s » est créée en brouillon et "
                                    "le commerçant a reçu son invitation.") % {"shop": registration.shop.title})
    return redirect("registrations:inspect", registration.pk)


# The photo formats a registration accepts (markets.forms.PHOTO_FORMATS), by file extension.
PHOTO_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def registration_photo(request, pk):
    """The photo sent with a registration, for the editors who review it: kept in the private storage
    (anyone could send it, and it is not public until the shop is), served here and never cached."""
    registration = _registration_for(request, pk)
    extension = registration.photo.name.rpartition(".")[2].lower()
    if extension not in PHOTO_CONTENT_TYPES:
        raise Http404
    response = FileResponse(registration.photo.open("rb"), content_type=PHOTO_CONTENT_TYPES[extension])
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def reject_registration(request, pk):
    registration = _registration_for(request, pk)
    form = RejectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            onboarding.reject_registration(registration.pk, request.user, form.cleaned_data["reason"])
        except onboarding.OnboardingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Inscription refusée ; le motif a été envoyé au commerçant."))
        return redirect("registrations:inspect", registration.pk)
    return TemplateResponse(request, "markets/admin/registration_reject.html", {
        "registration": registration, "form": form,
        "page_title": _("Refuser l'inscription"), "header_title": str(registration),
    })


def display_value(value) -> str:
    """A registration's value as people read it: Oui/Non, "—" for nothing, dates and moments in Paris time."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if isinstance(value, datetime.datetime):
        return short_datetime(value)
    if isinstance(value, datetime.date):
        return short_date(value)
    if isinstance(value, Decimal):
        return euros(value)
    return str(value)


class RegistrationInspectView(InspectView):
    def get_field_display_value(self, field_name, field):
        display = getattr(self.object, f"get_{field_name}_display", None)
        if callable(display) and getattr(self.object, field_name):
            return display()
        return display_value(getattr(self.object, field_name))

    def get_context_data(self, **kwargs):
        return super().get_context_data(independent_rule=INDEPENDENT_RULE, **kwargs)


INDEPENDENT_RULE = gettext_lazy(
    "Règle du marché : seuls les commerces indépendants ayant une boutique physique sur le territoire peuvent "
    "y participer ; les chaînes, enseignes nationales et réseaux de franchise en sont exclus."
)


def _flags(registration) -> str:
    flags = []
    if registration.chain_flag:
        flags.append(_("Chaîne ? %(match)s") % {"match": registration.chain_flag})
    if registration.returning_shop_id:
        flags.append(_("De retour : %(shop)s") % {"shop": registration.returning_shop})
    return " · ".join(flags) or "—"


class RegistrationViewSet(ModelViewSet):
    model = MerchantRegistration
    icon = "form"
    menu_label = gettext_lazy("Inscriptions")
    menu_order = 150
    add_to_admin_menu = True
    url_prefix = "inscriptions"
    url_namespace = "registrations"
    pk_path_converter = "pk"  # portal.converters: an id out of range is a 404
    inspect_view_enabled = True
    inspect_view_class = RegistrationInspectView
    list_display = [
        "trade_name", "city", "category", "territory", "status",
        Column("flags", label=gettext_lazy("À vérifier"), accessor=_flags),
        Column("created_at", label=gettext_lazy("reçue le"), accessor=lambda r: short_datetime(r.created_at),
               sort_key="created_at"),
    ]
    list_filter = ["status", "category", "territory"]
    search_fields = ["trade_name", "legal_name", "city", "contact_name", "email"]
    inspect_template_name = "markets/admin/registration_inspect.html"
    inspect_view_fields = [
        "territory", "status", "waitlist_reason", "chain_flag", "returning_shop", "created_at", "trade_name",
        "legal_name", "siret", "vat_status", "vat_number", "street", "postcode", "city", "category",
        "contact_name", "email", "phone", "language", "declared_independent", "decided_by", "decided_at",
        "rejection_reason", "shop", "user",
    ]
    # Editors only look and decide (approve / reject below); the platform
    # operator may correct a typo before approval.
    form_fields = [
        "trade_name", "legal_name", "siret", "vat_status", "vat_number", "street", "postcode", "city",
        "category", "contact_name", "email", "phone",
    ]

    def get_queryset(self, request):
        # The flags column names the returning shop: one query, not one a row.
        return MerchantRegistration._default_manager.select_related("territory", "returning_shop")

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("approve/<pk:pk>/", approve_registration, name="approve"),
            path("reject/<pk:pk>/", reject_registration, name="reject"),
            path("photo/<pk:pk>/", registration_photo, name="photo"),
        ]


scope_viewset_views(RegistrationViewSet)


# Terms --------------------------------------------------------------------


def _next_url(request) -> str:
    """Where to go once the terms are accepted: the `next` asked for if it is an admin page of this site, else the dashboard."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure())
    if safe and is_admin_page(url_unquote(urlsplit(next_url).path)):
        return next_url
    return reverse("wagtailadmin_home")


def terms_accept(request):
    """The current terms, and a box to tick; where the terms middleware sends a merchant.

    Accepting records the version, the time and the client's address (as
    the trusted proxies saw it, portal.client_ip) once per version, then
    goes on to `next`. Anyone with nothing to accept, and anyone who is not
    a merchant (editors, the operator), goes straight on.
    """
    next_url = _next_url(request)
    version = onboarding.terms_to_accept(request.user) if is_merchant(request.user) else None
    if version is None:
        return redirect(next_url)
    form = TermsAcceptanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        onboarding.accept_terms(request.user, version, client_ip(request) or None)
        messages.success(request, _("Merci, vous avez accepté les conditions générales (version %(version)s).")
                         % {"version": version.version})
        return redirect(next_url)
    return TemplateResponse(request, "markets/admin/terms_accept.html", {
        "version": version, "form": form, "next": next_url,
        "page_title": _("Conditions générales"), "header_title": _("Conditions générales"),
    })
