"""Public views: the registration form of a market, and a shop's shareable visual."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.views.decorators.cache import cache_control

from markets import onboarding, visuals
from markets.forms import RegistrationForm
from markets.models import MerchantRegistration
from shops.models import ShopPage

SESSION_KEY = "markets_registration_status"


def registration(request, market):
    """GET shows the form; a valid POST stores the registration and redirects to the thanks page."""
    territory = market.territory
    if request.method == "POST":
        form = RegistrationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                registration = onboarding.submit_registration(
                    territory, form.cleaned_data, form.cleaned_data["photo"], form.photo_extension,
                    translation.get_language() or "fr",
                )
            except onboarding.DuplicateRegistration as error:
                form.add_error("siret", str(error))
            else:
                request.session[SESSION_KEY] = registration.pk
                return redirect(market.url + market.reverse_subpage("registration_thanks"))
    else:
        form = RegistrationForm()
    return TemplateResponse(request, "markets/registration/form.html", {
        "page": market, "form": form, "territory": territory,
    })


def registration_thanks(request, market):
    pk = request.session.pop(SESSION_KEY, None)
    registration = MerchantRegistration.objects.filter(
        pk=pk, territory=market.territory
    ).select_related("returning_shop").first() if isinstance(pk, int) else None
    if registration is None:
        return redirect(market.url + market.reverse_subpage("registration"))
    return TemplateResponse(request, "markets/registration/thanks.html", {
        "page": market, "registration": registration,
        "waitlisted": registration.status == MerchantRegistration.Status.WAITLISTED,
        "outside_territory": registration.waitlist_reason == MerchantRegistration.WaitlistReason.POSTCODE,
    })


@cache_control(max_age=3600, public=True)
def shop_visual(request, shop_id: int):
    """A square PNG announcing a live shop, for Instagram and the like."""
    shop = get_object_or_404(ShopPage.objects.live(), pk=shop_id)
    market = shop.get_parent().specific
    if not market.live:
        raise Http404
    response = HttpResponse(visuals.shop_visual_png(shop.title, market.title), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="{shop.slug}.png"'
    return response
