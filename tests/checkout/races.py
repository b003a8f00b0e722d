"""What the race tests share: PostgreSQL only, and each thread on its own connection."""

import pytest
from django.db import connection

NO_RACE_ON_SQLITE = "needs PostgreSQL row locks; SQLite serialises all writers, so there is no race to test"

# The marks of a module of race tests: committed data seen by every thread, skipped on SQLite.
POSTGRES_RACES = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_RACE_ON_SQLITE),
]


def in_own_connection(function):
    """`function` for a worker thread: the thread's connection is closed when it returns."""

    def run(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return run
