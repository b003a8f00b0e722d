"""Territory and shop scoping on the Wagtail admin paths the viewsets' own views do not cover.

The partner-contact and registration viewsets narrow their listings and
object URLs to the editor's territories (markets.admin_views), and the
commission schedule asks its policy on every object URL
(markets.commission_admin). Wagtail 7.4 reaches the same rows by other
doors, each closed here:

- bulk actions (`/admin/bulk/<app>/<model>/<action>/?id=…`): the snippet
  delete checks the model permission only, so an editor of A could
  delete B's partner contacts. `TerritoryDeleteBulkAction` refuses a
  selection naming another territory's row before anything is listed,
  and "select all" means the editor's own rows; `refuse_foreign_snippet_delete`
  (`before_delete_snippet`: the confirmation page and the deletion, bulk
  or single) and `refuse_foreign_bulk_action` (`before_bulk_action`,
  before any bulk action executes) refuse the whole request, changing
  nothing, when one selected row lies outside the user's territories.
  The page, image and document bulk actions no longer name, on their
  confirmation page, the selected rows the user cannot even see
  (`ReachableItemsOnlyMixin`); Wagtail already refuses to act on them;
- snippet choosers (`/admin/snippets/choose/…`): `TerritoryChooserViewSet`
  lists and returns ("chosen") only rows of the user's territories, and
  creates none (these snippets offer no creation form);
- history and usage views of policy-scoped models (the commission
  schedule): `policy_scoped` looks their object up among the rows the
  policy lets the user view, so another territory's id is a 404;
- the page explorer (`/admin/pages/`, `/admin/pages/<id>/`, its results
  and searches, the per-type listing): `ScopedPageViewSet` answers 404 for
  a page the user cannot explore (neither in their pages' subtrees nor
  above them); the owner and "edited by" filters, there and on the form
  pages' list, name only people of the user's own pages;
  `explorer_pages_in_scope` (`construct_explorer_page_queryset`) keeps the
  listing to explorable pages even when searching the whole tree;
- the page chooser lists published pages and the user's own drafts,
  not another shop's drafts (`construct_page_chooser_queryset`);
- the admin API's image and document endpoints list what the user may
  choose, not every collection (`construct_admin_api`);
- the image chooser's format step (`/admin/images/chooser/<id>/select_format/`),
  which Wagtail serves for any image id: `ScopedImageSelectFormatView`
  answers 404 for an image the user may not choose.

Wagtail's site-wide reports (site history, page-types usage) have no
such door: markets.admin_reports replaces their routes.

A territory-scoped model is one listed in `TERRITORY_SCOPED_MODELS`: its
rows carry `territory_id`; an editor reaches those of their territories
(markets.editors.territories_edited_by), a superuser all. Superusers pass
every check here.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.forms import CheckboxSelectMultiple
from django.http import Http404
from django.utils.functional import classproperty
from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.admin.filters import MultipleUserFilter
from wagtail.admin.views.pages import bulk_actions as page_bulk_actions
from wagtail.admin.views.pages.listing import (
    EditedByFilter,
    ExplorableIndexView,
    GenericPageFilterSet,
    PageFilterSet,
)
from wagtail.admin.views.pages.usage import ContentTypeUseView
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.pages import PageViewSet, base_page_viewset
from wagtail.contrib.forms.views import FormPageFilterSet, FormPagesListView
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.documents.permissions import permission_policy as documents_permission_policy
from wagtail.documents.views import bulk_actions as document_bulk_actions
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.images.permissions import permission_policy as images_permission_policy
from wagtail.images.views import bulk_actions as image_bulk_actions
from wagtail.images.views.chooser import ImageSelectFormatView
from wagtail.images.views.chooser import viewset as image_chooser_viewset
from wagtail.models import Page, PageLogEntry
from wagtail.permissions import page_permission_policy
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
    SnippetCreateView,
)

from markets.editors import territories_edited_by
from markets.models import CommissionRate, MerchantRegistration, PartnerContact
from portal.converters import valid_id

TERRITORY_SCOPED_MODELS = (PartnerContact, MerchantRegistration, CommissionRate)
# The page permissions that give a user a page and its subtree (Wagtail's explorer counts the same ones).
PAGE_SCOPE_ACTIONS = {"add", "change", "publish", "lock", "unlock", "bulk_delete"}


# Territories ----------------------------------------------------------------------------------


def in_territories_of(user, model):
    """`model`'s rows `user` may reach: their territories' rows; all for a superuser."""
    if user.is_active and user.is_superuser:
        return model._default_manager.all()
    return model._default_manager.filter(territory__in=territories_edited_by(user))


def outside_territories(user, objects) -> list:
    """The territory-scoped objects among `objects` that lie outside `user`'s territories."""
    if user.is_active and user.is_superuser:
        return []
    allowed = None
    outside = []
    for obj in objects:
        if not isinstance(obj, TERRITORY_SCOPED_MODELS):
            continue
        if allowed is None:
            allowed = set(territories_edited_by(user).values_list("pk", flat=True))
        if obj.territory_id not in allowed:
            outside.append(obj)
    return outside


def refusal(request):
    """Wagtail's own refusal: the dashboard with a message (a bare 403 to a script)."""
    return permission_denied(request)


@hooks.register("before_delete_snippet")
def refuse_foreign_snippet_delete(request, instances):
    # Runs before the confirmation page (GET) and before the deletion (POST),
    # for the snippet's own delete view and for the bulk delete alike.
    if outside_territories(request.user, instances):
        return refusal(request)
    return None


@hooks.register("before_bulk_action")
def refuse_foreign_bulk_action(request, action_type, objects, action_class_instance):
    # Inside the bulk action's transaction, before it executes: nothing is changed.
    if outside_territories(request.user, objects):
        return refusal(request)
    return None


class TerritoryDeleteBulkAction(DeleteBulkAction):
    """The snippet bulk delete of territory-scoped snippets; "select all" means the user's own rows."""

    @classproperty
    def models(cls):
        return [model for model in TERRITORY_SCOPED_MODELS if getattr(model, "snippet_viewset", None)]

    def get_all_objects_in_listing_query(self, parent_id):
        return in_territories_of(self.request.user, self.model).values_list("pk", flat=True)

    def dispatch(self, request, *args, **kwargs):
        # Before Wagtail sorts the selection into rows one may delete and rows one may not (which it
        # names): a user without the delete permission would otherwise read another territory's names.
        ids = [pk for pk in map(valid_id, request.GET.getlist("id")) if pk is not None]
        if outside_territories(request.user, self.model._default_manager.filter(pk__in=ids)):
            return refusal(request)
        return super().dispatch(request, *args, **kwargs)


# After Wagtail's own registration (order 0): the registry keeps the last class per model and action.
hooks.register("register_bulk_action", TerritoryDeleteBulkAction, order=1)


class ReachableItemsOnlyMixin:
    """A bulk action that ignores the selected rows outside the user's reach: not even their titles are shown.

    Wagtail lists the rows a user may not act on by name on the
    confirmation page ("you do not have permission to…"); a page is within
    reach when the user may explore it, an image or document when they may
    at least choose it.
    """

    def reachable_ids(self, objects) -> set:
        user, ids = self.request.user, [obj.pk for obj in objects]
        if issubclass(self.model, Page):
            reachable = page_permission_policy.explorable_instances(user)
        else:
            reachable = self.permission_policy.instances_user_has_any_permission_for(user, ["change", "choose"])
        return set(reachable.filter(pk__in=ids).values_list("pk", flat=True))

    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        if self.request.user.is_active and self.request.user.is_superuser:
            return objects, extra
        without_access = extra["items_with_no_access"]
        reachable = self.reachable_ids([*objects, *without_access])
        return [obj for obj in objects if obj.pk in reachable], {
            **extra,
            "items_with_no_access": [obj for obj in without_access if obj.pk in reachable],
        }


for _action_class in (
    *(getattr(page_bulk_actions, name) for name in page_bulk_actions.__all__),
    *(getattr(image_bulk_actions, name) for name in image_bulk_actions.__all__),
    *(getattr(document_bulk_actions, name) for name in document_bulk_actions.__all__),
):
    hooks.register(
        "register_bulk_action",
        type(_action_class.__name__, (ReachableItemsOnlyMixin, _action_class), {"__module__": __name__}),
        order=1,
    )


# Choosers -------------------------------------------------------------------------------------


class TerritoryChooserMixin:
    """Chooser views that see only rows of the user's territories."""

    def get_object_list(self):
        return in_territories_of(self.request.user, self.model_class)


class TerritoryChooseView(TerritoryChooserMixin, ChooseView):
    pass


class TerritoryChooseResultsView(TerritoryChooserMixin, ChooseResultsView):
    pass


class TerritoryChosenView(SnippetChosenView):
    def get_object(self, pk):
        # Another territory's row is DoesNotExist: the view's 404.
        return in_territories_of(self.request.user, self.model_class).get(pk=pk)


class TerritoryChosenMultipleView(SnippetChosenMultipleView):
    def get_objects(self, pks):
        return in_territories_of(self.request.user, self.model_class).filter(pk__in=pks)


class TerritoryCreateView(SnippetCreateView):
    """The chooser's "create" tab, which these snippets do not offer (no creation form): 404, nothing made."""

    def dispatch(self, request, *args, **kwargs):
        raise Http404


class TerritoryChooserViewSet(SnippetChooserViewSet):
    """The snippet chooser of a territory-scoped model (set as the snippet viewset's `chooser_viewset_class`)."""

    choose_view_class = TerritoryChooseView
    choose_results_view_class = TerritoryChooseResultsView
    chosen_view_class = TerritoryChosenView
    chosen_multiple_view_class = TerritoryChosenMultipleView
    create_view_class = TerritoryCreateView


class ScopedImageSelectFormatView(ImageSelectFormatView):
    """The image chooser's format step, for an image the user may choose (as Wagtail's chooser lists); else 404."""

    def dispatch(self, request, *args, image_id, **kwargs):
        # Wagtail's route takes any run of digits (`<int:image_id>`): an id no column holds is a 404 too.
        choosable = images_permission_policy.instances_user_has_any_permission_for(request.user, ["choose"])
        if valid_id(image_id) is None or not choosable.filter(pk=image_id).exists():
            raise Http404
        return super().dispatch(request, *args, image_id=image_id, **kwargs)


# Wagtail's image chooser viewset builds its URLs when the admin's viewsets
# are registered, after the hooks modules are loaded; one registered before
# would keep the unscoped step, so the start-up stops instead.
if viewsets.viewsets:
    raise ImproperlyConfigured("Wagtail's admin viewsets were registered before markets.admin_scoping could scope them")
image_chooser_viewset.select_format_view_class = ScopedImageSelectFormatView


# Page explorer --------------------------------------------------------------------------------


def may_explore(user, page_id) -> bool:
    """Whether `user` may open the explorer on page `page_id`: their pages' subtrees, the pages above them."""
    if user.is_active and user.is_superuser:
        return True
    return page_permission_policy.explorable_instances(user).filter(pk=page_id).exists()


def pages_in_scope(user):
    """Pages in the subtrees `user` holds a page permission on (their shop, their market); all for a superuser."""
    return page_permission_policy.instances_user_has_any_permission_for(user, PAGE_SCOPE_ACTIONS)


def _owners(request):
    pages = pages_in_scope(request.user) if request else Page.objects.none()
    return get_user_model().objects.filter(pk__in=pages.order_by().values("owner_id"))


def _editors(request):
    pages = pages_in_scope(request.user) if request else Page.objects.none()
    edits = PageLogEntry.objects.filter(action="wagtail.edit", page__in=pages.order_by().values("pk"))
    return get_user_model().objects.filter(pk__in=edits.order_by().values("user_id"))


def owner_filter():
    return MultipleUserFilter(
        label=PageFilterSet.base_filters["owner"].label, queryset=_owners, widget=CheckboxSelectMultiple
    )


def edited_by_filter():
    return EditedByFilter(
        label=PageFilterSet.base_filters["edited_by"].label, queryset=_editors, widget=CheckboxSelectMultiple
    )


# Wagtail's filters offer every page owner and editor of the site: the user's own pages' people only.
class ScopedPageFilterSet(PageFilterSet):
    owner = owner_filter()
    edited_by = edited_by_filter()

    class Meta(PageFilterSet.Meta):
        pass


class ScopedGenericPageFilterSet(GenericPageFilterSet):
    owner = owner_filter()
    edited_by = edited_by_filter()

    class Meta(GenericPageFilterSet.Meta):
        pass


class ScopedFormPageFilterSet(FormPageFilterSet):
    owner = owner_filter()
    edited_by = edited_by_filter()

    class Meta(FormPageFilterSet.Meta):
        pass


SCOPED_FILTERSETS = {PageFilterSet: ScopedPageFilterSet, GenericPageFilterSet: ScopedGenericPageFilterSet}
# The form pages' list (`/admin/forms/`) takes its filter set from its class, not from a viewset.
FormPagesListView.filterset_class = ScopedFormPageFilterSet


class ScopedFiltersViewMixin:
    """Swaps Wagtail's page filter sets, which page viewsets hand to their views, for the scoped ones."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.filterset_class = SCOPED_FILTERSETS.get(self.filterset_class, self.filterset_class)


class ScopedExplorableIndexView(ScopedFiltersViewMixin, ExplorableIndexView):
    """The explorer, refused (404) on a page the user cannot explore; its filters name the user's people only."""

    base_filterset_class = ScopedGenericPageFilterSet

    def get(self, request, parent_page_id=None):
        if parent_page_id is not None and not may_explore(request.user, parent_page_id):
            raise Http404
        return super().get(request, parent_page_id)


class ScopedContentTypeUseView(ScopedFiltersViewMixin, ContentTypeUseView):
    base_filterset_class = ScopedPageFilterSet


class ScopedPageViewSet(PageViewSet):
    """The default page viewset, scoped: Wagtail routes the explorer of every page type without its own to it."""

    model = Page
    index_view_class = ScopedExplorableIndexView
    content_type_use_view_class = ScopedContentTypeUseView


@hooks.register("register_admin_viewset")
def register_scoped_page_viewset():
    # After Wagtail's base page viewset (order -1): the registry keeps the last viewset for Page.
    return ScopedPageViewSet("scoped_pages")


# `/admin/pages/` (the tree's root) is served by Wagtail's base viewset
# directly, not through the registry; its view is built when the admin URLs
# are first loaded, which loads the hooks modules first. A Wagtail that
# builds it earlier stops the start-up here rather than leave it unscoped.
if "index_view" in vars(base_page_viewset):
    raise ImproperlyConfigured("Wagtail's base page viewset was built before markets.admin_scoping could scope it")
base_page_viewset.index_view_class = ScopedExplorableIndexView
base_page_viewset.content_type_use_view_class = ScopedContentTypeUseView


@hooks.register("construct_explorer_page_queryset")
def explorer_pages_in_scope(parent_page, pages, request):
    # Wagtail filters by the same rule unless WAGTAILADMIN_PAGE_SEARCH_FILTER_BY_PERMISSIONS is off;
    # a search then would list every territory's pages.
    if request.user.is_active and request.user.is_superuser:
        return pages
    return pages.filter(pk__in=page_permission_policy.explorable_instances(request.user).values("pk"))


# Object views of policy-scoped models ----------------------------------------------------------


class PolicyScopedObjectMixin:
    """History and usage views that look their object up among the rows the policy lets the user view.

    Wagtail's generic history and usage views check the model permission
    only; another territory's row is then a 404, of which nothing is shown.
    """

    def get_base_object_queryset(self):
        return self.permission_policy.instances_user_has_permission_for(self.request.user, "view")


def policy_scoped(view_class):
    return type(view_class.__name__, (PolicyScopedObjectMixin, view_class), {})


@hooks.register("construct_page_chooser_queryset")
def chooser_pages_in_scope(pages, request):
    # The page chooser browses the whole tree: published pages are public and may be linked to;
    # an unpublished one only by those who may explore it.
    if request.user.is_active and request.user.is_superuser:
        return pages
    explorable = page_permission_policy.explorable_instances(request.user).values("pk")
    return pages.filter(Q(live=True) | Q(pk__in=explorable))


# Admin API (`/admin/api/main/images/`, `documents/`) ------------------------------------------------


class CollectionScopedAPIMixin:
    """The admin API's image and document endpoints, limited to what the user may choose (Wagtail lists all)."""

    def get_queryset(self):
        reachable = self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, ["choose", "change"]
        )
        return super().get_queryset().filter(pk__in=reachable.values("pk"))


class ScopedImagesAdminAPIViewSet(CollectionScopedAPIMixin, ImagesAdminAPIViewSet):
    permission_policy = images_permission_policy


class ScopedDocumentsAdminAPIViewSet(CollectionScopedAPIMixin, DocumentsAdminAPIViewSet):
    permission_policy = documents_permission_policy


@hooks.register("construct_admin_api", order=1)  # after Wagtail's images and documents register theirs
def scope_admin_api(router):
    router.register_endpoint("images", ScopedImagesAdminAPIViewSet)
    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)
