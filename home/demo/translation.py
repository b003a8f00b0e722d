"""English versions of demo pages and snippets, stored through wagtail-localize.

Why wagtail-localize's own records rather than `copy_for_translation` and
editing the copy:

- The English page ends up exactly as if a translator had used the
  "Translate" button and typed the English strings: a `TranslationSource`
  for the French object, one `StringTranslation` per segment, an enabled
  `Translation`. Editors open the English page in localize's translation
  editor, see it 100 % translated, and "Sync translated pages" works.
- Synchronised fields (price, VAT rate, kind, dates, images, legal
  identifiers, delivery rows) are copied from the French page by localize,
  so the demo shows how the site really behaves: change a price in French,
  sync, and the English page follows. A hand-edited copy would drift from
  its source with nothing to bring it back.
- It costs one function: the English text is given as an unsaved copy of the
  French object with English values, and the strings of both are extracted
  with localize's own extractor and paired by position. A difference in
  structure (say, a paragraph missing in English) raises instead of
  storing a wrong pairing.

Exception: the demo's market and help pages. Their English StreamFields
are built apart from the French ones (other block ids), so their strings
cannot be paired by path, and the market page's partner rows differ by
language. `copy_translation` makes those English pages the plain Wagtail
way: independent pages, edited in the normal editor; their facts (market
dates, territory, image) still follow the French page on every publication
(portal.translation_sync). A help page an editor adds is translated with
the "Translate" button like any other page.

Translatable child rows (`DeliveryOption`) are given in English on the copy
too (rows copied with `english_copy`, same translation keys), so the
English shop shows English pick-up instructions with the French fees.
"""

import copy

from django.db import transaction
from wagtail.models import Locale
from wagtail_localize.models import StringSegment, StringTranslation, Translation, TranslationSource
from wagtail_localize.segments import StringSegmentValue
from wagtail_localize.segments.extract import extract_segments


class TranslationMismatch(Exception):
    """The English text does not have the French object's structure."""


def english_copy(source, **values):
    """An unsaved copy of `source` carrying English values, to pass to `translate`."""
    english = copy.copy(source)
    # A shallow copy would share the source's in-memory child rows: give the
    # copy its own, so that setting its (translated) rows leaves the source's alone.
    if hasattr(source, "_cluster_related_objects"):
        english._cluster_related_objects = dict(source._cluster_related_objects)
    for field, value in values.items():
        setattr(english, field, value)
    return english


def _strings(instance) -> list[StringSegmentValue]:
    return [s for s in extract_segments(instance) if isinstance(s, StringSegmentValue)]


@transaction.atomic
def translate(source, english, locale: Locale, user=None):
    """The translation of `source` into `locale`, created and published if missing.

    `english` is `source` with its translatable fields in the target
    language (see `english_copy`). Returns the translated object.
    """
    existing = source.get_translation_or_none(locale)
    if existing is not None:
        return existing

    source_strings = _strings(source)
    target_strings = _strings(english)
    if [s.path for s in source_strings] != [s.path for s in target_strings]:
        raise TranslationMismatch(
            f"{source!r}: {[s.path for s in source_strings]} != {[s.path for s in target_strings]}"
        )
    by_order = {s.order: (s, t) for s, t in zip(source_strings, target_strings, strict=True)}

    translation_source, _ = TranslationSource.get_or_create_from_instance(source)
    segments = StringSegment.objects.filter(source=translation_source).select_related("string", "context")
    rows = []
    for segment in segments:
        original, target = by_order[segment.order]
        if segment.string.data != original.string.data:
            raise TranslationMismatch(f"{source!r}: segment {segment.order} is {segment.string.data!r}")
        rows.append(
            StringTranslation(
                translation_of=segment.string,
                locale=locale,
                context=segment.context,
                data=target.string.data,
                translation_type=StringTranslation.TRANSLATION_TYPE_MANUAL,
                last_translated_by=user,
            )
        )
    # The strings come from localize's own extractor, so they are valid
    # HTML for it: skip the per-row validation that save() would redo.
    StringTranslation.objects.bulk_create(rows, ignore_conflicts=True)

    translation, _ = Translation.objects.get_or_create(source=translation_source, target_locale=locale)
    # Not save_target(publish=True): localize would publish in an on_commit
    # callback with the page object as it was then, and the seed adds
    # children before committing; that stale object would write numchild=0
    # back and hide the children. Publish the draft now instead.
    translation.save_target(user=user, publish=False)
    translated = source.get_translation(locale)
    translated.latest_revision.publish(user=user, skip_permission_checks=True)
    return translated


@transaction.atomic
def copy_translation(source, locale: Locale, user=None, child_relations=None, **values):
    """The translation of page `source` into `locale`, made with Wagtail's `copy_for_translation`.

    For pages wagtail-localize cannot extract (see the module docstring).
    `values` are the English field values; `child_relations` maps a child
    relation name to the rows to put there instead of the French ones.
    The copy is then published: it is an independent page from now on.
    """
    existing = source.get_translation_or_none(locale)
    if existing is not None:
        return existing
    translated = source.copy_for_translation(locale, copy_parents=False)
    for field, value in values.items():
        setattr(translated, field, value)
    for relation, rows in (child_relations or {}).items():
        setattr(translated, relation, rows)
    translated.save_revision(user=user).publish(user=user, skip_permission_checks=True)
    return translated
