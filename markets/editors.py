"""Who edits a territory's market: the tourism office's editors group.

An editor of territory A can, in the Wagtail admin:
- edit, publish, lock and unlock A's market page in every language, and add,
  edit and publish the pages under it (shops, products, help pages), in
  both the French and the English trees;
- add, edit, delete and choose images and documents in A's collection and
  its sub-collections (each merchant's own collection);
- add, edit, delete and publish partner contacts.

An editor cannot:
- touch another territory's pages or collections;
- create, rename or delete territories, or edit the home pages;
- delete a page that has children (no bulk delete);
- submit or sync translations (`wagtail_localize.submit_translation`):
  wagtail-localize's submit and sync views check only that permission, not
  the page, so granting it would let an editor re-translate any territory.

Partner contacts and merchant registrations carry a territory: the model
permissions are global, and the admin views (markets.admin_views) narrow
every listing and every object URL to the editor's territories.

Every function here is idempotent: call it again after a page gains a
translation and the new page gets the same permissions.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from markets.models import MarketPage, Territory

ADMIN_ACCESS = ("wagtailadmin", "access_admin")
EDITORS_GROUP_PREFIX = "Éditeurs — "
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
EDITOR_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "delete_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "delete_document"),
    ("wagtaildocs", "choose_document"),
)
EDITOR_MODEL_PERMISSIONS = (
    ADMIN_ACCESS,
    ("markets", "add_partnercontact"),
    ("markets", "change_partnercontact"),
    ("markets", "delete_partnercontact"),
    ("markets", "publish_partnercontact"),
    # Registrations of their own territories only (markets.admin_views scopes them).
    ("markets", "view_merchantregistration"),
)


def permissions(pairs: Iterable[tuple[str, str]]) -> list[Permission]:
    """Permission rows for (app_label, codename) pairs; raises if one is missing."""
    pairs = list(pairs)
    found = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.filter(
            content_type__app_label__in={a for a, _ in pairs}, codename__in={c for _, c in pairs}
        ).select_related("content_type")
    }
    missing = [pair for pair in pairs if pair not in found]
    if missing:
        raise Permission.DoesNotExist(f"Unknown permissions: {missing}")
    return [found[pair] for pair in pairs]


def grant_model_permissions(group: Group, pairs: Iterable[tuple[str, str]]) -> None:
    """Global (model) permissions; adds only the missing ones so a re-run writes nothing."""
    wanted = permissions(pairs)
    present = set(group.permissions.filter(pk__in=[p.pk for p in wanted]).values_list("pk", flat=True))
    group.permissions.add(*[p for p in wanted if p.pk not in present])


def add_to_group(user, group: Group) -> None:
    if not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)


def grant_page_permissions(group: Group, pages: Iterable[Page], codenames: Iterable[str]) -> None:
    """`codenames` (wagtailcore page permissions) on each page and its subtree."""
    perms = permissions(("wagtailcore", codename) for codename in codenames)
    for page in pages:
        for permission in perms:
            GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


def grant_collection_permissions(group: Group, collection: Collection, pairs: Iterable[tuple[str, str]]) -> None:
    """Image/document permissions on a collection and its sub-collections."""
    for permission in permissions(pairs):
        GroupCollectionPermission.objects.get_or_create(group=group, collection=collection, permission=permission)


def territory_collection(territory: Territory) -> Collection:
    """The territory's image collection, "Boutiques — <territory>", under the root collection."""
    name = f"Boutiques — {territory.name}"
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=name).first()
    if existing is not None:
        return existing
    return root.add_child(instance=Collection(name=name))


@transaction.atomic
def editors_group(territory: Territory) -> Group:
    """The group "Éditeurs — <territory>" with the rights described in this module."""
    group, _ = Group.objects.get_or_create(name=f"{EDITORS_GROUP_PREFIX}{territory.name}")
    grant_model_permissions(group, EDITOR_MODEL_PERMISSIONS)
    # Both locales: the French page and its English translation point at the
    # same territory (the field is synchronised by wagtail-localize).
    grant_page_permissions(group, MarketPage.objects.filter(territory=territory), EDITOR_PAGE_PERMISSIONS)
    grant_collection_permissions(group, territory_collection(territory), EDITOR_COLLECTION_PERMISSIONS)
    return group


def make_editor(user, territory: Territory) -> None:
    """Let `user` edit `territory`'s market (in addition to whatever else they may do)."""
    add_to_group(user, editors_group(territory))



def territories_edited_by(user):
    """Territories whose editors group `user` belongs to; every territory for a superuser."""
    if not user.is_authenticated or not user.is_active:
        return Territory.objects.none()
    if user.is_superuser:
        return Territory.objects.all()
    names = [
        name.removeprefix(EDITORS_GROUP_PREFIX)
        for name in user.groups.filter(name__startswith=EDITORS_GROUP_PREFIX).values_list("name", flat=True)
    ]
    return Territory.objects.filter(name__in=names)


def is_editor(user) -> bool:
    return user.is_authenticated and user.groups.filter(name__startswith=EDITORS_GROUP_PREFIX).exists()
