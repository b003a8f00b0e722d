"""Facts are one, words are two: a French publication reaches the English translations at once.

wagtail-localize copies synchronised fields (prices, dates, choices, images,
delivery options' fees…) only when a translation is updated, never when the
source is published, so without this module an English page keeps the price
the French page no longer has while the basket charges the new one. Here,
when a page or snippet of the source locale (French) is published, in the
same transaction, each of its live translations is rebuilt from the fresh
source with wagtail-localize's own machinery and published:

- Facts: every synchronised field and child relation is copied with
  `copy_synchronised_fields`. The models declare their facts as
  non-overridable `SynchronizedField`s, so no translator's value is lost.
- Prose: each French text segment that did not change since the last
  publication keeps the English text that is live; a changed or new one
  takes its translation from translation memory if there is one, else falls
  back to the French text (and the translation editor shows it untranslated).
  So the English page is never ahead of what a translator published, and
  never behind a fact.
- A translator's unpublished English draft stays a draft: it is rebuilt the
  same way on top of its own text and saved again as the latest revision,
  not published.

English pages that are aliases of the French ones are kept in step by
Wagtail itself. English pages made outside wagtail-localize (a plain
`copy_for_translation`) have no translation source: they get the facts only.
Publishing a translation does nothing here, so the copy never loops.
"""

from collections import Counter

from django.db import transaction
from django.db.models.signals import post_save
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel, get_all_child_relations
from wagtail.log_actions import registry as log_registry
from wagtail.models import DraftStateMixin, Locale, Page, RevisionMixin, TranslatableMixin
from wagtail.signals import page_published, page_unpublished, published, unpublished
from wagtail_localize.fields import SynchronizedField, copy_synchronised_fields, get_translatable_fields
from wagtail_localize.models import (
    LocaleSynchronization,
    StringSegment,
    Translation,
    TranslationSource,
    sync_trees_on_locale_sync_save,
)
from wagtail_localize.segments import StringSegmentValue
from wagtail_localize.segments.extract import extract_segments
from wagtail_localize.segments.ingest import ingest_segments
from wagtail_localize.strings import StringValue

# Logged on a translation taken off line with its source; it comes back with the source.
WITHDRAWN_ACTION = "portal.translation.withdrawn"


def connect():
    """Listen to publications of pages and snippets (called once, from the app's ready())."""
    # wagtail-localize builds alias pages whenever a locale synchronisation row is saved,
    # including when a fixture or a test database's serialized rows are loaded (raw
    # saves), where the pages it would copy are not all there yet. Only real saves do.
    post_save.disconnect(sync_trees_on_locale_sync_save, sender=LocaleSynchronization)
    post_save.connect(_sync_trees_unless_raw, sender=LocaleSynchronization, dispatch_uid="portal.locale_sync")
    page_published.connect(_on_page_published, dispatch_uid="portal.translation_sync.page")
    published.connect(_on_published, dispatch_uid="portal.translation_sync.snippet")
    page_unpublished.connect(_on_page_unpublished, dispatch_uid="portal.translation_sync.page_off")
    unpublished.connect(_on_unpublished, dispatch_uid="portal.translation_sync.snippet_off")


def _sync_trees_unless_raw(sender, instance, raw=False, **kwargs):
    if not raw:
        sync_trees_on_locale_sync_save(instance=instance, **kwargs)


def _on_page_published(sender, instance, **kwargs):
    sync_translations(instance.specific)


def _on_published(sender, instance, **kwargs):
    if isinstance(instance, TranslatableMixin) and not isinstance(instance, Page):
        sync_translations(instance)


def _on_page_unpublished(sender, instance, **kwargs):
    unpublish_translations(instance)


def _on_unpublished(sender, instance, **kwargs):
    # Wagtail sends this one for pages too, after page_unpublished.
    if not isinstance(instance, Page):
        unpublish_translations(instance)


def _is_source(obj) -> bool:
    return isinstance(obj, TranslatableMixin) and obj.locale_id == Locale.get_default().pk and not (
        isinstance(obj, Page) and obj.alias_of_id
    )


@transaction.atomic
def unpublish_translations(source) -> list:
    """Take the live translations of `source`, just unpublished, off line too; return them.

    Being on sale is a fact: a shop or product the merchant withdrew in
    French must not stay offered in English. (Wagtail unpublishes aliases
    itself.) The translations keep their text and come back with the next
    French publication.
    """
    if not _is_source(source):
        return []
    withdrawn = [t for t in source.get_translations().filter(live=True) if not getattr(t, "alias_of_id", None)]
    for translation in withdrawn:
        translation = translation.specific if isinstance(translation, Page) else translation
        translation.unpublish(log_action=WITHDRAWN_ACTION)
    return withdrawn


def _withdrawn_with_source(translation) -> bool:
    """Whether `translation` is off line because its source was (its last log entry says so)."""
    last = log_registry.get_logs_for_instance(translation).order_by("-timestamp", "-pk").first()
    return last is not None and last.action == WITHDRAWN_ACTION


@transaction.atomic
def sync_translations(source) -> list:
    """Bring the live translations of `source`, just published, in step with it; return them.

    Does nothing for an object that is not in the default locale (a
    translation being published: see `keep_facts`), that is an alias, or
    that is not live (a publication scheduled for later).
    """
    if not _is_source(source):
        return keep_facts(source)
    if not _is_live(source):
        return []
    translation_source = TranslationSource.objects.filter(
        object_id=source.translation_key, locale_id=source.locale_id
    ).first()
    previous = {}
    if translation_source is not None:
        # Refreshed even with no live translation: a translation in progress sees the new French text.
        previous = _source_strings(translation_source)
        translation_source, _created = TranslationSource.update_or_create_from_instance(source)
    translations = [
        t for t in source.get_translations()
        if (_is_live(t) or _withdrawn_with_source(t)) and not (isinstance(t, Page) and t.alias_of_id)
    ]
    localized = set(
        Translation.objects.filter(source=translation_source, enabled=True).values_list("target_locale_id", flat=True)
    ) if translation_source and translations else set()
    synced = []
    for target in translations:
        target = type(source).objects.get(pk=target.pk)  # the row: the live content
        draft_revision = _draft_revision(target)

        def rebuild(obj, draft: bool, target=target):
            if target.locale_id in localized:
                return _rebuilt(translation_source, previous, obj, draft=draft)
            return _with_facts(source, obj)

        _publish(rebuild(target, draft=False))
        if draft_revision is not None:
            # Saved again as the latest revision, by its author: still the translator's draft.
            rebuild(draft_revision.as_object(), draft=True).save_revision(user=draft_revision.user, clean=False)
        synced.append(target)
    return synced


def keep_facts(translation) -> list:
    """Put the source's facts back on `translation`, just published, if it changed one; return [it] then.

    A translation made outside wagtail-localize's editor (or whose
    translation was stopped) is edited in Wagtail's normal editor, which
    shows the facts as fields: an English price typed there must not go
    on line. Publishing it again with the French facts is a no-op the next
    time, so this does not loop.
    """
    if not isinstance(translation, TranslatableMixin) or (isinstance(translation, Page) and translation.alias_of_id):
        return []
    source = type(translation).objects.filter(
        translation_key=translation.translation_key, locale_id=Locale.get_default().pk
    ).first()
    if source is None or not _is_live(source):
        return []
    row = type(translation).objects.get(pk=translation.pk)
    before = _fact_values(row)
    _with_facts(source, row)
    if _fact_values(row) == before:
        return []
    _publish(row)
    return [row]


def _is_live(obj) -> bool:
    return obj.live if isinstance(obj, DraftStateMixin | Page) else True


def _draft_revision(target):
    """The translator's unpublished revision of the live `target`, or None."""
    if target.live and getattr(target, "has_unpublished_changes", False):
        return target.latest_revision
    return None


def _publish(obj):
    if not isinstance(obj, RevisionMixin):
        obj.save()
        return
    revision = obj.save_revision(clean=False)
    revision.publish(skip_permission_checks=True)


# Prose ----------------------------------------------------------------------------------------------------------


def _ranked(items) -> dict:
    """(path, rank among the strings of that path) → value, for (path, value) pairs in document order.

    A rich text field or a stream block gives several strings under one path;
    the rank pairs a French string with the English one in its place.
    """
    seen: Counter = Counter()
    ranked = {}
    for path, value in items:
        ranked[(path, seen[path])] = value
        seen[path] += 1
    return ranked


def _source_segments(translation_source) -> dict:
    """(path, rank) → (order, French text) of the source's string segments."""
    segments = StringSegment.objects.filter(source=translation_source).select_related("context", "string")
    return _ranked((s.context.path, (s.order, s.string.data)) for s in segments.order_by("order"))


def _source_strings(translation_source) -> dict:
    return {key: text for key, (_order, text) in _source_segments(translation_source).items()}


def _rebuilt(translation_source, previous: dict, base, draft: bool):
    """`base` (the live translation, or its `draft`) with the source's facts and the prose rule above.

    A changed French segment shows in French on the live page even when
    translation memory has an English text for it: that text was typed in
    the translation editor and not published yet. The draft takes it.
    """
    original = translation_source.as_instance()
    kept = _ranked((s.path, s.string.data) for s in extract_segments(base) if isinstance(s, StringSegmentValue))
    source_segments = _source_segments(translation_source)
    keep_by_order = {
        order: kept[key]
        for key, (order, text) in source_segments.items()
        if key in kept and previous.get(key) == text
    }
    segments = translation_source._get_segments_for_translation(base.locale, fallback=True)
    french_by_order = dict(source_segments.values())
    for segment in segments:
        if not isinstance(segment, StringSegmentValue):
            continue
        if segment.order in keep_by_order:
            segment.string = StringValue(keep_by_order[segment.order])
        elif not draft:
            segment.string = StringValue(french_by_order[segment.order])
    copy_synchronised_fields(original, base)
    ingest_segments(original, base, translation_source.locale, base.locale, segments)
    return base


# Facts only -----------------------------------------------------------------------------------------------------


def _declared_facts(model) -> list[str]:
    return [
        f.field_name for f in get_translatable_fields(model)
        if isinstance(f, SynchronizedField) and not f.overridable
    ]


def _is_child_relation(model, name: str) -> bool:
    field = model._meta.get_field(name)
    return field.one_to_many and isinstance(field.remote_field, ParentalKey)


def _facts(model) -> list[str]:
    """The fields of `model` that are facts (non-overridable synchronised fields), child relations apart."""
    return [name for name in _declared_facts(model) if not _is_child_relation(model, name)]


def _fact_rows(model) -> list[str]:
    """Child relations of `model` whose rows are facts as they are (a shop's opening periods).

    Such rows are not translatable: the translation gets copies of the
    source's rows, nothing of its own kept.
    """
    return [name for name in _declared_facts(model) if _is_child_relation(model, name)]


def _row_values(row) -> tuple:
    return tuple(
        getattr(row, f.attname) for f in type(row)._meta.concrete_fields
        if not f.primary_key and not isinstance(f, ParentalKey)
    )


def _fact_values(obj) -> tuple:
    """The facts of `obj` and of its translatable child rows, comparable between a source and a translation."""
    values = [getattr(obj, type(obj)._meta.get_field(name).attname) for name in _facts(type(obj))]
    for name in _fact_rows(type(obj)):
        values.append(sorted((_row_values(row) for row in getattr(obj, name).all()), key=repr))
    if isinstance(obj, ClusterableModel):
        for relation in get_all_child_relations(type(obj)):
            model = relation.related_model
            if issubclass(model, TranslatableMixin):
                values.append(sorted(
                    (str(row.translation_key), *(getattr(row, model._meta.get_field(n).attname) for n in _facts(model)))
                    for row in getattr(obj, relation.get_accessor_name()).all()
                ))
    return tuple(values)


def _with_facts(source, target):
    """`target` with the source's non-overridable synchronised fields, its text untouched.

    Rows of translatable child relations (delivery options) are paired by
    translation key: a paired row takes the source row's facts, a source row
    without a partner is added as it is (its text in French until
    translated), a target row whose source row is gone is removed. Rows of
    a relation declared a fact (opening periods) are replaced by copies of
    the source's.
    """
    for name in _facts(type(source)):
        field = type(source)._meta.get_field(name)
        setattr(target, field.attname, getattr(source, field.attname))
    for name in _fact_rows(type(source)):
        source.copy_child_relation(name, target)
    if not isinstance(source, ClusterableModel):
        return target
    for relation in get_all_child_relations(type(source)):
        model = relation.related_model
        if not issubclass(model, TranslatableMixin):
            continue
        name = relation.get_accessor_name()
        existing = {row.translation_key: row for row in getattr(target, name).all()}
        rows = []
        for source_row in getattr(source, name).all():
            row = existing.get(source_row.translation_key)
            if row is None:
                row = source_row.copy_for_translation(target.locale)
            else:
                for fact in _facts(model):
                    field = model._meta.get_field(fact)
                    setattr(row, field.attname, getattr(source_row, field.attname))
            if hasattr(source_row, "sort_order"):
                row.sort_order = source_row.sort_order
            rows.append(row)
        setattr(target, name, rows)
    return target
