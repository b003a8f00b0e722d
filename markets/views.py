"""Public views: the registration form of a market, and a shop's shareable visual."""

import logging

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.views.decorators.cache import cache_control
from wagtail.images.models import SourceImageIOError

from markets import onboarding, registration_limits, visuals
from markets.forms import RegistrationForm
from markets.models import MerchantRegistration
from portal.client_ip import client_ip
from shops.models import ShopPage

logger = logging.getLogger(__name__)

SESSION_KEY = "markets_registration_status"
# In SESSION_KEY after a robot's registration (honeypot filled): thanks, and nothing stored.
DROPPED = "dropped"


def registration(request, market):
    """GET shows the form; a valid POST stores the registration and redirects to the thanks page.

    Two guards before anything is stored or sent (each registration e-mails
    the address typed in it): a filled honeypot gets the answer of an
    accepted registration, and nothing else; past a sender's limit
    (`registration_limits`) the form comes back, 429, saying how long to wait.
    """
    territory = market.territory
    thanks_url = market.url + market.reverse_subpage("registration_thanks")
    refused = None
    if request.method == "POST":
        form = RegistrationForm(request.POST, request.FILES)
        if form.is_trapped:
            # Logged, not silently lost: a person whose browser filled the trap can be found and called back.
            logger.warning(
                "Registration dropped by the honeypot: territory %s, trade name %r, e-mail %r, address %s",
                territory.pk, request.POST.get("trade_name", "")[:200], request.POST.get("email", "")[:200],
                client_ip(request),
            )
            request.session[SESSION_KEY] = DROPPED
            return redirect(thanks_url)
        if form.is_valid() and (refused := registration_limits.refusal(request, form.cleaned_data["email"])):
            form.add_error(None, refused.message)
        elif form.is_valid():
            try:
                registration = onboarding.submit_registration(
                    territory, form.cleaned_data, form.cleaned_data["photo"], form.photo_extension,
                    translation.get_language() or "fr",
                )
            except onboarding.DuplicateRegistration as error:
                form.add_error("siret", str(error))
            else:
                request.session[SESSION_KEY] = registration.pk
                return redirect(thanks_url)
    else:
        form = RegistrationForm()
    response = TemplateResponse(request, "markets/registration/form.html", {
        "page": market, "form": form, "territory": territory, "refusal": refused.message if refused else "",
    }, status=429 if refused else 200)
    if refused:
        response["Retry-After"] = str(refused.seconds)
    return response


def registration_thanks(request, market):
    pk = request.session.pop(SESSION_KEY, None)
    if pk == DROPPED:
        # What an accepted registration shows, with nothing behind it.
        return TemplateResponse(request, "markets/registration/thanks.html", {
            "page": market, "registration": None, "waitlisted": False, "outside_territory": False,
        })
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


def _cover_photo(image):
    """The opened file of a rendition of `image` the size of the cover's photo, or None (no image, or its file gone).

    A rendition, not the original: the original may be a camera's full-size
    photo, too big to decode on each request of a public URL.
    """
    if image is None:
        return None
    try:
        photo = image.get_rendition(visuals.COVER_PHOTO_FILTER).file
        photo.open("rb")
    except (SourceImageIOError, OSError):
        return None
    return photo


@cache_control(max_age=3600, public=True)
def shop_cover_visual(request, shop_id: int):
    """A 1640x624 PNG cover of a live shop (its photo, name and market), for a social network page."""
    shop = get_object_or_404(ShopPage.objects.live().select_related("cover_image"), pk=shop_id)
    market = shop.get_parent().specific
    if not market.live:
        raise Http404
    photo = _cover_photo(shop.cover_image)
    try:
        png = visuals.shop_cover_png(shop.title, market.title, photo)
    finally:
        if photo is not None:
            photo.close()
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="{shop.slug}-couverture.png"'
    return response
