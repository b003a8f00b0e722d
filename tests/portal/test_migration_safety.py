"""New migrations must not block writes while they run: a deploy migrates under live traffic.

The deploy order (README, "Deployment") is: migrate first, then roll the web hosts, then the
workers. While `migrate` runs, the old code keeps serving baskets and webhooks; a migration that
takes an ACCESS EXCLUSIVE or SHARE lock on a big table for the length of a scan or a rewrite
stops every checkout for that time. This module reads every migration of the project's apps
that is not in `EXISTING_MIGRATIONS` and refuses:

- an index built under lock, on any table that exists before the migration: `AddIndex`,
  `index_together` / `unique_together`, `db_index` / `unique` / a foreign key on
  `AddField` / `AlterField`, a `UniqueConstraint` (instead: `AddIndexConcurrently` in a
  migration with `atomic = False`);
- on the big tables (`BIG_MODELS`): a column type change that rewrites the table, `SET NOT
  NULL` (a full scan), a foreign key or CHECK constraint validated at once, a NOT NULL column
  without a `db_default` (the old code's INSERTs fail), raw SQL or a data migration
  (`RunPython`) touching them, unless listed in `REVIEWED_DATA_MIGRATIONS` with the reason.

The check on operations runs everywhere; on PostgreSQL the SQL the schema editor would run
(what `sqlmigrate` prints) is read too, to catch what an operation hides.
"""

import dataclasses
import inspect
import re

import pytest
from django.apps import apps
from django.contrib.postgres.operations import AddIndexConcurrently, NotInTransactionMixin
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

PROJECT_APPS = ("portal", "home", "markets", "shops", "checkout")

# The tables a deploy cannot lock: they grow with every order and are written on every checkout.
BIG_MODELS = frozenset(
    {
        ("checkout", "ledgerentry"),
        ("checkout", "order"),
        ("checkout", "orderline"),
        ("checkout", "invoice"),
        ("checkout", "voucher"),
        ("checkout", "shoporder"),
        ("checkout", "payment"),
        ("wagtailsearch", "indexentry"),
    }
)

# Grandfathered: the migrations that were applied before this check existed. Never add a new
# migration here; make it safe instead (see the module's docstring), or list a reviewed data
# migration in REVIEWED_DATA_MIGRATIONS.
EXISTING_MIGRATIONS = frozenset(
    {
        ("checkout", "0001_initial"),
        ("checkout", "0002_expire_unpaid_orders_schedule"),
        ("checkout", "0003_vouchers"),
        ("checkout", "0004_voucher_reminder_schedule"),
        ("checkout", "0005_statements_payouts_invoices"),
        ("checkout", "0006_weekly_statements_schedule"),
        ("checkout", "0007_shop_order_without_delivery"),
        ("checkout", "0008_order_attempts_and_holds"),
        ("checkout", "0009_refund_requests"),
        ("checkout", "0010_fulfilment_by_mode"),
        ("checkout", "0011_order_line_withdrawal"),
        ("checkout", "0012_names_by_language"),
        ("checkout", "0013_bank_details_change"),
        ("checkout", "0014_invoice_pdf_private_storage"),
        ("checkout", "0015_order_anonymised_at"),
        ("checkout", "0016_bundle_sales"),
        ("home", "0001_initial"),
        ("home", "0002_create_homepage"),
        ("home", "0003_legal_page"),
        ("home", "0004_english_follows_french"),
        ("home", "0005_legal_page_privacy_cookies_merchant_terms"),
        ("markets", "0001_initial"),
        ("markets", "0002_tutorial_video_link"),
        ("markets", "0003_onboarding"),
        ("markets", "0004_commission_schedule"),
        ("markets", "0005_identity_by_key"),
        ("markets", "0006_link_groups_and_collections"),
        ("markets", "0007_market_preorders"),
        ("markets", "0008_translation_permission"),
        ("markets", "0009_registration_checks"),
        ("markets", "0010_publication_promise"),
        ("markets", "0011_registration_photo_private_storage"),
        ("portal", "0001_worker_heartbeat"),
        ("shops", "0001_initial"),
        ("shops", "0002_voucher_free_amount"),
        ("shops", "0003_last_delivery_order_date"),
        ("shops", "0004_product_withdrawal_shop_terms"),
        ("shops", "0005_delivery_option_translatable"),
        ("shops", "0006_stock_alerts"),
        ("shops", "0007_shop_coordinates"),
        ("shops", "0008_delivery_postcodes"),
        ("shops", "0009_opening_hours_and_bundles"),
    }
)

# (app_label, migration name) -> why its RunPython / RunSQL on a big table is safe (batched,
# bounded, run off-peak...). Only data migrations can be waived; a lock is never waived.
REVIEWED_DATA_MIGRATIONS: dict[tuple[str, str], str] = {}

INDEX_FIX = (
    "build it with django.contrib.postgres.operations.AddIndexConcurrently (or a RunSQL "
    "CREATE [UNIQUE] INDEX CONCURRENTLY) in its own migration with `atomic = False`; for a "
    "unique constraint, add the unique index concurrently, then "
    "`ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX` (SeparateDatabaseAndState)"
)
NOT_NULL_FIX = (
    "add the column nullable (or with db_default=), backfill it in batches, then add "
    "`CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT`, and only then SET NOT NULL "
    "(PostgreSQL skips the scan), in a SeparateDatabaseAndState whose state is the AlterField"
)
CONSTRAINT_FIX = (
    "add it with RunSQL `ADD CONSTRAINT ... NOT VALID`, then `VALIDATE CONSTRAINT` in a "
    "later statement (it scans without blocking writes), in a SeparateDatabaseAndState"
)
RETYPE_FIX = (
    "add a new column of the new type, write both from the code, backfill it in batches, "
    "switch the reads, then drop the old column in a later deploy"
)
DATA_FIX = (
    "update the rows in batches (a few thousand per transaction, by primary key) outside the "
    "migration (a management command or a task), or list the migration in "
    "REVIEWED_DATA_MIGRATIONS with the reason it is safe"
)


@dataclasses.dataclass(frozen=True)
class Problem:
    app_label: str
    migration: str
    index: int
    operation: str
    why: str
    instead: str

    def __str__(self):
        return (
            f"{self.app_label}.{self.migration}, operation #{self.index} {self.operation}: "
            f"{self.why}. Instead: {self.instead}."
        )


def _big_tables() -> dict[str, tuple[str, str]]:
    return {apps.get_model(*key)._meta.db_table: key for key in BIG_MODELS}


def _model_key(app_label: str, op) -> tuple[str, str] | None:
    """The model an operation changes, as ProjectState keys it; None for RunSQL, RunPython..."""
    model_name = getattr(op, "model_name_lower", None) or getattr(op, "name_lower", None)
    return (app_label, model_name) if model_name else None


def _makes_index(field) -> bool:
    # A ForeignKey / OneToOneField has db_index=True / unique=True unless told otherwise.
    return bool(field.db_index or field.unique) and not field.primary_key


def _has_fk_constraint(field) -> bool:
    return bool(field.is_relation and (field.many_to_one or field.one_to_one) and field.db_constraint)


def _rewrites(old, new) -> bool:
    """Whether PostgreSQL must rewrite (or re-check) every row to change `old`'s type to `new`'s.

    Widening needs no rewrite since PostgreSQL 9.2: a longer or unbounded varchar, varchar to
    text, a numeric with more digits and the same scale.
    """
    if old.is_relation and new.is_relation:
        # Fields in a migration state are not bound to models: compare what they point at.
        def target(field):
            model = field.remote_field.model
            label = model if isinstance(model, str) else model._meta.label
            return label.lower(), field.to_fields

        return target(old) != target(new)
    old_type, new_type = old.get_internal_type(), new.get_internal_type()
    char_like = {"CharField", "EmailField", "SlugField", "URLField", "TextField"}
    if old_type in char_like and new_type in char_like:
        old_length = None if old_type == "TextField" else old.max_length
        new_length = None if new_type == "TextField" else new.max_length
        return old_length is not None and (new_length is not None and new_length < old_length)
    if old_type == new_type == "DecimalField":
        return not (old.decimal_places == new.decimal_places and new.max_digits >= old.max_digits)
    if old_type != new_type:
        return True
    return getattr(old, "max_length", None) != getattr(new, "max_length", None)


def _sql_statements(sql) -> list[str]:
    if sql == migrations.RunSQL.noop:
        return []
    items = [sql] if isinstance(sql, str) else sql
    statements = []
    for item in items:
        text = item[0] if isinstance(item, list | tuple) else item
        statements += [part.strip() for part in str(text).split(";") if part.strip()]
    return statements


def _mentions(statement: str, tables) -> list[str]:
    return [t for t in tables if re.search(rf'(?<![\w."]){re.escape(t)}(?![\w"])|"{re.escape(t)}"', statement, re.I)]


def _sql_problems(statement: str, *, big_tables, new_tables, atomic, validated, allow_type_change=False):
    """The (why, instead) pairs for one SQL statement; the same rules for RunSQL and the schema editor's SQL."""
    found = []
    text = " ".join(statement.split())
    create_index = re.match(r"CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?", text, re.I)
    if create_index:
        on_table = re.search(r'\bON\s+(?:ONLY\s+)?"?([\w.]+)"?', text, re.I)
        table = on_table.group(1) if on_table else ""
        if table in new_tables:
            return found
        if not create_index.group(2):
            found.append(
                (f"CREATE INDEX on {table} without CONCURRENTLY blocks writes while the index is built", INDEX_FIX)
            )
        elif atomic:
            found.append(
                ("CREATE INDEX CONCURRENTLY cannot run in a transaction", "set `atomic = False` on the migration")
            )
        return found
    altered = re.match(r'ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?"?([\w.]+)"?', text, re.I)
    if altered and altered.group(1) not in new_tables:
        table = altered.group(1)
        if re.search(r"ADD\s+CONSTRAINT\s+\S+\s+UNIQUE\b", text, re.I) and "USING INDEX" not in text.upper():
            found.append((f"ADD CONSTRAINT ... UNIQUE on {table} builds its index under lock", INDEX_FIX))
        if table in big_tables:
            if re.search(r"\bALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE\b", text, re.I) and not allow_type_change:
                found.append(
                    (f"ALTER COLUMN TYPE on the big table {table} rewrites it under ACCESS EXCLUSIVE", RETYPE_FIX)
                )
            if re.search(r"\bSET\s+NOT\s+NULL\b", text, re.I) and not validated:
                found.append((f"SET NOT NULL on the big table {table} scans it under ACCESS EXCLUSIVE", NOT_NULL_FIX))
            if re.search(r"\b(FOREIGN\s+KEY|REFERENCES|CHECK)\b", text, re.I) and not re.search(
                r"NOT\s+VALID", text, re.I
            ):
                found.append(
                    (
                        f"a constraint added to the big table {table} is validated at once, scanning it while writes wait",
                        CONSTRAINT_FIX,
                    )
                )
            add_column = re.search(r"\bADD\s+COLUMN\b(.*)", text, re.I)
            if (
                add_column
                and re.search(r"\bNOT\s+NULL\b", add_column.group(1), re.I)
                and not re.search(r"\bDEFAULT\b", add_column.group(1), re.I)
            ):
                found.append(
                    (
                        f"a NOT NULL column without a default on the big table {table} fails on its existing rows",
                        NOT_NULL_FIX,
                    )
                )
    return found


def _operation_problems(op, app_label, state, *, atomic, new_models, big_tables, validated):
    """The (why, instead) pairs for one operation, `state` being the project just before it."""
    found = []
    if isinstance(op, migrations.SeparateDatabaseAndState):
        for inner in op.database_operations:
            found += _operation_problems(
                inner,
                app_label,
                state,
                atomic=atomic,
                new_models=new_models,
                big_tables=big_tables,
                validated=validated,
            )
        return found
    if isinstance(op, migrations.RunSQL):
        for statement in _sql_statements(op.sql):
            problems = _sql_problems(
                statement, big_tables=big_tables, new_tables=set(), atomic=atomic, validated=validated
            )
            text = " ".join(statement.split()).upper()
            safe_ddl = (
                re.match(r"CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY", text)
                or "NOT VALID" in text
                or "VALIDATE CONSTRAINT" in text
                or "SET NOT NULL" in text
            )
            touched = _mentions(statement, big_tables)
            if touched and not problems and not safe_ddl:
                problems.append(
                    (
                        f"raw SQL on the big table {', '.join(touched)} locks or rewrites rows in one transaction",
                        DATA_FIX,
                    )
                )
            found += problems
        return found
    if isinstance(op, migrations.RunPython):
        sources = []
        for code in (op.code, op.reverse_code):
            try:
                sources.append(inspect.getsource(code) if code else "")
            except (OSError, TypeError):
                sources.append("")
        source = "\n".join(sources)
        named = {
            (a.lower(), m.lower())
            for a, m in re.findall(r"""get_model\(\s*["'](\w+)["']\s*,\s*["'](\w+)["']""", source)
            + re.findall(r"""get_model\(\s*["'](\w+)\.(\w+)["']""", source)
        }
        touched = sorted({f"{a}.{m}" for a, m in named & BIG_MODELS} | set(_mentions(source, big_tables)))
        if touched:
            found.append(
                (f"a data migration on the big table(s) {', '.join(touched)} updates them in one transaction", DATA_FIX)
            )
        return found

    if isinstance(op, migrations.CreateModel):
        return found
    key = _model_key(app_label, op)
    if key in new_models:
        # A table made by this same migration is empty: building on it locks nothing.
        return found
    big = key in BIG_MODELS
    model_state = state.models.get(key)

    if isinstance(op, AddIndexConcurrently):
        if atomic:
            found.append(("AddIndexConcurrently in an atomic migration", "set `atomic = False` on the migration"))
    elif isinstance(op, migrations.AddIndex):
        found.append((f"AddIndex {op.index.name} builds the index while writes to the table wait", INDEX_FIX))
    elif isinstance(op, migrations.AlterIndexTogether | migrations.AlterUniqueTogether):
        before = set(model_state.options.get(op.option_name, ())) if model_state else set()
        if set(op.option_value or ()) - before:
            found.append((f"{op.option_name} builds its index while writes to the table wait", INDEX_FIX))
    elif isinstance(op, migrations.AddConstraint):
        if isinstance(op.constraint, models.UniqueConstraint):
            found.append(
                (f"UniqueConstraint {op.constraint.name} builds its index while writes to the table wait", INDEX_FIX)
            )
        elif big:
            found.append(
                (f"constraint {op.constraint.name} on a big table is validated at once under lock", CONSTRAINT_FIX)
            )
    elif isinstance(op, migrations.AddField):
        field = op.field
        if _makes_index(field):
            found.append(
                (
                    f"field {op.name} comes with an index built while writes wait",
                    INDEX_FIX + "; give the field db_index=False (and unique=False) meanwhile",
                )
            )
        if big and _has_fk_constraint(field):
            found.append(
                (
                    f"the foreign key {op.name} is validated at once, scanning the big table",
                    "add the column with db_constraint=False, then " + CONSTRAINT_FIX,
                )
            )
        if big and not field.null and field.db_default is models.NOT_PROVIDED and not field.many_to_many:
            found.append(
                (
                    f"NOT NULL column {op.name} without db_default on a big table: Django drops the default after adding it, so the old code's INSERTs fail (and without a default the existing rows do)",
                    "give it db_default=..., or " + NOT_NULL_FIX,
                )
            )
    elif isinstance(op, migrations.AlterField) and model_state and op.name_lower in model_state.fields:
        old, new = model_state.fields[op.name_lower], op.field
        if _makes_index(new) and not _makes_index(old):
            found.append((f"field {op.name} gains an index built while writes wait", INDEX_FIX))
        if big:
            if _rewrites(old, new):
                found.append((f"changing {op.name}'s type rewrites the big table under ACCESS EXCLUSIVE", RETYPE_FIX))
            if old.null and not new.null and not validated:
                found.append(
                    (
                        f"{op.name} becomes NOT NULL: SET NOT NULL scans the big table under ACCESS EXCLUSIVE",
                        NOT_NULL_FIX,
                    )
                )
            if _has_fk_constraint(new) and not _has_fk_constraint(old):
                found.append(
                    (f"the foreign key {op.name} is validated at once, scanning the big table", CONSTRAINT_FIX)
                )
    return found


def _validates_in(migration) -> bool:
    # The safe NOT NULL recipe: a CHECK (... IS NOT NULL) NOT VALID validated in this migration.
    def statements(ops):
        for op in ops:
            if isinstance(op, migrations.SeparateDatabaseAndState):
                yield from statements(op.database_operations)
            elif isinstance(op, migrations.RunSQL):
                yield from _sql_statements(op.sql)

    return any("VALIDATE CONSTRAINT" in " ".join(s.split()).upper() for s in statements(migration.operations))


def check_migration(migration, state: ProjectState, *, sql_connection=None) -> list[Problem]:
    """Every operation of `migration` that would block writes, `state` being the project before it.

    With `sql_connection` (PostgreSQL), the SQL its schema editor would run is checked too.
    """
    app_label = migration.app_label
    state = state.clone()
    big_tables = _big_tables()
    validated = _validates_in(migration)
    new_models, new_tables = set(), set()
    problems = []
    waived = REVIEWED_DATA_MIGRATIONS.get((app_label, migration.name))
    for index, op in enumerate(migration.operations, start=1):
        if isinstance(op, migrations.CreateModel):
            new_models.add((app_label, op.name_lower))
            new_tables.add(op.options.get("db_table") or f"{app_label}_{op.name_lower}")
        found = _operation_problems(
            op,
            app_label,
            state,
            atomic=migration.atomic,
            new_models=new_models,
            big_tables=big_tables,
            validated=validated,
        )
        before = state.clone()
        op.state_forwards(app_label, state)
        if sql_connection is not None and not found:
            # A backstop for what the operation check cannot see (custom operations, Django's own
            # choices of DDL): an operation already refused is not reported twice.
            found = _collected_sql_problems(
                op,
                app_label,
                before,
                state,
                sql_connection,
                big_tables=big_tables,
                new_tables=new_tables,
                atomic=migration.atomic,
                validated=validated,
            )
        problems += [
            Problem(app_label, migration.name, index, op.describe(), why, instead)
            for why, instead in found
            if not (waived and instead == DATA_FIX)
        ]
    return problems


def _collected_sql_problems(op, app_label, before, after, sql_connection, **rules):
    """The (why, instead) pairs for the SQL `op` would run, as `sqlmigrate` collects it."""
    if not op.reduces_to_sql or isinstance(
        op, NotInTransactionMixin | migrations.RunSQL | migrations.SeparateDatabaseAndState
    ):
        # RunPython cannot be written as SQL; RunSQL was read as text; CONCURRENTLY is the safe way.
        return []
    model_state = before.models.get(_model_key(app_label, op))
    old_fields = model_state.fields if model_state else {}
    allow_type_change = (
        isinstance(op, migrations.AlterField)
        and op.name_lower in old_fields
        and not _rewrites(old_fields[op.name_lower], op.field)
    )
    with sql_connection.schema_editor(collect_sql=True, atomic=False) as editor:
        op.database_forwards(app_label, editor, before, after)
    return [
        (f"{why} (SQL: {' '.join(statement.split())[:160]})", instead)
        for statement in editor.collected_sql
        for why, instead in _sql_problems(statement, allow_type_change=allow_type_change, **rules)
    ]


@pytest.fixture(scope="module")
def loader(django_db_blocker):
    """The migrations on disk, without a connection: nothing here needs them applied."""
    # wagtail_localize's first migration asks the database at import time (and copes with the
    # table being absent): let it, whether or not this run has made the test database yet.
    with django_db_blocker.unblock():
        return MigrationLoader(None, ignore_no_migrations=True)


@pytest.fixture
def state(loader):
    """The project as all the migrations on disk leave it: where a candidate migration would start."""
    return loader.project_state()


def _new_migrations(loader):
    return sorted(
        (key, migration)
        for key, migration in loader.disk_migrations.items()
        if key[0] in PROJECT_APPS and key not in EXISTING_MIGRATIONS
    )


def _report(problems) -> str:
    return "New migrations would block writes on a live database during a deploy:\n" + "\n".join(
        f"- {p}" for p in problems
    )


def test_grandfathered_migrations_still_exist(loader):
    """A stale entry would grandfather a future migration of the same name without a look."""
    on_disk = {key for key in loader.disk_migrations if key[0] in PROJECT_APPS}
    assert EXISTING_MIGRATIONS - on_disk == set()
    assert set(REVIEWED_DATA_MIGRATIONS) <= on_disk
    assert all(reason.strip() for reason in REVIEWED_DATA_MIGRATIONS.values())


def test_new_migrations_do_not_block_writes(loader):
    """Every migration added after EXISTING_MIGRATIONS is checked by its operations (any database)."""
    problems = []
    for key, migration in _new_migrations(loader):
        problems += check_migration(migration, loader.project_state(key, at_end=False))
    assert problems == [], _report(problems)


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's DDL")
def test_new_migrations_sql_does_not_block_writes(loader):
    """The same check on the SQL `sqlmigrate` would print, for what an operation hides."""
    problems = []
    for key, migration in _new_migrations(loader):
        problems += check_migration(migration, loader.project_state(key, at_end=False), sql_connection=connection)
    assert problems == [], _report(problems)


# The checker itself, on migrations that never reach the disk.


def _migration(app_label, operations, *, atomic=True, name="9999_candidate"):
    migration_class = type("Migration", (migrations.Migration,), {"operations": operations, "atomic": atomic})
    return migration_class(name, app_label)


@pytest.fixture
def sql_connection(request):
    """PostgreSQL's connection, to read the SQL too; None on SQLite, where only operations are read."""
    if connection.vendor != "postgresql":
        return None
    # Some operations' SQL depends on the live schema (the names of existing constraints).
    request.getfixturevalue("db")
    return connection


def test_checker_refuses_a_plain_index_on_orders_and_accepts_a_concurrent_one(state, sql_connection):
    index = models.Index(fields=["created_at"], name="checkout_order_created_idx")
    plain = _migration("checkout", [migrations.AddIndex("order", index)])
    concurrent = _migration("checkout", [AddIndexConcurrently("order", index)], atomic=False)
    concurrent_in_transaction = _migration("checkout", [AddIndexConcurrently("order", index)], atomic=True)

    problems = check_migration(plain, state, sql_connection=sql_connection)

    assert [(p.app_label, p.migration, p.index, p.instead) for p in problems] == [
        ("checkout", "9999_candidate", 1, INDEX_FIX)
    ]
    assert "AddIndex checkout_order_created_idx" in str(problems[0])
    assert check_migration(concurrent, state, sql_connection=sql_connection) == []
    assert [p.why for p in check_migration(concurrent_in_transaction, state)] == [
        "AddIndexConcurrently in an atomic migration"
    ]


def test_checker_refuses_a_type_change_and_not_null_on_ledger_entries(state, sql_connection):
    amount = state.models["checkout", "ledgerentry"].fields["amount"]
    _, _, args, kwargs = amount.deconstruct()
    retyped = _migration(
        "checkout", [migrations.AlterField("ledgerentry", "amount", models.BigIntegerField(default=0))]
    )
    widened = _migration(
        "checkout",
        [
            migrations.AlterField(
                "ledgerentry",
                "amount",
                models.DecimalField(*args, **{**kwargs, "max_digits": kwargs["max_digits"] + 4}),
            )
        ],
    )
    not_null = _migration("checkout", [migrations.AddField("ledgerentry", "batch", models.IntegerField(default=0))])

    retyped_problems = check_migration(retyped, state, sql_connection=sql_connection)
    assert [p.why for p in retyped_problems] == ["changing amount's type rewrites the big table under ACCESS EXCLUSIVE"]
    assert check_migration(widened, state, sql_connection=sql_connection) == []
    assert [p.instead.startswith("give it db_default") for p in check_migration(not_null, state)] == [True]


def test_checker_accepts_a_nullable_column_on_orders_and_refuses_a_data_migration(state, sql_connection):
    def backfill(apps, schema_editor):
        apps.get_model("checkout", "Order").objects.update(note="")

    nullable = _migration("checkout", [migrations.AddField("order", "note", models.TextField(null=True, blank=True))])
    with_db_default = _migration(
        "checkout", [migrations.AddField("order", "channel", models.CharField(max_length=20, db_default="web"))]
    )
    data = _migration("checkout", [migrations.RunPython(backfill, migrations.RunPython.noop)])
    new_table = _migration(
        "checkout",
        [
            migrations.CreateModel(
                "Note", [("id", models.BigAutoField(primary_key=True)), ("text", models.TextField(db_index=True))]
            ),
            migrations.AddIndex("note", models.Index(fields=["text"], name="checkout_note_text_idx")),
        ],
    )

    assert check_migration(nullable, state, sql_connection=sql_connection) == []
    assert check_migration(with_db_default, state, sql_connection=sql_connection) == []
    assert check_migration(new_table, state, sql_connection=sql_connection) == []
    problems = check_migration(data, state)
    assert [(p.index, p.why, p.instead) for p in problems] == [
        (1, "a data migration on the big table(s) checkout.order updates them in one transaction", DATA_FIX)
    ]


def test_checker_reads_raw_sql_and_accepts_the_not_valid_recipe(state):
    recipe = _migration(
        "checkout",
        [
            migrations.RunSQL(
                [
                    "ALTER TABLE checkout_payment ADD CONSTRAINT payment_method_set CHECK (payment_method IS NOT NULL) NOT VALID",
                    "ALTER TABLE checkout_payment VALIDATE CONSTRAINT payment_method_set",
                    'ALTER TABLE checkout_payment ALTER COLUMN "payment_method" SET NOT NULL',
                ],
                migrations.RunSQL.noop,
            ),
            migrations.RunSQL("CREATE INDEX CONCURRENTLY payment_method_idx ON checkout_payment (payment_method)"),
        ],
        atomic=False,
    )
    at_once = _migration(
        "checkout",
        [
            migrations.RunSQL(
                "UPDATE checkout_voucher SET status = 'expired'; CREATE INDEX voucher_x ON shops_shoppage (id)"
            ),
        ],
    )

    assert check_migration(recipe, state) == []
    assert [p.instead for p in check_migration(at_once, state)] == [DATA_FIX, INDEX_FIX]


class _OpaqueIndex(migrations.operations.base.Operation):
    """An operation the operation check does not know: only its SQL tells what it does."""

    reduces_to_sql = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model("checkout", "Order")
        schema_editor.add_index(model, models.Index(fields=["paid_at"], name="checkout_order_paid_idx"))

    def describe(self):
        return "Opaque index"


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's DDL")
def test_checker_reads_the_schema_editor_sql_on_postgresql(state):
    opaque = _migration("checkout", [_OpaqueIndex()])

    problems = check_migration(opaque, state, sql_connection=connection)

    assert [(p.index, p.operation, p.instead) for p in problems] == [(1, "Opaque index", INDEX_FIX)]
    assert problems[0].why.startswith("CREATE INDEX on checkout_order without CONCURRENTLY blocks writes")
    assert check_migration(opaque, state) == []
