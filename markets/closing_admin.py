"""The merchant's "Fermer ma boutique" screen, reached from their account menu (markets.closing does the work).

The shop is named by id in the URL: a shop the user is not a merchant of
answers 404, whoever they are. Closing takes a POST with the merchant's
password; wrong guesses are counted per account, as for a bank details
change, since the password is what stops someone holding an open session.
"""

from django import forms
from django.contrib.auth import logout
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin import messages

from markets import closing
from portal.password_confirmation import confirm_password


class CloseShopForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Votre mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": gettext_lazy("Indiquez votre mot de passe pour fermer votre boutique.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        confirm_password(
            self.user, password, purpose="shop-closing", wrong_message=_("Mot de passe incorrect : votre boutique reste ouverte.")
        )
        return password


def close_index(request):
    """The account menu's link: the merchant's shop, or the list when they run several."""
    shops = list(closing.shops_closable_by(request.user))
    if not shops:
        raise Http404
    if len(shops) == 1:
        return redirect("markets_shop_close", shops[0].pk)
    return TemplateResponse(
        request,
        "markets/admin/shop_close_index.html",
        {
            "shops": shops,
            "page_title": _("Fermer ma boutique"),
            "header_title": _("Fermer ma boutique"),
        },
    )


def close_shop(request, shop_id):
    shop = closing.shops_closable_by(request.user).filter(pk=shop_id).first()
    if shop is None:
        raise Http404
    form = CloseShopForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            closing.close_shop(shop.pk, request.user)
        except closing.ClosingRefused as error:  # no longer a merchant of it since the page was shown
            raise Http404 from error
        except closing.ClosingBlocked:
            pass  # an order came in since the page was shown: the page below says so
        # The account is inactive now: end this session too rather than let the next request find out.
        logout(request)
        messages.success(
            request,
            _(
                "Votre boutique « %(shop)s » est fermée et votre accès désactivé. Les sommes "
                "qui vous restent dues vous seront versées."
            )
            % {"shop": shop.title},
        )
        return redirect("wagtailadmin_login")
    return TemplateResponse(
        request,
        "markets/admin/shop_close.html",
        {
            "shop": shop,
            "form": form,
            "blocked": closing.reasons_not_to_close(shop),
            "page_title": _("Fermer ma boutique"),
            "header_title": shop.title,
        },
    )


@hooks.register("register_admin_urls")
def register_closing_urls():
    return [
        path("boutique/fermer/", close_index, name="markets_shop_close_index"),
        path("boutique/fermer/<pk:shop_id>/", close_shop, name="markets_shop_close"),
    ]


@hooks.register("register_account_menu_item")
def register_closing_account_item(request):
    if not closing.shops_closable_by(request.user).exists():
        return None
    return {
        "url": reverse("markets_shop_close_index"),
        "label": _("Fermer ma boutique"),
        "help_text": _("Retirer votre boutique du site et désactiver votre accès ; vos ventes restent payées."),
    }


@hooks.register("register_log_actions")
def register_closing_actions(actions):
    actions.register_action(
        closing.CLOSE_ACTION, gettext_lazy("Fermer la boutique"), gettext_lazy("Boutique fermée par son commerçant")
    )
    actions.register_action(
        closing.CLOSURE_NOTICE_ACTION,
        gettext_lazy("Prévenir de la fermeture"),
        gettext_lazy("Éditeurs du territoire prévenus de la fermeture"),
    )
