"""Shared fixtures: the page tree (tests/fixtures/tree.py) and a clean cache per test."""

from collections import defaultdict

import pytest

pytest_plugins = ["tests.fixtures.tree"]

_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


def pytest_collection_modifyitems(items):
    """A module using `tree` keeps it for all its tests: refuse a database test there that does not expect it."""
    by_module = defaultdict(list)
    for item in items:
        if hasattr(item, "fixturenames"):
            by_module[item.nodeid.split("::")[0]].append(item)
    for module, module_items in by_module.items():
        if not any("_module_tree" in item.fixturenames for item in module_items):
            continue
        strays = [
            item.nodeid
            for item in module_items
            if "_module_tree" not in item.fixturenames
            and (item.get_closest_marker("django_db") or _DATABASE_FIXTURES & set(item.fixturenames))
        ]
        if strays:
            raise pytest.UsageError(
                f"{module} builds `tree` once for the module; these database tests would see it "
                f"without asking for it: {strays}. Give them `tree` or move them to another module."
            )


@pytest.fixture(autouse=True)
def _clear_cache():
    # Wagtail keeps the sites' root paths (which include the English home's
    # id) in the cache; the cache outlives each test's rolled-back database.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request to /en/ leaves English active in the thread (LocaleMiddleware
    # activates, nothing deactivates); every test starts in French, the
    # portal's default, whatever ran before it.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
