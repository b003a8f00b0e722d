"""The public customer flow: basket, checkout, card payment, return and order pages.

Views stay thin: the basket lives in `checkout.basket`, money in
`checkout.pricing`, orders and payments in `checkout.services`, and the
card provider behind `checkout.payments.gateway`. The browser sends product
ids, quantities, option choices and delivery option ids only.
"""

import contextlib
import logging
import re

from django.conf import settings
from django.contrib import messages
from django.db import OperationalError
from django.db.models import Sum
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from wagtail.models import Locale

from checkout import services
from checkout.basket import Basket, BasketEntry
from checkout.billing.invoice_pdf import customer_invoices, customer_pdf_path
from checkout.forms import AddToBasketForm, ContactForm, DeliveryForm, QuantityForm
from checkout.models import Order, OrderStatus, Refund, RefundState
from checkout.payments import gateway
from checkout.pricing import BasketError, DeliveryChoice, split_bundles
from checkout.vouchers.bundles import bundles_of_orders, in_bundles
from checkout.vouchers.pdf import order_voucher_items
from portal.emails import site_language
from portal.money import ZERO, to_cents
from portal.security_headers import allow_payment_provider
from shops.bundle_display import part_descriptions, participants_by_bundle
from shops.models import DeliveryOption, ProductKind, withdrawal_notice

logger = logging.getLogger(__name__)

# The order placed from the basket now in the session: the basket is emptied once it is paid.
BASKET_ORDER_KEY = "checkout_basket_order"
CONTACT_KEY = "checkout_contact"
PAYMENT_METHOD_ID = re.compile(r"^(pm|card)_[A-Za-z0-9_]{1,200}$")


def _translations(pages, language: str) -> dict:
    """The page of each default-locale page in the visitor's language, by translation key (one query)."""
    pages = list(pages)
    if not pages:
        return {}
    locale = Locale.objects.filter(language_code=language).first()
    found = {page.translation_key: page for page in pages}
    if locale is not None and locale.pk != pages[0].locale_id:
        model = type(pages[0])
        for page in model.objects.live().filter(translation_key__in=found, locale=locale):
            found[page.translation_key] = page
    return found


def _basket_groups(request, basket: Basket, items, bundles=()) -> list[dict]:
    """What the basket and checkout pages show per shop: localized names and links, server prices.

    A bundle line of the basket lists the shops taking part; a part of a
    bundle at checkout (`bundles`: the priced bundles its lines point to)
    says what its shop provides, of which bundle and who sells it.
    """
    language = get_language()
    products = _translations([line.product for item in items for line in item.lines], language)
    shops = _translations([item.shop for item in items] + [bundle.seller for bundle in bundles], language)
    participants = participants_by_bundle(
        [line.product for item in items for line in item.lines
         if line.product.kind == ProductKind.BUNDLE and line.part is None],
        language,
    )
    part_words = part_descriptions(
        [line.part.part_key for item in items for line in item.lines if line.part is not None and line.part.part_key],
        language,
    )
    groups = []
    for item in items:
        lines = []
        for line in item.lines:
            shown = products.get(line.product.translation_key, line.product)
            entry = BasketEntry(
                str(line.product.translation_key), line.quantity, line.options,
                line.amount, line.beneficiary, line.message,
            )
            shown_line = {"priced": line, "page": shown, "line_id": entry.line_id}
            if line.part is not None:
                seller = bundles[line.bundle_index].seller
                shown_line["part"] = {
                    "description": (shown.bundle_own_part or shown.title) if line.part.is_seller
                    else part_words.get(line.part.part_key, line.part.description),
                    "seller": shops.get(seller.translation_key, seller),
                    "withdrawal": line.part.withdrawal,
                    "withdrawal_notice": withdrawal_notice(line.part.withdrawal),
                }
            elif line.product.kind == ProductKind.BUNDLE:
                shown_line["participants"] = participants.get(line.product.translation_key, [])
            lines.append(shown_line)
        groups.append({"shop": shops.get(item.shop.translation_key, item.shop), "source": item.shop, "item": item, "lines": lines})
    return groups


def _priced_basket(request, basket: Basket):
    for message in basket.prune():
        messages.warning(request, message)
    try:
        return basket.priced()
    except BasketError as error:
        messages.error(request, str(error))
        basket.clear()
        return []


# Basket ------------------------------------------------------------------------


@require_GET
def basket_view(request):
    basket = Basket(request.session)
    items = _priced_basket(request, basket)
    groups = _basket_groups(request, basket, items)
    return render(
        request,
        "checkout/basket.html",
        {"groups": groups, "total": sum((i.subtotal for i in items), 0), "basket": basket},
    )


def _back(request, fallback: str):
    """Back to the page the form was on, when it is one of ours."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(fallback)


@require_POST
def add_to_basket(request):
    basket = Basket(request.session)
    form = AddToBasketForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request, reverse("checkout:basket"))
    indexes = form.option_indexes()
    try:
        if indexes is None:
            raise BasketError(_("Options invalides."))
        product = basket.add(
            form.cleaned_data["product"],
            form.cleaned_data["quantity"],
            indexes,
            amount=form.cleaned_data["amount"] if "amount" in request.POST else None,
            beneficiary=form.cleaned_data["beneficiary"],
            message=form.cleaned_data["message"],
        )
    except BasketError as error:
        messages.error(request, str(error))
        return _back(request, reverse("checkout:basket"))
    shown = _translations([product], get_language()).get(product.translation_key, product)
    messages.success(
        request,
        _("Ajouté à votre panier : %(product)s.") % {"product": shown.title},
    )
    return redirect("checkout:basket")


@require_POST
def update_basket(request):
    basket = Basket(request.session)
    form = QuantityForm(request.POST)
    if "remove" in request.POST:
        form = QuantityForm({"line": request.POST.get("line", ""), "quantity": 0})
    if not form.is_valid():
        messages.error(request, _("Choisissez une quantité entre 1 et 99."))
        return redirect("checkout:basket")
    try:
        basket.update(form.cleaned_data["line"], form.cleaned_data["quantity"])
    except BasketError as error:
        messages.error(request, str(error))
    else:
        if form.cleaned_data["quantity"] == 0:
            messages.success(request, _("L'article a été retiré de votre panier."))
        else:
            messages.success(request, _("La quantité a été mise à jour."))
    return redirect("checkout:basket")


@require_POST
def empty_basket(request):
    Basket(request.session).clear()
    messages.success(request, _("Votre panier a été vidé."))
    return _back(request, reverse("checkout:basket"))


# Checkout ----------------------------------------------------------------------


def _option_translations(options, language: str) -> dict:
    """The options' rows in `language` whose words the page shows, by translation key (one query; none in French)."""
    language = site_language(language)
    if not options or language == settings.LANGUAGE_CODE:
        return {}
    rows = services.translated_delivery_options({option.translation_key for option in options}, language)
    return {row.translation_key: row for row in rows}


def _delivery_forms(request, groups, data=None) -> list[DeliveryForm]:
    options_by_shop: dict[int, list] = {}
    for option in DeliveryOption.objects.filter(page_id__in=[g["source"].pk for g in groups], active=True).order_by(
        "page_id", "sort_order", "pk"
    ):
        options_by_shop.setdefault(option.page_id, []).append(option)
    translations = _option_translations([o for options in options_by_shop.values() for o in options], get_language())
    saved = request.session.get(CONTACT_KEY, {}).get("deliveries", {})
    forms = []
    for group in groups:
        shop = group["source"]
        if not group["item"].needs_delivery:
            group["form"] = None
            continue
        initial = saved.get(str(shop.pk), {})
        form = DeliveryForm(
            data, prefix=f"shop-{shop.pk}", shop=shop, options=options_by_shop.get(shop.pk, []),
            translations=translations, initial=initial if data is None else None,
        )
        group["form"] = form
        forms.append(form)
    return forms


def checkout_view(request):
    basket = Basket(request.session)
    priced = items = _priced_basket(request, basket)
    if not items:
        if not messages.get_messages(request):
            messages.info(request, _("Votre panier est vide."))
        return redirect("checkout:basket")
    try:
        # As the order will be: each part of a bundle is a line of the shop that provides and sells it.
        items, bundles = split_bundles(items)
    except BasketError as error:
        messages.error(request, str(error))
        return redirect("checkout:basket")
    groups = _basket_groups(request, basket, items, bundles)
    saved = request.session.get(CONTACT_KEY, {})
    data = request.POST if request.method == "POST" else None
    contact = ContactForm(data, initial=None if data else saved.get("contact"))
    delivery_forms = _delivery_forms(request, groups, data)

    # Validate every form, so that each shows its errors at once.
    deliveries_valid = [form.is_valid() for form in delivery_forms]
    if request.method == "POST" and contact.is_valid() & all(deliveries_valid):
        deliveries = {
            form.shop.pk: DeliveryChoice(form.cleaned_data["option"], form.cleaned_data.get("address") or "")
            for form in delivery_forms
        }
        request.session[CONTACT_KEY] = {
            "contact": {k: contact.cleaned_data[k] for k in ("name", "email", "phone")},
            "deliveries": {
                str(shop_id): {"option": c.option_id, "address": c.address} for shop_id, c in deliveries.items()
            },
        }
        customer = services.Customer(
            contact.cleaned_data["name"], contact.cleaned_data["email"], contact.cleaned_data["phone"]
        )
        try:
            order = services.place_order(
                basket.territory_id, basket.lines(), deliveries, customer, get_language(),
                user=request.user, basket_key=basket.key,
                # Priced above in this request: the order is placed from what was just read.
                priced_items=priced,
                delivery_options=[option for form in delivery_forms for option in form.options],
            )
        except services.OutOfStock as error:
            messages.error(request, str(error) + " " + _("Modifiez votre panier : rien n'a été payé."))
            return redirect("checkout:basket")
        except BasketError as error:
            messages.error(request, str(error))
            return redirect("checkout:basket")
        except services.PaymentUnderway as error:
            messages.warning(request, str(error))
            return redirect("checkout:payment", token=error.order.token)
        except services.CheckoutError as error:
            contact.add_error(None, str(error))
        else:
            request.session[BASKET_ORDER_KEY] = order.token
            return redirect("checkout:payment", token=order.token)

    # Fees and totals as they would be charged with the options chosen so far.
    for group in groups:
        group["subtotal_cents"] = to_cents(group["item"].subtotal)
        if group["form"] is None:
            group["fee"], group["total"] = ZERO, group["item"].subtotal
            continue
        for option in group["form"].options:
            option.fee_cents = to_cents(option.fee)
        option = group["form"].chosen
        group["fee"] = option.fee if option is not None else None
        group["total"] = group["item"].subtotal + (option.fee if option is not None else 0)
    grand_total = sum(g["total"] for g in groups)
    return render(
        request,
        "checkout/checkout.html",
        {
            "groups": groups,
            "contact": contact,
            "grand_total": grand_total,
            "all_chosen": all(g["fee"] is not None for g in groups),
            "has_errors": request.method == "POST",
        },
    )


# Payment -----------------------------------------------------------------------


def _order(token: str) -> Order:
    if not token or len(token) > 64:
        raise Http404
    return get_object_or_404(Order, token=token)


def _empty_basket_once_paid(request, order: Order) -> None:
    if order.status == OrderStatus.PAID and request.session.get(BASKET_ORDER_KEY) == order.token:
        Basket(request.session).clear()
        del request.session[BASKET_ORDER_KEY]


def _not_payable_message(order: Order) -> str:
    if order.status == OrderStatus.REPLACED:
        return _("Cette commande a été remplacée par une commande plus récente de votre panier : rien n'a été débité pour celle-ci.")
    return _("La réservation de vos articles a expiré : validez à nouveau votre panier.")


def _failed_page(request, order: Order):
    """The page of an order that cannot be paid: why, and where to go on (the basket's newer order, if any)."""
    context = {"order": order, "shop_orders": order.shop_orders.prefetch_related("lines").order_by("pk")}
    if order.status == OrderStatus.REPLACED:
        context["newer"] = (
            Order.objects.filter(basket_key=order.basket_key, pk__gt=order.pk).order_by("-pk").first()
            if order.basket_key else None
        )
    return render(request, "checkout/payment_failed.html", context)


def _held(order: Order) -> bool:
    """Whether the order is still payable, its hold extended; an order past its hold is expired now."""
    if order.status == OrderStatus.PENDING and services.extend_hold(order) is None:
        services.expire_order(order.pk)
        order.refresh_from_db()
    return order.status == OrderStatus.PENDING


def payment_view(request, token):
    """The payment page: never stored (it carries the payment's client secret; back and reload ask again)."""
    response = _payment_page(request, token)
    response["Cache-Control"] = "private, no-store"
    return response


def _payment_page(request, token):
    order = _order(token)
    if order.status == OrderStatus.PAID:
        return redirect("checkout:order", token=order.token)
    if not _held(order):
        return _failed_page(request, order)
    context = {"order": order, "shop_orders": order.shop_orders.prefetch_related("lines").order_by("pk")}
    try:
        client_secret = services.start_payment(order)
    except (services.CheckoutError, gateway.GatewayError):
        context["unavailable"] = True
        return render(request, "checkout/payment.html", context)
    context.update(
        {
            "client_secret": client_secret,
            "hold_url": reverse("checkout:hold", args=[order.token]),
            # A <time> the page updates as it extends the hold.
            "hold_until": format_html(
                '<time id="hold-until" datetime="{}">{}</time>',
                order.hold_expires_at.isoformat(), timezone.localtime(order.hold_expires_at).strftime("%H:%M"),
            ),
            "publishable_key": gateway.publishable_key(),
            "stripe_js_url": gateway.js_url(),
        }
    )
    # The one page that loads the payment provider's script and frames (portal.security_headers).
    return allow_payment_provider(render(request, "checkout/payment.html", context), gateway.csp_sources())


@require_POST
def confirm_card(request, token):
    """One card attempt on the order, with the card the page just turned into a payment method.

    Answers JSON: {"status": ..., "client_secret": ...} — `requires_action`
    means the page runs the 3-D Secure step with `confirmCardPayment` and
    that client secret, `processing` that an earlier attempt may be paying —
    or {"error": message for the customer}. After a declined card the same
    page tries another: each attempt has its own PaymentIntent.
    """
    order = _order(token)
    payment_method = request.POST.get("payment_method", "")
    if not PAYMENT_METHOD_ID.match(payment_method):
        return HttpResponseBadRequest("payment_method")
    if order.status == OrderStatus.PAID:
        return JsonResponse({"status": "succeeded"})
    if not _held(order):
        return JsonResponse({"error": _not_payable_message(order)}, status=409)
    try:
        info = services.pay_by_card(order, payment_method)
    except services.PaymentUnderway:
        return JsonResponse({"status": "processing"})
    except gateway.PaymentDeclined as error:
        return JsonResponse({"error": error.customer_message}, status=402)
    except gateway.GatewayError:
        return JsonResponse({"error": _("Le paiement n'a pas pu être effectué. Réessayez dans un instant.")}, status=502)
    except services.CheckoutError as error:
        return JsonResponse({"error": str(error)}, status=409)
    if info.status == "succeeded":
        # Stripe's own answer to our confirm call: record the payment now, so that neither the return
        # page nor the webhook has to ask Stripe again (both find the order paid and stop there).
        # Any failure here leaves the order pending for them, as before: the card was charged all the same.
        try:
            services.confirm_payment(info.id, info.amount_cents, info.currency)
        except (services.PaymentMismatch, services.UnknownPayment, OperationalError) as error:
            logger.warning("Order %s: payment %s left to the return page and the webhook: %s", order.pk, info.id, error)
    return JsonResponse({"status": info.status, "client_secret": info.client_secret})


@require_POST
def extend_hold(request, token):
    """The open payment page keeps the order's stock held: {"expires_at": ISO time} or 409 once it ended."""
    order = _order(token)
    if order.status == OrderStatus.PAID:
        return JsonResponse({"status": "paid"})
    if not _held(order):
        return JsonResponse({"status": "expired", "error": _not_payable_message(order)}, status=409)
    return JsonResponse({"status": "pending", "expires_at": order.hold_expires_at.isoformat()})


def payment_return(request, token):
    """Where the payment page leads: the order as the card confirmation or the webhook left it.

    Paid already (the usual case): one query, and on to the order page. Still
    pending (3-D Secure confirmed in the browser, or the confirmation failed):
    ask the provider now, so the order is confirmed before the webhook.
    """
    order = _order(token)
    if order.status == OrderStatus.PENDING:
        payment = services.open_payment(order)
        if payment is not None:
            with contextlib.suppress(gateway.GatewayError, services.PaymentMismatch, services.UnknownPayment):
                services.sync_payment(payment.provider_id)
            order.refresh_from_db()
    if order.status == OrderStatus.PAID:
        _empty_basket_once_paid(request, order)
        return redirect("checkout:order", token=order.token)
    return _failed_page(request, order)


def _with_refunds(order: Order, shop_orders: list) -> dict:
    """Set `refunded` and `net` on each shop order; the order's paid, refunded and net totals."""
    refunded = dict(
        Refund.objects.filter(shop_order__order=order, state=RefundState.SUCCEEDED)
        .values("shop_order")
        .annotate(total=Sum("amount"))
        .values_list("shop_order", "total")
    )
    for shop_order in shop_orders:
        shop_order.refunded = refunded.get(shop_order.pk, ZERO)
        shop_order.net = shop_order.total - shop_order.refunded
    total_refunded = sum(refunded.values(), ZERO)
    return {"refunded_total": total_refunded, "net_total": order.total - total_refunded}


def order_view(request, token):
    order = _order(token)
    shop_orders = list(order.shop_orders.prefetch_related("lines").order_by("pk"))
    totals = _with_refunds(order, shop_orders) if order.status == OrderStatus.PAID else {}
    _empty_basket_once_paid(request, order)
    voucher_items = order_voucher_items(order) if order.status == OrderStatus.PAID else []
    held_bundles = bundles_of_orders([order], get_language())[order.pk]
    parts_held = in_bundles(held_bundles)
    names = {line.pk: line.display_name for shop_order in shop_orders for line in shop_order.lines.all()}
    for item in voucher_items:
        item["name"] = names.get(item["voucher"].order_line_id, "")
        item["in_bundle"] = parts_held.get(item["voucher"].pk)
    invoice_items = [
        {"invoice": invoice, "path": customer_pdf_path(invoice, order)} for invoice in customer_invoices(order)
    ]
    response = render(
        request,
        "checkout/order.html",
        {
            "order": order, "shop_orders": shop_orders, "voucher_items": voucher_items,
            "invoice_items": invoice_items, "held_bundles": held_bundles, **totals,
        },
    )
    # A private link: keep it out of shared caches and referrers.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
