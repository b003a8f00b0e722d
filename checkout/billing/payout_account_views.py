"""A merchant's bank details ("Coordonnées bancaires"): the account their weekly payouts go to.

Only those who manage the shop (`shops.access.shops_managed_by`: its
merchant, its territory's editors, superusers) see or change it; another
shop's id in the URL answers 404. Once saved, the IBAN is never shown in
full again, not even in the form: it is typed again to be changed. Each
change is logged with the masked IBAN only.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django_q.tasks import async_task
from schwifty import IBAN
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from checkout.billing.payouts import mask_iban
from checkout.models import PayoutAccount
from checkout.shop_scoped_admin import log_entries, manages_a_shop
from checkout.validators import validate_bic, validate_iban
from shops.access import shops_managed_by

ACCOUNT_CHANGE_ACTION = "checkout.payout_account.change"


def account_of(shop) -> PayoutAccount | None:
    """The account of `shop`, kept on its default-locale page."""
    return PayoutAccount.objects.filter(shop__translation_key=shop.translation_key).first()


class PayoutAccountForm(forms.ModelForm):
    # Typed with spaces as printed on a RIB: longer than the 34 characters stored.
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )

    class Meta:
        model = PayoutAccount
        fields = ["holder", "iban", "bic"]
        help_texts = {
            "holder": _("Tel qu'il figure sur votre RIB."),
            "bic": _("Facultatif : il est déduit de l'IBAN quand c'est possible."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_iban = self.instance.iban if self.instance.pk else ""
        # The saved IBAN is never sent back to the browser.
        self.initial["iban"] = ""
        if self.saved_iban:
            self.fields["iban"].help_text = _(
                "IBAN enregistré : %(iban)s. Laissez vide pour le garder, ou saisissez le nouvel IBAN."
            ) % {"iban": mask_iban(self.saved_iban)}
        else:
            self.fields["iban"].required = True
            self.fields["iban"].error_messages["required"] = _("Indiquez l'IBAN du compte.")
            self.fields["iban"].help_text = _("Par exemple FR76 3000 4000 0312 3456 7890 143.")

    def clean_holder(self):
        return " ".join(self.cleaned_data["holder"].split())

    def clean_iban(self):
        value = "".join(self.cleaned_data.get("iban", "").split()).upper()
        if not value:
            if self.saved_iban:
                return self.saved_iban
            raise forms.ValidationError(_("Indiquez l'IBAN du compte."), code="required")
        validate_iban(value)
        return IBAN(value).compact

    def clean_bic(self):
        value = "".join(self.cleaned_data.get("bic", "").split()).upper()
        validate_bic(value)
        return value

    @property
    def iban_changed(self) -> bool:
        return self.cleaned_data["iban"] != self.saved_iban


class ShopsMixin:
    """Views of the viewset; the shop comes from the user's shops only."""

    index_url_name = None
    edit_url_name = None

    def managed_shops(self):
        return shops_managed_by(self.request.user).order_by("title")

    def get_shop(self, shop_pk):
        return get_object_or_404(self.managed_shops(), pk=shop_pk)


class AccountIndexView(ShopsMixin, WagtailAdminTemplateMixin, TemplateView):
    """A merchant goes straight to their form; an editor picks one of their shops."""

    page_title = _("Coordonnées bancaires")
    header_icon = "form"
    template_name = "checkout/payouts/account_index.html"

    def get(self, request):
        if not manages_a_shop(request.user):
            raise PermissionDenied
        shops = list(self.managed_shops())
        if len(shops) == 1:
            return redirect(reverse(self.edit_url_name, args=(shops[0].pk,)))
        accounts = {
            account.shop.translation_key: account
            for account in PayoutAccount.objects.managed_by(request.user).select_related("shop")
        }
        rows = []
        for shop in shops:
            account = accounts.get(shop.translation_key)
            rows.append((shop, account, mask_iban(account.iban) if account else "", reverse(self.edit_url_name, args=(shop.pk,))))
        return self.render_to_response(self.get_context_data(rows=rows))

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]


class AccountEditView(ShopsMixin, WagtailAdminTemplateMixin, TemplateView):
    page_title = _("Coordonnées bancaires")
    header_icon = "form"
    template_name = "checkout/payouts/account_form.html"

    def dispatch(self, request, shop_pk):
        self.shop = self.get_shop(shop_pk)
        self.account = account_of(self.shop) or PayoutAccount(shop=self.shop)
        return super().dispatch(request)

    def get_page_subtitle(self):
        return self.shop.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Coordonnées bancaires")},
            {"url": "", "label": self.shop.title},
        ]

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        account = self.account
        context.update(
            {
                "shop": self.shop,
                "account": account if account.pk else None,
                "masked_iban": mask_iban(account.iban) if account.pk else "",
                "form": form or PayoutAccountForm(instance=account),
                "log_entries": log_entries(account) if account.pk else [],
            }
        )
        return context

    def get(self, request):
        return self.render_to_response(self.get_context_data())

    def post(self, request):
        created = self.account.pk is None
        form = PayoutAccountForm(request.POST, instance=self.account)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        if form.has_changed() or created:
            with transaction.atomic():
                account = form.save(commit=False)
                account.updated_by = request.user
                account.save()
                log(
                    instance=account,
                    action=ACCOUNT_CHANGE_ACTION,
                    user=request.user,
                    data={
                        "holder": account.holder,
                        "iban": mask_iban(account.iban),
                        "bic": account.bic,
                        "created": created,
                        "iban_changed": form.iban_changed,
                    },
                )
                transaction.on_commit(
                    lambda: async_task("checkout.tasks.send_bank_details_changed", account.pk, request.user.pk)
                )
        messages.success(
            request,
            gettext("Coordonnées bancaires de %(shop)s enregistrées (IBAN %(iban)s).")
            % {"shop": self.shop.title, "iban": mask_iban(self.account.iban)},
        )
        return redirect(reverse(self.edit_url_name, args=(self.shop.pk,)))


def account_menu_shown(request) -> bool:
    return manages_a_shop(request.user)
