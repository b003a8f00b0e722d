"""Access follows keys, not names: renaming a territory or a shop changes nobody's rights."""

import importlib
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse
from wagtail.models import Collection, GroupApprovalTask, Workflow, WorkflowPage

from markets import onboarding
from markets.editors import (
    editors_group,
    grant_page_permissions,
    is_editor,
    make_editor,
    territories_edited_by,
    territory_collection,
)
from markets.merchants import is_merchant, make_merchant, merchant_group, shop_collection
from markets.models import CommissionRate, Merchant, MerchantRegistration, MerchantShop, Territory
from shops.access import shops_managed_by
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import registration_data

LINK_MIGRATION = ("markets", "0006_link_groups_and_collections")
link_migration = importlib.import_module(f"markets.migrations.{LINK_MIGRATION[1]}")


def run_link_migration():
    """The migration's function on the historical models it runs with (the schema is that of 0006)."""
    historical = MigrationLoader(connection).project_state(LINK_MIGRATION).apps
    link_migration.link_existing(historical, None)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def registration(territory, n: int) -> MerchantRegistration:
    data = registration_data(n)
    return MerchantRegistration.objects.create(
        territory=territory, photo=data.pop("photo"),
        **{k: v for k, v in data.items() if k not in ("chain", "declared_independent")},
    )


def rename_shop(shop, title: str, slug: str):
    shop.title, shop.draft_title, shop.slug = title, title, slug
    return f.publish(shop)


def test_renaming_a_territory_keeps_its_editors_access_and_their_group(db, django_capture_on_commit_callbacks):
    # Given a territory with its French and English market, an editor, a commission step,
    # and a first registration approved (which made the first-publication workflow)
    home = f.french_home()
    f.english_home()
    territory = f.make_territory("Pays de Morlaix")
    market = f.make_market(home, territory)
    f.translate(market, title="Christmas market of the Morlaix area", slug="morlaix-en")
    editor = User.objects.create_user("editeur")
    make_editor(editor, territory)
    step = CommissionRate.objects.create(territory=territory, starts_on=date(2099, 1, 1), rate=Decimal("4.00"))
    with django_capture_on_commit_callbacks(execute=True):
        onboarding.approve_registration(registration(territory, 1).pk, editor)
    group = Group.objects.get(pk=territory.editors_group_id)
    collection_pk = territory.image_collection_id
    groups, workflows, tasks = Group.objects.count(), Workflow.objects.count(), GroupApprovalTask.objects.count()

    # When the operator renames the territory
    territory.name, territory.slug = "Morlaix Communauté", "morlaix-communaute"
    territory.save()

    # Then the editor still edits it: its market page, its registrations, its commission steps
    assert list(territories_edited_by(editor)) == [territory]
    assert is_editor(editor)
    client = client_for(editor)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[market.pk])).status_code == 200
    pending = registration(territory, 2)
    assert [r.pk for r in client.get(reverse("registrations:index")).context["object_list"]] == [
        pending.pk, MerchantRegistration.objects.get(status="approved").pk,
    ]
    assert [s.pk for s in client.get(reverse("commission_schedule:index")).context["object_list"]] == [step.pk]

    # When another editor is made and the next registration approved
    colleague = User.objects.create_user("collegue")
    make_editor(colleague, territory)
    with django_capture_on_commit_callbacks(execute=True):
        approved = onboarding.approve_registration(pending.pk, editor)

    # Then they share the same group, relabelled; only the new shop's group is new, and
    # the shop goes through the same first-publication workflow, relabelled too
    territory.refresh_from_db()
    assert territory.editors_group_id == group.pk and territory.image_collection_id == collection_pk
    assert list(colleague.groups.values_list("pk", flat=True)) == [group.pk]
    assert Group.objects.get(pk=group.pk).name == "Éditeurs — Morlaix Communauté"
    assert Collection.objects.get(pk=collection_pk).name == "Boutiques — Morlaix Communauté"
    assert Group.objects.count() == groups + 1
    assert Group.objects.filter(name__startswith="Éditeurs — ").count() == 1
    assert (Workflow.objects.count(), GroupApprovalTask.objects.count()) == (workflows, tasks)
    workflow = WorkflowPage.objects.get(page=approved.shop).workflow
    assert workflow.name == "Première mise en ligne — Morlaix Communauté"
    assert list(workflow.tasks.get().specific.groups.all()) == [group]
    assert list(territories_edited_by(colleague)) == [territory]


def test_renaming_a_shop_keeps_its_merchants_access_and_shares_its_group_and_collection(db):
    # Given a shop in French and English with its merchant
    home = f.french_home()
    f.english_home()
    market = f.make_market(home, f.make_territory("Pays de Morlaix"))
    f.translate(market, slug="morlaix-en")
    shop = f.make_shop(market, "Épicerie Kerjean", slug="epicerie-kerjean")
    shop_en = f.translate(shop, title="Kerjean Grocery", slug="kerjean-grocery")
    merchant = User.objects.create_user("kerjean")
    make_merchant(merchant, shop)
    access = MerchantShop.objects.get(translation_key=shop.translation_key)
    groups, collections = Group.objects.count(), Collection.objects.count()

    # When the shop changes its title and its slug
    shop = rename_shop(shop, "Épicerie fine Le Gall", "epicerie-le-gall")

    # Then its merchant still runs it, in both languages
    assert list(shops_managed_by(merchant)) == [shop]
    assert is_merchant(merchant)
    client = client_for(merchant)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[shop.pk])).status_code == 200
    assert client.get(reverse("wagtailadmin_pages:edit", args=[shop_en.pk])).status_code == 200

    # When a second merchant is made for it, and its group asked for again (first publication)
    colleague = User.objects.create_user("le-gall")
    second = make_merchant(colleague, shop_en)
    make_merchant(colleague, shop)

    # Then both share the one group and collection, relabelled; nothing new was made
    assert merchant_group(shop).pk == access.group_id
    assert shop_collection(shop_en).pk == access.collection_id
    assert list(colleague.groups.values_list("pk", flat=True)) == [access.group_id]
    assert (Group.objects.count(), Collection.objects.count()) == (groups, collections)
    assert sorted(Merchant.objects.filter(shop=access).values_list("user__username", flat=True)) == [
        "kerjean", "le-gall",
    ]
    assert second.shop_id == access.pk and second.group.pk == access.group_id
    assert Group.objects.get(pk=access.group_id).name == "Commerce — epicerie-le-gall"
    assert Collection.objects.get(pk=access.collection_id).name == "Épicerie fine Le Gall"
    assert list(shops_managed_by(colleague)) == [shop]


def test_a_group_merely_named_like_an_editors_or_merchants_group_gives_no_access(db):
    # Given a territory and a shop whose groups were never made, and a user put by hand
    # into groups bearing the names those groups would have had
    home = f.french_home()
    territory = f.make_territory("Pays de Brest")
    market = f.make_market(home, territory)
    shop = f.make_shop(market, "Café des Halles", slug="cafe-des-halles")
    impostor = User.objects.create_user("imposteur")
    impostor.groups.add(
        Group.objects.create(name="Éditeurs — Pays de Brest"), Group.objects.create(name="Commerce — cafe-des-halles")
    )

    # Then the names give them nothing
    assert list(territories_edited_by(impostor)) == []
    assert not is_editor(impostor)
    assert not is_merchant(impostor)
    assert list(shops_managed_by(impostor)) == []

    # When the real groups are made, they take free labels and the impostor stays outside
    owner = User.objects.create_user("owner")
    make_merchant(owner, shop)
    editor = User.objects.create_user("editor")
    make_editor(editor, territory)

    assert Group.objects.get(pk=territory.editors_group_id).name == "Éditeurs — Pays de Brest (2)"
    assert merchant_group(shop).name == "Commerce — cafe-des-halles (2)"
    assert (list(territories_edited_by(impostor)), is_merchant(impostor)) == ([], False)
    assert (list(territories_edited_by(editor)), list(shops_managed_by(owner))) == ([territory], [shop])


def test_two_shops_with_one_slug_in_two_markets_get_two_groups(db):
    # Given two markets, each with a shop slugged "fromagerie"
    home = f.french_home()
    shop_a = f.make_shop(f.make_market(home, f.make_territory("Pays A")), "Fromagerie", slug="fromagerie")
    shop_b = f.make_shop(f.make_market(home, f.make_territory("Pays B")), "Fromagerie", slug="fromagerie")
    merchant_a, merchant_b = User.objects.create_user("a"), User.objects.create_user("b")

    # When each gets its merchant
    make_merchant(merchant_a, shop_a)
    make_merchant(merchant_b, shop_b)

    # Then each runs their own shop only
    assert merchant_group(shop_a).pk != merchant_group(shop_b).pk
    assert (list(shops_managed_by(merchant_a)), list(shops_managed_by(merchant_b))) == ([shop_a], [shop_b])


def old_world():
    """Rows as the name-based code made them before migration 0005."""
    home = f.french_home()
    f.english_home()
    territory = f.make_territory("Pays de Morlaix")
    market = f.make_market(home, territory)
    f.translate(market, slug="morlaix-en")
    shop = f.make_shop(market, "Atelier du Bois Flotté", slug="atelier")
    f.translate(shop, title="Driftwood Workshop", slug="driftwood")
    root = Collection.get_first_root_node()
    territory_images = root.add_child(instance=Collection(name="Boutiques — Pays de Morlaix"))
    shop_images = territory_images.add_child(instance=Collection(name="Atelier du Bois Flotté"))
    editors = Group.objects.create(name="Éditeurs — Pays de Morlaix")
    grant_page_permissions(editors, [market], ["change_page"])
    merchants = Group.objects.create(name="Commerce — atelier")
    grant_page_permissions(merchants, [shop], ["add_page", "change_page"])
    editor, owner, partner = (User.objects.create_user(name) for name in ("editeur", "owner", "partner"))
    editor.groups.add(editors)
    owner.groups.add(merchants)
    partner.groups.add(merchants)
    # Nothing to link: a territory without groups, a group whose shop was deleted
    lonely = f.make_territory("Pays du Léon")
    Group.objects.create(name="Commerce — boutique-supprimee")
    return territory, lonely, shop, editors, merchants, territory_images, shop_images


def test_the_data_migration_links_the_groups_and_collections_found_by_name(db):
    # Given groups and collections made the old way, by name, and no link yet
    territory, lonely, shop, editors, merchants, territory_images, shop_images = old_world()
    assert (territory.editors_group_id, MerchantShop.objects.count()) == (None, 0)
    assert list(territories_edited_by(User.objects.get(username="editeur"))) == []

    # When the migration runs, twice
    run_link_migration()
    run_link_migration()

    # Then the territory holds its group and collection; the other territory nothing
    territory.refresh_from_db()
    lonely.refresh_from_db()
    assert (territory.editors_group_id, territory.image_collection_id) == (editors.pk, territory_images.pk)
    assert (lonely.editors_group_id, lonely.image_collection_id) == (None, None)
    # the shop its merchants' group and its collection, each member a Merchant row
    access = MerchantShop.objects.get()
    assert (access.translation_key, access.group_id, access.collection_id) == (
        shop.translation_key, merchants.pk, shop_images.pk
    )
    assert sorted(Merchant.objects.filter(shop=access).values_list("user__username", flat=True)) == [
        "owner", "partner",
    ]
    # and access now follows the keys, reusing what exists
    groups, collections = Group.objects.count(), Collection.objects.count()
    editor, owner = User.objects.get(username="editeur"), User.objects.get(username="owner")
    assert list(territories_edited_by(editor)) == [territory]
    assert is_merchant(owner) and not is_merchant(editor)
    assert editors_group(territory) == editors and territory_collection(territory) == territory_images
    make_merchant(User.objects.create_user("newcomer"), shop)
    assert shop_collection(shop) == shop_images
    assert (Group.objects.count(), Collection.objects.count()) == (groups, collections)
    assert Merchant.objects.count() == 3


def test_the_data_migration_leaves_links_made_since_alone(db):
    # Given a territory already linked by the new code, and a group bearing its old-style name
    home = f.french_home()
    territory = f.make_territory("Pays de Morlaix")
    f.make_market(home, territory)
    make_editor(User.objects.create_user("editeur"), territory)
    linked = territory.editors_group_id
    territory.name = "Morlaix Communauté"
    territory.save()
    Group.objects.create(name="Éditeurs — Morlaix Communauté")

    # When the migration runs
    run_link_migration()

    # Then the link is unchanged
    territory.refresh_from_db()
    assert territory.editors_group_id == linked
    assert Territory.objects.filter(editors_group__name="Éditeurs — Morlaix Communauté").count() == 0
