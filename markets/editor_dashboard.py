"""The tourism office's dashboard panel (editors of a territory; the platform sees every territory).

Per territory: the registrations waiting for a decision (oldest first),
the shops waiting for the validation of their first publication, and the
4-day promise (markets.publication_promise), late steps first with whoever
holds the ball. An editor sees their own territories (markets.editors);
a superuser every territory. Merchants never see it.
"""

from django.utils import timezone
from wagtail.admin.ui.components import Component

from markets.editors import is_editor, territories_edited_by
from markets.models import PromiseReminder, Territory
from markets.publication_promise import promise_items


class EditorPanel(Component):
    name = "editor_promise"
    template_name = "markets/admin/editor_dashboard_panel.html"
    order = 20

    def __init__(self, territories, now=None):
        self.territories = territories
        self.now = now

    @classmethod
    def for_request(cls, request):
        user = request.user
        if not (user.is_authenticated and (user.is_superuser or is_editor(user))):
            return None
        return cls(territories_edited_by(user))

    def get_context_data(self, parent_context=None):
        now = self.now or timezone.now()
        territories = list(Territory.objects.filter(pk__in=self.territories.values("pk")).order_by("name"))
        items = promise_items(territories, now)
        groups = []
        for territory in territories:
            mine = [item for item in items if item.registration.territory_id == territory.pk]
            waiting = sorted(
                (item for item in mine if item.step == PromiseReminder.Step.APPROVAL), key=lambda item: item.since
            )
            moderation = sorted(
                (item for item in mine if item.step == PromiseReminder.Step.MODERATION), key=lambda item: item.since
            )
            groups.append({
                "territory": territory,
                "waiting": waiting,
                "moderation": moderation,
                "promise": mine,
                "late": sum(1 for item in mine if item.late),
            })
        return {
            "groups": groups,
            "now": now,
            "several": len(groups) > 1,
            "late": sum(group["late"] for group in groups),
        }
