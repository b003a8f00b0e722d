"""The migration that made delivery options translatable pairs existing English rows with the French ones."""

import importlib
import uuid
from decimal import Decimal

import pytest
from django.apps import apps

from shops.models import DeliveryKind, DeliveryOption
from tests.fixtures import factories as f

pytestmark = pytest.mark.django_db

migration = importlib.import_module("shops.migrations.0005_delivery_option_translatable")


def test_english_rows_take_the_key_of_the_french_row_of_the_same_mode_and_their_pages_locale():
    f.english_home()
    market = f.make_market(f.french_home())
    f.translate(market, slug="christmas-market")
    shop = f.make_shop(market, delivery_options=[f.pickup(), f.home_delivery(), f.postal()])
    english = f.translate(shop)
    # As before the migration: English rows copied by hand, in another order, keys of their own.
    DeliveryOption.objects.filter(page=english).delete()
    for sort_order, kind in enumerate((DeliveryKind.POSTAL, DeliveryKind.PICKUP)):
        DeliveryOption.objects.create(
            page=english, kind=kind, sort_order=sort_order, translation_key=uuid.uuid4(), locale=shop.locale,
            carrier="La Poste" if kind == DeliveryKind.POSTAL else "", fee=Decimal("0.00"),
        )

    migration.pair_rows(apps, None)

    french = {o.kind: o for o in DeliveryOption.objects.filter(page=shop)}
    paired = {o.kind: o for o in DeliveryOption.objects.filter(page=english)}
    assert {k: o.translation_key for k, o in paired.items()} == {
        "postal": french["postal"].translation_key, "pickup": french["pickup"].translation_key,
    }
    assert {o.locale.language_code for o in paired.values()} == {"en"}
    assert {o.locale.language_code for o in french.values()} == {"fr"}
    assert len({o.translation_key for o in french.values()}) == 3


def test_rows_kept_in_revisions_get_the_keys_of_the_rows_so_an_old_revision_still_pairs():
    from wagtail.models import Revision

    market = f.make_market(f.french_home())
    shop = f.make_shop(market, delivery_options=[f.pickup(), f.home_delivery()])
    revision = shop.latest_revision
    # As before the migration: stored rows without key nor locale.
    for row in revision.content["delivery_options"]:
        del row["translation_key"], row["locale"]
    Revision.objects.filter(pk=revision.pk).update(content=revision.content)

    migration.pair_rows(apps, None)

    rows = {o.pk: o for o in DeliveryOption.objects.filter(page=shop)}
    stored = Revision.objects.get(pk=revision.pk).content["delivery_options"]
    assert {r["pk"]: (r["translation_key"], r["locale"]) for r in stored} == {
        pk: (str(o.translation_key), o.locale_id) for pk, o in rows.items()
    }
    assert {o.translation_key for o in Revision.objects.get(pk=revision.pk).as_object().delivery_options.all()} == {
        o.translation_key for o in rows.values()
    }
