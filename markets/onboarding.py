"""Merchant onboarding: registration, approval or rejection, first publication, terms.

Each function is a plain service called by a view, an admin view or a
signal receiver; each runs in one transaction, locks the registration it
decides on, returns early when the work is already done, and enqueues its
e-mail only after the commit.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext
from django_q.tasks import async_task
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import GroupApprovalTask, Locale, Workflow, WorkflowPage, WorkflowTask
from wagtail.users.models import UserProfile
from wagtail_localize.synctree import create_aliases_for_new_page

from markets.chain_stores import chain_flag
from markets.editors import editors_group
from markets.merchants import make_merchant, merchant_group, shop_collection
from markets.models import MarketPage, Merchant, MerchantRegistration, TermsAcceptance, TermsVersion, Territory
from shops.models import DeliveryKind, DeliveryOption, ShopPage

FIRST_PUBLICATION_WORKFLOW_PREFIX = "Première mise en ligne — "
FIRST_PUBLICATION_TASK_PREFIX = "Validation par l'office de tourisme — "

APPROVE_ACTION = "markets.registration.approve"
REJECT_ACTION = "markets.registration.reject"
FIRST_PUBLICATION_ACTION = "markets.shop.first_publication"
TERMS_ACCEPTED_ACTION = "markets.terms.accept"


class OnboardingError(Exception):
    """A decision that cannot be taken; the message is for the editor."""


class DuplicateRegistration(OnboardingError):
    """Another registration of the same SIRET is still open (it won a race past the form's check)."""


def _enqueue(task: str, *args) -> None:
    transaction.on_commit(lambda: async_task(task, *args))


# Registration -----------------------------------------------------------


def returning_shop(territory: Territory, siret: str) -> ShopPage | None:
    """The shop this SIRET already has on the territory's market (a past season's), in the default locale."""
    market = MarketPage.objects.filter(territory=territory, locale=Locale.get_default()).first()
    if market is None:
        return None
    return ShopPage.objects.child_of(market).filter(siret=siret).order_by("path").first()


def submit_registration(territory: Territory, data: dict, photo, photo_extension: str,
                        language: str) -> MerchantRegistration:
    """Store a checked registration, flagged for the editor, and tell the merchant and the editors.

    Outside the territory's policy (closed, category, postcode) it goes on
    the waiting list, with the reason. A SIREN or name of a known chain is
    flagged, never refused; a SIRET that already has a shop on this market
    is a returning merchant, whose approval reopens that shop. `data` is a
    RegistrationForm's cleaned data; the photo was checked by it. Raises
    DuplicateRegistration when another registration of the SIRET is open.
    """
    reason = territory.waitlist_reason(data["category"], data["postcode"])
    status = MerchantRegistration.Status.WAITLISTED if reason else MerchantRegistration.Status.PENDING
    photo.name = f"photo.{photo_extension}"
    try:
        with transaction.atomic():
            registration = MerchantRegistration.objects.create(
                territory=territory, status=status, waitlist_reason=reason, language=language, photo=photo,
                declared_independent=data["declared_independent"],
                chain_flag=chain_flag(data["siret"], [data["trade_name"], data["legal_name"]]),
                returning_shop=returning_shop(territory, data["siret"]),
                **{name: data[name] for name in (
                    "trade_name", "legal_name", "siret", "vat_status", "vat_number", "street", "postcode", "city",
                    "category", "contact_name", "email", "phone",
                )},
            )
            _enqueue("markets.tasks.send_registration_acknowledgement", registration.pk)
            _enqueue("markets.tasks.send_registration_notice", registration.pk)
    except IntegrityError:
        if MerchantRegistration.objects.filter(
            siret=data["siret"], status__in=MerchantRegistration.OPEN_STATUSES
        ).exists():
            raise DuplicateRegistration(
                gettext("Une inscription avec ce SIRET est déjà en cours d'examen.")
            ) from None
        raise
    return registration


# Approval and rejection --------------------------------------------------


def _free_slug(parent, base: str) -> str:
    base = base or "boutique"
    taken = set(parent.get_children().filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _free_username(base: str) -> str:
    User = get_user_model()
    base = base[:140] or "commercant"
    taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
    username, n = base, 2
    while username in taken:
        username, n = f"{base}-{n}", n + 1
    return username


def _merchant_user(registration: MerchantRegistration, slug: str):
    first_name, _, last_name = registration.contact_name.partition(" ")
    user = get_user_model()(
        username=_free_username(slug), email=registration.email, first_name=first_name[:150],
        last_name=last_name[:150],
    )
    # No password until the merchant chooses one through the invitation link.
    user.set_unusable_password()
    user.save()
    # The admin and the e-mails to the merchant speak the language they registered in.
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = registration.language
    profile.save(update_fields=["preferred_language"])
    return user


def first_publication_workflow(territory: Territory) -> Workflow:
    """"Première mise en ligne — <territory>": one approval by the territory's editors.

    Found by its task's editors group, not by name, so renaming the
    territory keeps its workflow (the names are labels, refreshed here).
    """
    group = editors_group(territory)
    workflow_name = f"{FIRST_PUBLICATION_WORKFLOW_PREFIX}{territory.name}"
    task_name = f"{FIRST_PUBLICATION_TASK_PREFIX}{territory.name}"
    workflow = (
        Workflow.objects.filter(
            name__startswith=FIRST_PUBLICATION_WORKFLOW_PREFIX, workflow_tasks__task__groupapprovaltask__groups=group
        ).order_by("pk").first()
    )
    if workflow is None:
        workflow = Workflow.objects.create(name=workflow_name)
    elif workflow.name != workflow_name:
        workflow.name = workflow_name
        workflow.save(update_fields=["name"])
    task = GroupApprovalTask.objects.filter(workflow_tasks__workflow=workflow, groups=group).order_by("pk").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=task_name)
        task.groups.add(group)
    elif task.name != task_name:
        task.name = task_name
        task.save(update_fields=["name"])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    return workflow


def _shop_from(registration: MerchantRegistration, market: MarketPage, owner) -> ShopPage:
    with translation.override(settings.LANGUAGE_CODE):
        instructions = gettext("À la boutique, aux heures d'ouverture (à préciser).")
    shop = ShopPage(
        title=registration.trade_name, slug=_free_slug(market, slugify(registration.trade_name)),
        legal_name=registration.legal_name, siret=registration.siret, vat_status=registration.vat_status,
        vat_number=registration.vat_number, category=registration.category, street=registration.street,
        postcode=registration.postcode, city=registration.city, phone=registration.phone,
        email=registration.email, owner=owner, live=False,
    )
    shop.delivery_options = [DeliveryOption(kind=DeliveryKind.PICKUP, instructions=instructions, sort_order=0)]
    market.add_child(instance=shop)
    return shop


def _import_photo(registration: MerchantRegistration, shop: ShopPage, user):
    with registration.photo.open("rb") as source:
        return get_image_model().objects.create(
            title=f"{registration.trade_name} — photo de la boutique",
            file=ImageFile(source, name=registration.photo.name.rsplit("/", 1)[-1]),
            collection=shop_collection(shop),
            uploaded_by_user=user,
        )


def approve_registration(registration_id: int, editor) -> MerchantRegistration:
    """Make the merchant's draft shop, their account and rights; e-mail the invitation.

    Idempotent: an approved registration is returned as it is. The shop is
    a draft under the territory's French market page; its first
    publication goes through the territory's "Première mise en ligne"
    workflow, so the merchant gets `publish_page` only once it is approved.
    """
    with transaction.atomic():
        registration = MerchantRegistration.objects.select_for_update().get(pk=registration_id)
        if registration.status == MerchantRegistration.Status.APPROVED:
            return registration
        if registration.status == MerchantRegistration.Status.REJECTED:
            raise OnboardingError(gettext("Cette inscription a déjà été refusée."))
        market = MarketPage.objects.filter(
            territory_id=registration.territory_id, locale=Locale.get_default()
        ).first()
        if market is None:
            raise OnboardingError(gettext("Ce territoire n'a pas encore de page de marché."))

        shop = _shop_to_reopen(registration, market)
        if shop is not None:
            user = _returning_user(registration, shop)
        else:
            user = _merchant_user(registration, slugify(registration.trade_name))
            shop = _shop_from(registration, market, user)
            shop.cover_image = _import_photo(registration, shop, user)
            # A draft's row and its first revision both carry the photo.
            shop.save(update_fields=["cover_image"])
            shop.save_revision(user=editor)
            # A page made in code misses wagtail-localize's after_create_page hook:
            # make the English alias it would have made (a draft, like the shop),
            # before the merchant's rights, which cover every page of the shop's key.
            create_aliases_for_new_page(shop)
            make_merchant(user, shop)
        if shop.first_published_at is None:
            WorkflowPage.objects.update_or_create(
                page=shop, defaults={"workflow": first_publication_workflow(registration.territory)}
            )

        registration.status = MerchantRegistration.Status.APPROVED
        registration.decided_by = editor
        registration.decided_at = timezone.now()
        registration.shop = shop
        registration.user = user
        registration.save()
        log(instance=registration, action=APPROVE_ACTION, user=editor,
            data={"shop_id": shop.pk, "username": user.username,
                  "reopened": registration.returning_shop_id == shop.pk})
        _enqueue("markets.tasks.send_invitation", registration.pk)
    return registration


def _shop_to_reopen(registration: MerchantRegistration, market: MarketPage) -> ShopPage | None:
    """The returning merchant's shop, still on this market and of the same SIRET; None for a new merchant."""
    if registration.returning_shop_id is None:
        return None
    return ShopPage.objects.child_of(market).filter(
        pk=registration.returning_shop_id, siret=registration.siret
    ).first()


def _returning_user(registration: MerchantRegistration, shop: ShopPage):
    """The shop's oldest active merchant account; a new one, made a merchant of the shop, when it has none."""
    merchant = (
        Merchant.objects.filter(shop__translation_key=shop.translation_key, user__is_active=True)
        .select_related("user").order_by("pk").first()
    )
    if merchant is not None:
        return merchant.user
    user = _merchant_user(registration, shop.slug)
    make_merchant(user, shop)
    return user


def reject_registration(registration_id: int, editor, reason: str) -> MerchantRegistration:
    """Refuse a pending or waitlisted registration with a reason, which is e-mailed."""
    reason = reason.strip()
    if not reason:
        raise OnboardingError(gettext("Indiquez le motif du refus."))
    with transaction.atomic():
        registration = MerchantRegistration.objects.select_for_update().get(pk=registration_id)
        if registration.status == MerchantRegistration.Status.REJECTED:
            return registration
        if registration.status == MerchantRegistration.Status.APPROVED:
            raise OnboardingError(gettext("Cette inscription a déjà été acceptée."))
        registration.status = MerchantRegistration.Status.REJECTED
        registration.decided_by = editor
        registration.decided_at = timezone.now()
        registration.rejection_reason = reason
        registration.save()
        log(instance=registration, action=REJECT_ACTION, user=editor, data={"reason": reason})
        _enqueue("markets.tasks.send_rejection", registration.pk)
    return registration


# First publication -------------------------------------------------------


def after_workflow_approved(workflow_state, user=None) -> None:
    """Called when any workflow is approved; acts only on a shop's first publication."""
    if not workflow_state.workflow.name.startswith(FIRST_PUBLICATION_WORKFLOW_PREFIX):
        return
    page = workflow_state.content_object
    if isinstance(page, ShopPage) or getattr(page, "specific_class", None) is ShopPage:
        first_publication_approved(page.pk, user)


def first_publication_approved(shop_id: int, user=None) -> bool:
    """The shop is live: from now on its merchant publishes directly. E-mails "your shop is online".

    Grants the merchant group `publish_page` (markets.merchants does so once
    the shop has been published) and takes the first-publication workflow
    off the page. Returns False when there was nothing to do.
    """
    with transaction.atomic():
        shop = ShopPage.objects.select_for_update().get(pk=shop_id)
        if not shop.live:
            return False
        removed, _ = WorkflowPage.objects.filter(
            page=shop, workflow__name__startswith=FIRST_PUBLICATION_WORKFLOW_PREFIX
        ).delete()
        if not removed:
            return False
        merchant_group(shop)
        registration = MerchantRegistration.objects.filter(
            shop=shop, status=MerchantRegistration.Status.APPROVED
        ).first()
        if registration is not None:
            log(instance=registration, action=FIRST_PUBLICATION_ACTION, user=user, data={"shop_id": shop.pk})
            _enqueue("markets.tasks.send_shop_online", registration.pk)
    return True


# Terms -------------------------------------------------------------------


def terms_to_accept(user) -> TermsVersion | None:
    """The current terms version when `user` (a merchant) has not accepted it yet."""
    current = TermsVersion.current()
    if current is None or TermsAcceptance.objects.filter(user=user, version=current).exists():
        return None
    return current


def accept_terms(user, version: TermsVersion, ip_address: str | None) -> TermsAcceptance:
    with transaction.atomic():
        acceptance, created = TermsAcceptance.objects.get_or_create(
            user=user, version=version, defaults={"ip_address": ip_address}
        )
        if created:
            log(instance=version, action=TERMS_ACCEPTED_ACTION, user=user,
                data={"version": version.version, "ip_address": ip_address})
    return acceptance
