"""Reports in the Wagtail admin: the statement's CSV and PDF, and the territories' sales dashboard.

- `statement_csv` / `statement_pdf` (kwarg `pk`): a weekly statement's
  downloads, for those who see it in "Relevés"
  (`WeeklyStatement.objects.managed_by`: who manages its shop, and the
  platform's accounting); any other statement id answers 404, whether it
  exists or not.
- `sales_dashboard`: the sales of the territories a user edits
  (`markets.editors.territories_edited_by`; all of them for a superuser);
  403 for everyone else, merchants included. The territory and the dates
  come from the query string and are checked against what the user may
  see: another territory's id is refused (400), never shown.
"""

from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.defaults import permission_denied
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from checkout.billing import dashboard, reports
from checkout.models import WeeklyStatement
from markets.editors import territories_edited_by
from portal import converters  # noqa: F401 (registers <pk:...>)
from portal.pdf import PdfUnavailable, private_pdf_response
from portal.spreadsheets import csv_response

DEFAULT_DAYS = 30


# Statement downloads ------------------------------------------------------------------------


def statement_for(user, pk: int) -> WeeklyStatement:
    """The statement `pk` if `user` sees it in "Relevés" (manages its shop, or keeps the accounts); 404 otherwise."""
    return get_object_or_404(WeeklyStatement.objects.managed_by(user), pk=pk)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def statement_csv_view(request, pk: int):
    statement = statement_for(request.user, pk)
    return _csv_response(reports.statement_csv(statement), f"{reports.file_stem(statement)}.csv")


@require_GET
def statement_pdf_view(request, pk: int):
    statement = statement_for(request.user, pk)
    try:
        pdf = reports.render_statement_pdf(statement)
    except PdfUnavailable:
        return HttpResponse(
            _("Le PDF ne peut pas être produit pour le moment ; le CSV du relevé reste disponible."),
            status=503, content_type="text/plain; charset=utf-8",
        )
    return private_pdf_response(pdf, f"{reports.file_stem(statement)}.pdf")


# Sales dashboard ----------------------------------------------------------------------------


class SalesDashboardForm(forms.Form):
    """Which territory and which days; choices are only the territories the user may see."""

    ALL = "all"

    territory = forms.ChoiceField(label=gettext_lazy("Territoire"))
    start = forms.DateField(label=gettext_lazy("Du"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("Au"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, territories, allow_all: bool):
        super().__init__(data)
        self.territories = {str(t.pk): t for t in territories}
        choices = [(key, t.name) for key, t in self.territories.items()]
        if allow_all:
            choices.insert(0, (self.ALL, _("Tous les territoires")))
        self.fields["territory"].choices = choices

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("La date de fin doit suivre la date de début."))
            elif (end - start).days + 1 > dashboard.MAX_DAYS:
                self.add_error("end", _("Choisissez au plus %(days)s jours.") % {"days": dashboard.MAX_DAYS})
        return cleaned

    def territory_ids(self, user) -> list[int] | None:
        """The territories to sum over; None means every territory (a superuser's "all")."""
        chosen = self.cleaned_data["territory"]
        if chosen != self.ALL:
            return [self.territories[chosen].pk]
        if user.is_superuser:
            return None
        return [t.pk for t in self.territories.values()]

    def scope_label(self) -> str:
        chosen = self.cleaned_data["territory"]
        return _("Tous les territoires") if chosen == self.ALL else self.territories[chosen].name


def _dashboard_form(request, territories) -> SalesDashboardForm:
    allow_all = request.user.is_superuser or len(territories) > 1
    today = timezone.localdate()
    data = {
        "territory": SalesDashboardForm.ALL if allow_all else str(territories[0].pk),
        "start": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "end": today.isoformat(),
    }
    data.update({key: request.GET[key] for key in data if request.GET.get(key)})
    return SalesDashboardForm(data, territories=territories, allow_all=allow_all)


def _csv_response(content: str, filename: str) -> HttpResponse:
    """A private download of a CSV written by `portal.spreadsheets.csv_text`."""
    return _private(csv_response(content, filename))


@require_GET
def sales_dashboard_view(request):
    territories = list(territories_edited_by(request.user).order_by("name"))
    if not territories and not request.user.is_superuser:
        # A plain 403 rather than Wagtail's redirect to the admin home: the page is not theirs to know of.
        return permission_denied(request, PermissionDenied())
    form = _dashboard_form(request, territories)
    context = {
        "form": form,
        "page_title": _("Tableau de bord des ventes"),
        "header_title": _("Tableau de bord des ventes"),
        "header_icon": "table",
    }
    if not form.is_valid():
        return TemplateResponse(request, "checkout/reports/sales_dashboard.html", context, status=400)

    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    territory_ids = form.territory_ids(request.user)
    export = request.GET.get("export")
    if export == "days":
        days = dashboard.figures_by_day(dashboard.sales_entries(territory_ids, start, end), start, end)
        return _csv_response(dashboard.days_csv(days), f"ventes-par-jour-{start}-{end}.csv")
    if export == "shops":
        shops = dashboard.figures_by_shop(dashboard.sales_entries(territory_ids, start, end))
        return _csv_response(dashboard.shops_csv(shops), f"ventes-par-boutique-{start}-{end}.csv")

    figures = dashboard.sales_dashboard(territory_ids, start, end)
    query = {"territory": form.cleaned_data["territory"], "start": start.isoformat(), "end": end.isoformat()}
    context.update({
        "figures": figures,
        "scope": form.scope_label(),
        "chart": dashboard.sales_chart_svg(
            figures.days,
            title=_("Ventes par jour — %(scope)s") % {"scope": form.scope_label()},
            desc=dashboard.chart_description(figures),
        ),
        "days_csv_url": "?" + urlencode({**query, "export": "days"}),
        "shops_csv_url": "?" + urlencode({**query, "export": "shops"}),
    })
    return TemplateResponse(request, "checkout/reports/sales_dashboard.html", context)


class SalesDashboardMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser or territories_edited_by(request.user).exists()


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path("rapports/releves/<pk:pk>/csv/", statement_csv_view, name="statement_csv"),
        path("rapports/releves/<pk:pk>/pdf/", statement_pdf_view, name="statement_pdf"),
        path("rapports/ventes/", sales_dashboard_view, name="sales_dashboard"),
    ]


@hooks.register("register_admin_menu_item")
def register_sales_dashboard_menu_item():
    return SalesDashboardMenuItem(
        gettext_lazy("Tableau de bord des ventes"), reverse("sales_dashboard"), icon_name="table", order=255
    )

