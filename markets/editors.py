"""Who edits a territory's market: the tourism office's editors group.

An editor of territory A can, in the Wagtail admin:
- edit, publish, lock and unlock A's market page in every language, and add,
  edit and publish the pages under it (shops, products, help pages), in
  both the French and the English trees;
- add, edit, delete and choose images and documents in A's collection and
  its sub-collections (each merchant's own collection);
- add, edit, delete and publish partner contacts;
- translate all of these with wagtail-localize ("Translate", "Sync
  translated pages", the translation editor): they hold
  `wagtail_localize.submit_translation`, which localize checks alone, and
  markets.localize_access narrows every localize view to the pages they can
  edit and their territories' partner contacts.

An editor cannot:
- touch another territory's pages or collections;
- create, rename or delete territories, or edit the home pages;
- delete a page that has children (no bulk delete);
- translate or sync another territory's pages or partner contacts
  (markets.localize_access refuses them, and hides the buttons).

Partner contacts and merchant registrations carry a territory: the model
permissions are global, and the admin views (markets.admin_views) narrow
every listing and every object URL to the editor's territories.

The territory holds its editors group and its image collection by foreign
key (Territory.editors_group, Territory.image_collection): they are made
once and found by key afterwards, so renaming the territory changes
nobody's access; their names are labels, refreshed on the next call.

Every function here is idempotent: call it again after a page gains a
translation and the new page gets the same permissions.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from markets.models import MarketPage, Territory

ADMIN_ACCESS = ("wagtailadmin", "access_admin")
# Global in wagtail-localize; markets.localize_access adds the object check.
SUBMIT_TRANSLATION = ("wagtail_localize", "submit_translation")
# Labels for humans in the admin; access is never looked up by them.
EDITORS_GROUP_PREFIX = "Éditeurs — "
TERRITORY_COLLECTION_PREFIX = "Boutiques — "
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
    SUBMIT_TRANSLATION,
)


def may_submit_translations(user) -> bool:
    """Whether `user` holds SUBMIT_TRANSLATION, which opens wagtail-localize's views to them at all."""
    return user.has_perm(".".join(SUBMIT_TRANSLATION))


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
    """Add `user` to `group` unless they are in it already."""
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


def group_label(label: str, group: Group | None = None) -> str:
    """`label`, or "label (2)", "label (3)"… when another group already has it.

    Group names are unique in Django and are only labels for humans here:
    a renamed territory's old label may be taken again by a new territory,
    and two shops of different markets may share a slug.
    """
    label = label[: Group._meta.get_field("name").max_length - 6]
    taken = set(
        Group.objects.filter(name__startswith=label).exclude(pk=getattr(group, "pk", None))
        .values_list("name", flat=True)
    )
    name, n = label, 2
    while name in taken:
        name, n = f"{label} ({n})", n + 1
    return name


def relabel_group(group: Group, label: str) -> None:
    """Refresh a linked group's name after its territory or shop was renamed (writes only on change)."""
    name = group_label(label, group)
    if group.name != name:
        group.name = name
        group.save(update_fields=["name"])


def relabel_collection(collection: Collection, label: str) -> None:
    """Refresh a linked collection's name (writes only on change)."""
    label = label[: Collection._meta.get_field("name").max_length]
    if collection.name != label:
        collection.name = label
        collection.save(update_fields=["name"])


def _locked(territory: Territory) -> Territory:
    # Serialises the first creation: two approvals at once make one group.
    return Territory.objects.select_for_update().get(pk=territory.pk)


@transaction.atomic
def territory_collection(territory: Territory) -> Collection:
    """The territory's image collection, under the root collection; made once, then found by key.

    Its name, "Boutiques — <territory>", is a label refreshed on each call.
    """
    locked = _locked(territory)
    label = f"{TERRITORY_COLLECTION_PREFIX}{locked.name}"
    collection = locked.image_collection
    if collection is None:
        collection = Collection.get_first_root_node().add_child(instance=Collection(name=label))
        locked.image_collection = collection
        locked.save(update_fields=["image_collection"])
    else:
        relabel_collection(collection, label)
    territory.image_collection = collection
    return collection


@transaction.atomic
def editors_group(territory: Territory) -> Group:
    """The territory's editors group with the rights described in this module; made once, then found by key.

    Its name, "Éditeurs — <territory>", is a label refreshed on each call.
    """
    locked = _locked(territory)
    label = f"{EDITORS_GROUP_PREFIX}{locked.name}"
    group = locked.editors_group
    if group is None:
        group = Group.objects.create(name=group_label(label))
        locked.editors_group = group
        locked.save(update_fields=["editors_group"])
    else:
        relabel_group(group, label)
    territory.editors_group = group
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
    """Territories whose linked editors group `user` belongs to; every territory for a superuser."""
    if not user.is_authenticated or not user.is_active:
        return Territory.objects.none()
    if user.is_superuser:
        return Territory.objects.all()
    return Territory.objects.filter(editors_group__in=user.groups.all())


def is_editor(user) -> bool:
    """Whether `user` belongs to some territory's editors group (by key: a group's name proves nothing)."""
    return user.is_authenticated and Territory.objects.filter(editors_group__in=user.groups.all()).exists()
