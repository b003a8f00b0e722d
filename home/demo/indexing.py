"""Index what the seed saves once, instead of on every save.

Creating, publishing and translating one page saves it about eight times,
and every save runs a search-index update and a reference-index update
(django-tasks' immediate backend runs them inline). That was a quarter of
the seed's time. Inside `deferred_indexing()` both are off, through the
switches Wagtail provides (a search backend's `AUTO_UPDATE`,
`disable_reference_index_auto_update`); the objects saved meanwhile are
indexed once on the way out, in one transaction.

Wrap it around the caller's transaction, not inside it, so that saves made
by `on_commit` callbacks (Wagtail and wagtail-localize use them) are
deferred too. Should indexing fail after the content committed,
`manage.py update_index` and `rebuild_references_index` repair it.
"""

import copy
from collections import defaultdict
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.test.utils import override_settings
from modelsearch import index as search_index
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update


@contextmanager
def deferred_indexing():
    saved: dict[str, set] = defaultdict(set)

    def remember(sender, instance, raw=False, **kwargs):
        if not raw:
            saved[instance._meta.label].add(instance.pk)

    backends = copy.deepcopy(getattr(settings, "WAGTAILSEARCH_BACKENDS", {}))
    for params in backends.values():
        params["AUTO_UPDATE"] = False

    post_save.connect(remember, weak=False, dispatch_uid="seed_demo_deferred_indexing")
    try:
        with override_settings(WAGTAILSEARCH_BACKENDS=backends), disable_reference_index_auto_update():
            yield
    finally:
        post_save.disconnect(dispatch_uid="seed_demo_deferred_indexing")

    with transaction.atomic():
        for label, pks in saved.items():
            model = apps.get_model(label)
            searchable = search_index.class_is_indexed(model)
            referencing = ReferenceIndex.is_indexed(model)
            if not (searchable or referencing):
                continue
            for instance in model.objects.filter(pk__in=pks):
                if searchable:
                    search_index.insert_or_update_object(instance)
                if referencing:
                    ReferenceIndex.create_or_update_for_object(instance)
