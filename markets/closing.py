"""A merchant closes their shop: it leaves the site, their login stops, the books stay.

`close_shop` is what the merchant's "Fermer ma boutique" screen calls
(markets.closing_admin), after the merchant typed their password again:

- every live page of the shop, in every language, and its products are
  unpublished, and a first publication waiting for the editors is
  cancelled (approving it would put the shop back online);
- the shop's merchant accounts that run nothing else are deactivated at
  once: Django refuses an inactive account's sessions, so no page of the
  admin stays open to them;
- its accepted parts of other shops' bundles are withdrawn
  (`shops.bundles.withdraw_shop`): those bundles go off sale, and what
  customers have not used yet of the shop's parts is refunded (checkout,
  on `part_withdrawn`);
- nothing else changes. Orders, invoices, weekly statements, the ledger,
  payouts and the bank account are kept as the law requires, and the
  weekly statements go on paying the shop's balance: they and the payout
  export read the ledger and the bank account, never the shop's
  publication nor an account's activity. A statement is e-mailed to the
  shop page's own address;
- the closure is written to Wagtail's log, and the territory's editors are
  told by e-mail (once, even if the task runs twice).

A returning merchant registers again with the same SIRET: the editors'
approval reopens the shop with a new account (markets.onboarding).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django_q.tasks import async_task
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.log_actions import log
from wagtail.models import Page, PageLogEntry

from markets.editors import is_editor
from markets.emails import base_url, territory_editors
from markets.models import MarketPage, Merchant
from portal.emails import account_languages, send_templated_email
from portal.task_queue import retried
from portal.templatetags.portal_tags import territory_name
from shops.bundles import withdraw_shop
from shops.models import ShopPage

CLOSE_ACTION = "markets.shop.close"
CLOSURE_NOTICE_ACTION = "markets.shop.closure_notice"


class ClosingRefused(Exception):
    """The user may not close this shop."""


class ClosingBlocked(Exception):
    """The shop still owes its customers something (`reasons`, sentences for the merchant)."""

    def __init__(self, reasons: list[str]):
        super().__init__(reasons)
        self.reasons = reasons


# What the apps above this one (which it may not import) say keeps a shop from closing:
# callables (shop page) -> list of sentences; checkout registers its orders still to hand over.
closing_blockers: list[Callable[[ShopPage], list[str]]] = []


def reasons_not_to_close(shop: ShopPage) -> list[str]:
    """Why `shop` cannot close yet (nothing when it can)."""
    return [reason for blocker in closing_blockers for reason in blocker(shop)]


@dataclass(frozen=True)
class Closure:
    shop: ShopPage
    unpublished: list[int]
    deactivated: list[int]
    log_entry_id: int


def shops_closable_by(user) -> QuerySet[ShopPage]:
    """The default-locale shops `user` holds a merchant account of; only an active account closes anything.

    Editors and the platform operator manage shops without being their
    merchants: they are not offered to close them.
    """
    if not user.is_authenticated or not user.is_active:
        return ShopPage.objects.none()
    keys = Merchant.objects.filter(user=user).values("shop__translation_key")
    default_language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    return ShopPage.objects.filter(translation_key__in=keys, locale__language_code=default_language).order_by("title")


@transaction.atomic
def close_shop(shop_id: int, user) -> Closure:
    """Close the shop whose (default-locale) page is `shop_id`, as its merchant `user`. See the module.

    The caller checks the password. Raises `ClosingRefused` when `user` is
    not an active merchant of that shop, `ClosingBlocked` while the shop
    still owes its customers something (`reasons_not_to_close`).
    """
    shop = shops_closable_by(user).filter(pk=shop_id).first()
    if shop is None:
        raise ClosingRefused(shop_id)
    # Serialise with an editor's publication or a statement run on this shop (both lock its pages).
    translations = list(Page.objects.select_for_update().filter(translation_key=shop.translation_key).order_by("pk"))
    reasons = reasons_not_to_close(shop)
    if reasons:
        raise ClosingBlocked(reasons)
    for page in translations:
        state = page.current_workflow_state
        if state is not None:
            state.cancel(user=user)

    live = Page.objects.none()
    for page in translations:
        live |= Page.objects.descendant_of(page, inclusive=True).live()
    unpublished = sorted(live.values_list("pk", flat=True))
    # Deepest first, as an editor would; unpublishing a French page may take its translations
    # offline with it (portal.translation_sync), so each page is read again just before.
    for page in Page.objects.filter(pk__in=unpublished).order_by("-depth", "pk").specific():
        if Page.objects.filter(pk=page.pk, live=True).exists():
            UnpublishPageAction(page, user=user).execute(skip_permission_checks=True)

    bundle_parts_withdrawn = withdraw_shop(shop, user)
    deactivated = _deactivate_accounts(shop)
    entry = log(
        instance=shop,
        action=CLOSE_ACTION,
        user=user,
        data={"shop_id": shop.pk, "title": shop.title, "unpublished": unpublished, "deactivated": deactivated,
              "bundle_parts_withdrawn": bundle_parts_withdrawn},
    )
    transaction.on_commit(lambda: async_task("markets.closing.send_closure_notice", entry.pk))
    return Closure(shop=shop, unpublished=unpublished, deactivated=deactivated, log_entry_id=entry.pk)


def _deactivate_accounts(shop: ShopPage) -> list[int]:
    """Deactivate the shop's merchant accounts that run no other shop and are nobody else (editor, operator)."""
    accounts = Merchant.objects.filter(shop__translation_key=shop.translation_key, user__is_active=True)
    deactivated = []
    for merchant in accounts.select_related("user").order_by("user_id"):
        user = merchant.user
        other_shop = Merchant.objects.filter(user=user, user__is_active=True).exclude(
            shop__translation_key=shop.translation_key
        )
        if user.is_superuser or user.is_staff or is_editor(user) or other_shop.exists():
            continue
        user.is_active = False
        user.save(update_fields=["is_active"])
        deactivated.append(user.pk)
    return deactivated


@retried()
def send_closure_notice(log_entry_id: int) -> int:
    """Task: tell the territory's editors that a merchant closed their shop; once. Returns how many were told."""
    with transaction.atomic():
        entry = PageLogEntry.objects.select_related("user").get(pk=log_entry_id, action=CLOSE_ACTION)
        # The notice is recorded in the log under the shop's lock: a second run finds it and sends nothing.
        Page.objects.select_for_update().filter(pk=entry.page_id).values_list("pk").first()
        if PageLogEntry.objects.filter(
            page_id=entry.page_id, action=CLOSURE_NOTICE_ACTION, data__closure=log_entry_id
        ).exists():
            return 0
        shop = ShopPage.objects.get(pk=entry.page_id)
        market = shop.get_parent().specific
        editors = territory_editors(market.territory)
        languages = account_languages(editor.pk for editor in editors)
        sent = set()
        for editor in editors:
            if editor.email.lower() in sent:
                continue
            sent.add(editor.email.lower())
            language = languages[editor.pk]
            shown_market = (
                MarketPage.objects.filter(
                    translation_key=market.translation_key, locale__language_code=language
                ).first()
                or market
            )
            context = {
                "editor": editor,
                "shop": shop,
                "merchant": entry.user,
                "closed_at": entry.timestamp,
                "territory_name": territory_name(shown_market, language),
                "history_url": base_url() + reverse("wagtailadmin_pages:history", args=[shop.pk]),
            }
            send_templated_email("markets/emails/shop_closed", context, editor.email, language, about=shop)
        log(instance=shop, action=CLOSURE_NOTICE_ACTION, user=None, data={"closure": log_entry_id, "told": len(sent)})
    return len(sent)
