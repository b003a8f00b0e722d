"""A merchant's bank details ("Coordonnées bancaires"): the account their weekly payouts go to.

Only those who manage the shop (`shops.access.shops_managed_by`: its
merchant, its territory's editors, superusers) see or change it; another
shop's id in the URL answers 404. Once saved, the IBAN is never shown in
full again, not even in the form: it is typed again to be changed. Each
change is logged with the masked IBAN only.

The merchant's own change asks for their password again and applies at
once; anyone else's is pending until a merchant of the shop confirms it
with the e-mailed link (`ConfirmChangeView`) or the platform's accounting
approves it (`PendingChangesView`). See `checkout.billing.bank_details`.
"""

import copy

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from schwifty import IBAN
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import ModelLogEntry

from checkout.billing import bank_details
from checkout.billing.bank_details import ACCOUNT_CHANGE_ACTION, ChangeRefused
from checkout.billing.payouts import mask_iban
from checkout.models import BankDetailsChange, BankDetailsChangeStatus, PayoutAccount
from checkout.models.payouts import is_accountant
from checkout.validators import validate_bic, validate_iban
from portal.password_confirmation import confirm_password
from shops.access import manages_a_shop, shops_managed_by

__all__ = ["ACCOUNT_CHANGE_ACTION", "account_of"]

account_of = bank_details.account_of


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

    def __init__(self, *args, password_of=None, **kwargs):
        """`password_of`: the merchant changing their own details, who types their password again."""
        super().__init__(*args, **kwargs)
        self.password_of = password_of
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
        if password_of is not None:
            self.fields["password"] = forms.CharField(
                label=_("Votre mot de passe"),
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                help_text=_("Pour protéger vos versements, confirmez chaque changement avec votre mot de passe."),
                error_messages={"required": _("Indiquez votre mot de passe pour confirmer le changement.")},
            )

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

    def clean_password(self):
        password = self.cleaned_data["password"]
        confirm_password(
            self.password_of, password, purpose="bank-details", wrong_message=_("Mot de passe incorrect : rien n'a été changé.")
        )
        return password

    @property
    def details_changed(self) -> bool:
        """Whether holder, IBAN or BIC differ from the saved account (the password alone changes nothing)."""
        return bool({"holder", "iban", "bic"} & set(self.changed_data)) or self.iban_changed

    @property
    def iban_changed(self) -> bool:
        return self.cleaned_data["iban"] != self.saved_iban


def change_row(change: BankDetailsChange) -> dict:
    """A change as the admin shows it: masked IBANs only."""
    return {
        "change": change,
        "old_iban": mask_iban(change.old_iban) if change.old_iban else "",
        "new_iban": mask_iban(change.new_iban),
        "requested_by": (
            (change.requested_by.get_full_name() or change.requested_by.get_username()) if change.requested_by else ""
        ),
    }


def history(shop, account: PayoutAccount | None) -> list[ModelLogEntry]:
    """The log of the shop's account and of the changes asked for it, newest first."""
    change_ids = [
        str(pk)
        for pk in BankDetailsChange.objects.filter(shop__translation_key=shop.translation_key).values_list(
            "pk", flat=True
        )
    ]
    condition = Q(content_type=ContentType.objects.get_for_model(BankDetailsChange), object_id__in=change_ids)
    if account is not None and account.pk:
        condition |= Q(content_type=ContentType.objects.get_for_model(PayoutAccount), object_id=str(account.pk))
    return list(ModelLogEntry.objects.filter(condition).select_related("user").order_by("-timestamp", "-pk"))


class ShopsMixin:
    """Views of the viewset; the shop comes from the user's shops only."""

    index_url_name = None
    edit_url_name = None
    pending_url_name = None

    def managed_shops(self):
        return shops_managed_by(self.request.user).order_by("title")

    def get_shop(self, shop_pk):
        return get_object_or_404(self.managed_shops(), pk=shop_pk)

    def visible_changes(self):
        """Pending changes of the shops the user manages; all of them for the accounting."""
        return (
            BankDetailsChange.objects.managed_by(self.request.user)
            .filter(status=BankDetailsChangeStatus.PENDING)
            .select_related("shop", "requested_by")
            .order_by("requested_at", "pk")
        )


class AccountIndexView(ShopsMixin, WagtailAdminTemplateMixin, TemplateView):
    """A merchant goes straight to their form; an editor picks one of their shops; the accounting sees what waits."""

    page_title = _("Coordonnées bancaires")
    header_icon = "form"
    template_name = "checkout/payouts/account_index.html"

    def get(self, request):
        if not manages_a_shop(request.user):
            if is_accountant(request.user):
                return redirect(reverse(self.pending_url_name))
            raise PermissionDenied
        shops = list(self.managed_shops())
        if len(shops) == 1:
            return redirect(reverse(self.edit_url_name, args=(shops[0].pk,)))
        bank_details.expire_overdue()
        accounts = {
            account.shop.translation_key: account
            for account in PayoutAccount.objects.managed_by(request.user).select_related("shop")
        }
        waiting = {change.shop.translation_key for change in self.visible_changes()}
        rows = []
        for shop in shops:
            account = accounts.get(shop.translation_key)
            rows.append(
                (
                    shop,
                    account,
                    mask_iban(account.iban) if account else "",
                    reverse(self.edit_url_name, args=(shop.pk,)),
                    shop.translation_key in waiting,
                )
            )
        return self.render_to_response(
            self.get_context_data(rows=rows, pending_url=reverse(self.pending_url_name), pending_count=len(waiting))
        )

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]


class AccountEditView(ShopsMixin, WagtailAdminTemplateMixin, TemplateView):
    page_title = _("Coordonnées bancaires")
    header_icon = "form"
    template_name = "checkout/payouts/account_form.html"

    def dispatch(self, request, shop_pk):
        self.shop = self.get_shop(shop_pk)
        self.account = account_of(self.shop) or PayoutAccount(shop=self.shop)
        # The shop's own merchant changes at once (with their password); anyone else asks for a confirmation.
        self.own_change = bank_details.is_shop_merchant(request.user, self.shop)
        return super().dispatch(request)

    def get_page_subtitle(self):
        return self.shop.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Coordonnées bancaires")},
            {"url": "", "label": self.shop.title},
        ]

    def new_form(self, data=None):
        return PayoutAccountForm(
            # A copy: validating a ModelForm writes the typed values onto its instance, and the page
            # must keep showing the saved account after a refused submission.
            data, instance=copy.copy(self.account), password_of=self.request.user if self.own_change else None
        )

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        account = self.account
        pending = bank_details.pending_change_of(self.shop)
        context.update(
            {
                "shop": self.shop,
                "account": account if account.pk else None,
                "masked_iban": mask_iban(account.iban) if account.pk else "",
                "form": form or self.new_form(),
                "own_change": self.own_change,
                "pending": change_row(pending) if pending else None,
                "pending_url": reverse(self.pending_url_name),
                "is_accountant": is_accountant(self.request.user),
                "log_entries": history(self.shop, account),
            }
        )
        return context

    def get(self, request):
        bank_details.expire_overdue()
        return self.render_to_response(self.get_context_data())

    def post(self, request):
        form = self.new_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        details = {key: form.cleaned_data[key] for key in ("holder", "iban", "bic")}
        if self.account.pk and not form.details_changed:
            messages.info(request, gettext("Aucune modification : les coordonnées bancaires restent les mêmes."))
        elif self.own_change:
            account = bank_details.apply_merchant_change(self.shop, request.user, **details)
            messages.success(
                request,
                gettext("Coordonnées bancaires de %(shop)s enregistrées (IBAN %(iban)s).")
                % {"shop": self.shop.title, "iban": mask_iban(account.iban)},
            )
        else:
            change = bank_details.request_change(self.shop, request.user, **details)
            messages.warning(
                request,
                gettext(
                    "Changement enregistré en attente (IBAN %(iban)s) : il ne s'appliquera qu'une fois "
                    "confirmé par un commerçant de %(shop)s, qui reçoit un lien par e-mail, "
                    "ou approuvé par la comptabilité."
                )
                % {"shop": self.shop.title, "iban": mask_iban(change.new_iban)},
            )
        return redirect(reverse(self.edit_url_name, args=(self.shop.pk,)))


class ConfirmChangeView(ShopsMixin, WagtailAdminTemplateMixin, TemplateView):
    """The link of the confirmation e-mail: a merchant of the shop sees the change (masked) and confirms it.

    Opening the link changes nothing (mail scanners open links); the
    button posts. An unknown, used, cancelled or expired link, or a user
    who is not a merchant of that shop, gets a page saying so.
    """

    page_title = _("Confirmer le changement de coordonnées bancaires")
    header_icon = "form"
    template_name = "checkout/payouts/bank_details_confirm.html"

    def refused(self, refusal: ChangeRefused):
        return self.render_to_response(self.get_context_data(refusal=str(refusal)), status=refusal.status)

    def get(self, request, token):
        try:
            change = bank_details.check_confirmation(token, request.user)
        except ChangeRefused as refusal:
            return self.refused(refusal)
        return self.render_to_response(self.get_context_data(**change_row(change)))

    def post(self, request, token):
        try:
            change = bank_details.confirm(token, request.user)
        except ChangeRefused as refusal:
            return self.refused(refusal)
        messages.success(
            request,
            gettext("Changement confirmé : vos prochains versements iront au compte %(iban)s.")
            % {"iban": mask_iban(change.new_iban)},
        )
        return redirect(reverse(self.edit_url_name, args=(change.shop_id,)))


class PendingChangesView(ShopsMixin, WagtailAdminTemplateMixin, TemplateView):
    """Changes waiting for a merchant's confirmation: the accounting approves them, anyone who sees one cancels it."""

    page_title = _("Changements en attente")
    header_icon = "form"
    template_name = "checkout/payouts/bank_details_pending.html"

    def get(self, request):
        if not (manages_a_shop(request.user) or is_accountant(request.user)):
            raise PermissionDenied
        bank_details.expire_overdue()
        rows = [change_row(change) for change in self.visible_changes()]
        return self.render_to_response(self.get_context_data(rows=rows, is_accountant=is_accountant(request.user)))

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Coordonnées bancaires")},
            {"url": "", "label": self.get_page_title()},
        ]


class DecideChangeView(ShopsMixin, View):
    """POST only: approve (the accounting) or cancel a pending change seen by the user; another's id is a 404."""

    http_method_names = ["post"]
    decision = None  # "approve" or "cancel"

    def post(self, request, pk):
        change = get_object_or_404(self.visible_changes(), pk=pk)
        if self.decision == "approve" and not is_accountant(request.user):
            raise PermissionDenied
        try:
            if self.decision == "approve":
                bank_details.approve(change, request.user)
                messages.success(
                    request,
                    gettext("Changement approuvé : les versements de %(shop)s iront au compte %(iban)s.")
                    % {"shop": change.shop.title, "iban": mask_iban(change.new_iban)},
                )
            else:
                bank_details.cancel(change, request.user)
                messages.success(
                    request, gettext("Changement annulé : %(shop)s garde son compte.") % {"shop": change.shop.title}
                )
        except ChangeRefused as refusal:
            messages.error(request, str(refusal))
        return redirect(request.POST.get("next") if _safe_next(request) else reverse(self.pending_url_name))


def _safe_next(request) -> bool:
    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})


class ApproveChangeView(DecideChangeView):
    decision = "approve"


class CancelChangeView(DecideChangeView):
    decision = "cancel"


def account_menu_shown(request) -> bool:
    return manages_a_shop(request.user) or is_accountant(request.user)
