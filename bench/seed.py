"""The bench's market: T territories x S shops x P products, with a season of orders.

Run by `bench/run.py` as `python -m bench.seed --territories 3 --shops 300
--products 10` with `DJANGO_SETTINGS_MODULE=bench.settings`.

Why not `seed_demo --shops 300`: the demo builder goes through Wagtail's
page API (add_child, revision, publish, wagtail-localize records), about a
second per shop of ten products on this 2-core machine: 15 minutes for 900
shops, the whole budget of `make bench`. So:

1. the demo builder makes the real thing for the first `TEMPLATE_SHOPS`
   shops of each territory: home, markets, help pages, partners, editors,
   merchants with their permissions, images, wagtail-localize records;
2. the other shops are written in bulk, French and English pages side by
   side (same translation key, tree paths computed here), with delivery
   options, products, stock rows and merchant accounts. They reuse the
   template shops' images (no drawing, no upload), get no revisions and no
   search or reference index entries: the public pages and the merchant's
   orders list read none of these;
3. a season of paid orders (with lines, payments and ledger entries, dated
   between the market's opening and its closing) is written in bulk.

Shop names past the ones the demo plan can make (233 per territory) are
the plan's names again with a number ("Fromagerie Le Gall 2").
The season sells gift-voucher products but issues no `Voucher` rows yet
(the voucher model arrived after this seed was written): a follow-up.
"""

import argparse
import dataclasses
import logging
import random
import sys
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from datetime import time as dtime
from decimal import Decimal

import django

TEMPLATE_SHOPS = 3
BENCH_MERCHANT_SHOP_ORDERS = 400  # the orders list the bench's merchant opens: 8 pages of 50


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--territories", type=int, default=3)
    parser.add_argument("--shops", type=int, default=300)
    parser.add_argument("--products", type=int, default=10)
    parser.add_argument("--orders-per-shop", type=int, default=8)
    args = parser.parse_args(argv)
    django.setup()
    started = time.monotonic()
    seed(args.territories, args.shops, args.products, args.orders_per_shop)
    print(f"seed: {time.monotonic() - started:.1f} s", flush=True)


def seed(territories: int, shops: int, products: int, orders_per_shop: int) -> None:
    from django.core.management import call_command
    from django.db import transaction

    from home.demo import content
    from home.demo.builder import DemoBuilder
    from home.management.commands.seed_demo import NOISY_LOGGERS, quiet

    if not 1 <= territories <= len(content.TERRITORIES):
        raise SystemExit(f"--territories must be between 1 and {len(content.TERRITORIES)}")
    if not 1 <= products <= 15:
        raise SystemExit("--products must be between 1 and 15")
    specs = content.TERRITORIES[:territories]

    call_command("migrate", "--noinput", verbosity=0)
    step = time.monotonic()
    builder = DemoBuilder(orders=False, shops_per_territory=min(TEMPLATE_SHOPS, shops), products_min=products,
                          products_max=products, territories=specs)
    with quiet(NOISY_LOGGERS):
        builder.build()
    print(f"seed: demo builder, {min(TEMPLATE_SHOPS, shops)} shops per territory: "
          f"{time.monotonic() - step:.1f} s", flush=True)

    step = time.monotonic()
    for spec in specs:
        with transaction.atomic():
            BulkShops(builder, spec, products).write(range(TEMPLATE_SHOPS, shops))
    print(f"seed: bulk shops: {time.monotonic() - step:.1f} s", flush=True)

    step = time.monotonic()
    with transaction.atomic():
        Season(specs, orders_per_shop).write()
    print(f"seed: season of orders: {time.monotonic() - step:.1f} s", flush=True)


def shop_plans(spec, indexes, products):
    """The demo plan's shops, numbered copies of them past its last one."""
    from django.utils.text import slugify

    from home.demo.plan import max_shops, plan_shops

    limit = max_shops(spec)
    wanted = list(indexes)
    if not wanted:
        return []
    base = plan_shops(spec, min(limit, max(wanted) + 1), products, products)
    plans = []
    for index in wanted:
        plan = base[index % limit]
        if index >= limit:
            name = f"{plan.name} {index // limit + 1}"
            plan = dataclasses.replace(plan, index=index, name=name, slug=slugify(name),
                                       email=f"contact@{slugify(name)}.example")
        plans.append(plan)
    return plans


class BulkShops:
    """Shops of one territory written in bulk, in French and English."""

    BATCH = 200

    def __init__(self, builder, spec, products):
        from django.contrib.contenttypes.models import ContentType
        from wagtail.models import Locale

        from home.models import HomePage
        from markets.models import MarketPage, Territory
        from shops.models import ProductPage, ShopPage

        self.builder = builder
        self.spec = spec
        self.products = products
        self.fr = Locale.objects.get(language_code="fr")
        self.en = Locale.objects.get(language_code="en")
        territory = Territory.objects.get(slug=spec.slug)
        home_fr = HomePage.objects.get(locale=self.fr)
        self.market_fr = MarketPage.objects.child_of(home_fr).get(territory=territory)
        self.market_en = self.market_fr.get_translation(self.en)
        self.shop_type = ContentType.objects.get_for_model(ShopPage)
        self.product_type = ContentType.objects.get_for_model(ProductPage)
        # The template shops' pictures: [cover, product, product, product] each.
        self.pictures = [builder._pictures[p.slug] for p in shop_plans(spec, range(TEMPLATE_SHOPS), products)
                         if p.slug in builder._pictures]
        if not self.pictures:
            self.pictures = [self._pictures_of_existing_shops()]

    def _pictures_of_existing_shops(self):
        from shops.models import ProductPage, ShopPage

        shop = ShopPage.objects.child_of(self.market_fr).order_by("path").first()
        covers = list(ProductPage.objects.child_of(shop).values_list("cover_image", flat=True).distinct()[:3])
        from wagtail.images import get_image_model

        images = get_image_model().objects.in_bulk([shop.cover_image_id, *covers])
        return [images[shop.cover_image_id], *(images[c] for c in covers)]

    def write(self, indexes) -> None:
        plans = shop_plans(self.spec, indexes, self.products)
        existing = set(self._child_slugs(self.market_fr))
        plans = [p for p in plans if p.slug not in existing]
        for start in range(0, len(plans), self.BATCH):
            self._batch(plans[start:start + self.BATCH])

    @staticmethod
    def _child_slugs(page):
        from wagtail.models import Page

        return Page.objects.child_of(page).values_list("slug", flat=True)

    @staticmethod
    def _next_step(parent) -> int:
        from wagtail.models import Page

        last = Page.objects.child_of(parent).order_by("-path").values_list("path", flat=True).first()
        return Page._str2int(last[-Page.steplen:]) + 1 if last else 1

    def _batch(self, plans) -> None:
        from django.contrib.auth import get_user_model
        from django.utils import timezone
        from wagtail.models import Page

        from shops.models import DeliveryOption, ProductPage, ProductStock, ShopPage

        User = get_user_model()
        now = timezone.now()
        password = self.builder._password_hash()
        users = User.objects.bulk_create(
            [User(username=p.slug, first_name=p.manager[0], last_name=p.manager[1], email=p.email,
                  password=password) for p in plans]
        )
        if any(u.pk is None for u in users):
            users = list(User.objects.filter(username__in=[p.slug for p in plans]).order_by("pk"))
        owner = {u.username: u for u in users}

        shops = {"fr": [], "en": []}
        for lang, market in (("fr", self.market_fr), ("en", self.market_en)):
            step = self._next_step(market)
            for offset, plan in enumerate(plans):
                pictures = self.pictures[plan.index % len(self.pictures)]
                text = (lambda bi: bi.fr) if lang == "fr" else (lambda bi: bi.en)
                key = shops["fr"][offset].translation_key if lang == "en" else uuid.uuid4()
                shops[lang].append(ShopPage(
                    content_type=self.shop_type, title=plan.name, draft_title=plan.name, slug=plan.slug,
                    path=Page._get_path(market.path, market.depth + 1, step + offset), depth=market.depth + 1,
                    numchild=len(plan.products), url_path=f"{market.url_path}{plan.slug}/",
                    live=True, has_unpublished_changes=False, first_published_at=now, last_published_at=now,
                    locale=self.fr if lang == "fr" else self.en, translation_key=key,
                    owner=owner[plan.slug], legal_name=plan.legal_name, siret=plan.siret,
                    vat_status=plan.vat_status, vat_number=plan.vat_number, category=plan.category,
                    street=plan.street, postcode=plan.town.postcode, city=plan.town.name,
                    description=text(plan.description), opening_hours=text(plan.opening_hours),
                    phone=plan.phone, email=plan.email, cover_image=pictures[0],
                ))
            _insert_pages(ShopPage, shops[lang])
            type(market).objects.filter(pk=market.pk).update(numchild=market.numchild + len(plans))
            market.numchild += len(plans)

        # One translation key per French row, shared by its English row (translatable rows).
        option_keys = [[uuid.uuid4() for _ in plan.deliveries] for plan in plans]
        DeliveryOption.objects.bulk_create([
            DeliveryOption(page_id=shop.pk, locale=shop.locale, translation_key=keys[i], kind=d.kind,
                           instructions=getattr(d.instructions, lang), area=getattr(d.area, lang),
                           carrier=d.carrier, fee=d.fee, sort_order=i)
            for lang in ("fr", "en") for shop, plan, keys in zip(shops[lang], plans, option_keys, strict=True)
            for i, d in enumerate(plan.deliveries)
        ])

        products = {"fr": [], "en": []}
        stock = []
        for lang in ("fr", "en"):
            for index, (shop, plan) in enumerate(zip(shops[lang], plans, strict=True)):
                pictures = self.pictures[plan.index % len(self.pictures)][1:]
                for position, product_plan in enumerate(plan.products):
                    if lang == "fr":
                        key = uuid.uuid4()
                        stock.append(ProductStock(translation_key=key, quantity=product_plan.quantity))
                    else:
                        key = products["fr"][sum(len(p.products) for p in plans[:index]) + position].translation_key
                    name = product_plan.name.fr if lang == "fr" else product_plan.name.en
                    slug = product_plan.slug.fr if lang == "fr" else product_plan.slug.en
                    products[lang].append(ProductPage(
                        content_type=self.product_type, title=name, draft_title=name, slug=slug,
                        path=Page._get_path(shop.path, shop.depth + 1, position + 1), depth=shop.depth + 1,
                        numchild=0, url_path=f"{shop.url_path}{slug}/", live=True, has_unpublished_changes=False,
                        first_published_at=now, last_published_at=now, locale=shop.locale, translation_key=key,
                        owner_id=shop.owner_id, kind=product_plan.kind, price=product_plan.price,
                        vat_rate=product_plan.vat_rate, valid_until=product_plan.valid_until,
                        cover_image=pictures[product_plan.picture % len(pictures)],
                        description=product_plan.description.fr if lang == "fr" else product_plan.description.en,
                        options=self.builder._options(plan, product_plan, lang),
                    ))
            _insert_pages(ProductPage, products[lang])
        ProductStock.objects.bulk_create(stock)


def _insert_pages(model, pages, batch=100) -> None:
    """Page rows first (Django's bulk_create refuses multi-table models), then the model's own rows."""
    from wagtail.models import Page

    for start in range(0, len(pages), batch):
        chunk = pages[start:start + batch]
        Page.objects.bulk_create(chunk)
        for page in chunk:
            page.page_ptr_id = page.id
        model._base_manager._insert(chunk, fields=model._meta.local_concrete_fields)


class Season:
    """Paid orders across each market's shops, from its opening day to its closing day."""

    def __init__(self, specs, orders_per_shop):
        self.specs = specs
        self.orders_per_shop = orders_per_shop

    def write(self) -> None:
        from checkout.models import Order

        if Order.objects.exists():
            return
        for spec in self.specs:
            self._territory(spec)

    def _territory(self, spec) -> None:
        from django.db import connection
        from django.utils import timezone
        from wagtail.models import Locale

        from checkout.billing.commissions import rate_in_force
        from checkout.models import (
            LedgerEntry,
            LedgerKind,
            Order,
            OrderLine,
            OrderStatus,
            Payment,
            PaymentState,
            ShopOrder,
        )
        from markets.models import MarketPage, Territory
        from portal.money import quantize_eur
        from shops.models import DeliveryOption, ProductPage, ShopPage

        rng = random.Random(f"bench-season:{spec.slug}")
        territory = Territory.objects.get(slug=spec.slug)
        fr = Locale.objects.get(language_code="fr")
        market = MarketPage.objects.get(territory=territory, locale=fr)
        rate = rate_in_force(territory.pk, spec.opens)
        shops = list(ShopPage.objects.child_of(market).order_by("path"))
        products_by_shop = defaultdict(list)
        for product in ProductPage.objects.descendant_of(market).filter(locale=fr).order_by("path"):
            products_by_shop[product.path[:-ProductPage.steplen]].append(product)
        pickup = {}
        for option in DeliveryOption.objects.filter(page__in=shops, kind="pickup"):
            pickup.setdefault(option.page_id, option)
        shops = [s for s in shops if products_by_shop[s.path] and s.pk in pickup]
        # The first shop is the one whose merchant the bench logs in as: a long orders list.
        weights = [BENCH_MERCHANT_SHOP_ORDERS / max(self.orders_per_shop, 1) if i == 0 else 1
                   for i in range(len(shops))]
        count = self.orders_per_shop * len(shops)

        opens = datetime.combine(spec.opens, dtime(10), tzinfo=timezone.get_current_timezone())
        closes = datetime.combine(spec.closes, dtime(19), tzinfo=timezone.get_current_timezone())
        span = (closes - opens).total_seconds()
        orders, plans = [], []
        for n in range(count):
            placed = opens + timedelta(seconds=rng.uniform(0, span))
            chosen = {id(s): s for s in rng.choices(shops, weights=weights, k=rng.choice((1, 1, 1, 2, 2, 3)))}
            parts = []
            for shop in chosen.values():
                lines = rng.sample(products_by_shop[shop.path], k=min(rng.choice((1, 1, 2, 3)),
                                                                     len(products_by_shop[shop.path])))
                parts.append((shop, [(p, rng.choice((1, 1, 1, 2))) for p in lines]))
            total = sum(p.price * q for _, lines in parts for p, q in lines)
            orders.append(Order(territory=territory, customer_name=f"Client {spec.slug} {n}",
                                customer_email=f"client{n}@{spec.slug}.example", language=rng.choice(("fr", "en")),
                                status=OrderStatus.PAID, total=total, hold_expires_at=placed + timedelta(minutes=30),
                                paid_at=placed, confirmation_sent_at=placed))
            plans.append((placed, parts))
        Order.objects.bulk_create(orders, batch_size=500)
        for order, (placed, _parts) in zip(orders, plans, strict=True):
            order.created_at = placed
        Order.objects.bulk_update(orders, ["created_at"], batch_size=500)

        shop_orders, line_rows, payments = [], [], []
        for order, (placed, parts) in zip(orders, plans, strict=True):
            payments.append(Payment(order=order, provider_id=f"pi_bench_{order.pk}", amount=order.total,
                                    state=PaymentState.SUCCEEDED))
            for shop, lines in parts:
                subtotal = sum(p.price * q for p, q in lines)
                option = pickup[shop.pk]
                shop_order = ShopOrder(
                    order=order, shop=shop, trade_name=shop.title, legal_name=shop.legal_name, siret=shop.siret,
                    vat_status=shop.vat_status, vat_number=shop.vat_number, merchant_email=shop.email,
                    delivery_kind=option.kind, delivery_label=str(option.get_kind_display()),
                    delivery_detail=option.instructions, delivery_fee=Decimal("0.00"), subtotal=subtotal,
                    total=subtotal, commission_rate=rate, commission_amount=quantize_eur(subtotal * rate / 100),
                    merchant_notified_at=placed,
                )
                shop_orders.append(shop_order)
                line_rows.append((shop_order, lines))
        Payment.objects.bulk_create(payments, batch_size=500)
        ShopOrder.objects.bulk_create(shop_orders, batch_size=500)
        OrderLine.objects.bulk_create([
            OrderLine(shop_order=shop_order, product_key=p.translation_key, product=p, name=p.title, kind=p.kind,
                      unit_price=p.price, vat_rate=Decimal(p.vat_rate), quantity=q, total=p.price * q)
            for shop_order, lines in line_rows for p, q in lines
        ], batch_size=500)
        # Sold counts as the order service keeps them (bench/checks.py compares them with the paid lines).
        from shops.models import ProductStock

        sold = defaultdict(int)
        for _shop_order, lines in line_rows:
            for p, q in lines:
                sold[p.translation_key] += q
        stocks = list(ProductStock.objects.filter(translation_key__in=sold))
        for stock in stocks:
            stock.sold += sold[stock.translation_key]
        ProductStock.objects.bulk_update(stocks, ["sold"], batch_size=500)
        LedgerEntry.objects.bulk_create([
            entry for so in shop_orders for entry in (
                LedgerEntry(kind=LedgerKind.SALE, shop=so.shop, shop_order=so, amount=so.total),
                LedgerEntry(kind=LedgerKind.COMMISSION, shop=so.shop, shop_order=so, amount=-so.commission_amount),
            )
        ], batch_size=500)
        # Entries are dated like their order (the ledger refuses updates through the ORM).
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE checkout_ledgerentry SET created_at = (SELECT o.created_at FROM checkout_order o "
                "JOIN checkout_shoporder so ON so.order_id = o.id WHERE so.id = checkout_ledgerentry.shop_order_id) "
                "WHERE shop_order_id IN (SELECT so.id FROM checkout_shoporder so JOIN checkout_order o "
                "ON so.order_id = o.id WHERE o.territory_id = %s)",
                [territory.pk],
            )
        # Every shop can be paid, so the Monday run's SEPA file holds them all.
        from schwifty import IBAN

        from checkout.models import PayoutAccount

        PayoutAccount.objects.bulk_create([
            PayoutAccount(shop=shop, holder=shop.legal_name[:70],
                          iban=IBAN.generate("FR", bank_code="3000600001", account_code=f"{shop.pk:011d}").compact)
            for shop in shops
        ], batch_size=500, ignore_conflicts=True)
        print(f"seed: {spec.slug}: {len(orders)} orders, {len(shop_orders)} shop orders", flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
