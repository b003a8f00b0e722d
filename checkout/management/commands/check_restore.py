"""`python manage.py check_restore --dump FILE --database-url postgres://…/restore_check [--erasure-log FILE]`.

Proves a backup can be used: restores the `pg_dump -Fc` file into a database
of its own with pg_restore (created when missing; refused when it holds
tables, unless `--replace`), then runs the checks on it:

- the erasures exported since the dump (`export_erasure_log`) applied again,
  and none of their personal data left (`checkout.accounts.erasure_log`);
- each weekly statement against the ledger, and every invoice sequence
  without a gap (`checkout.billing.restore_checks`).

The checks run in a second process of this command whose `DATABASE_URL` is
the restored database, so every query and every erasure goes through the
same code and connection settings as the site, and the live database is
never touched. Without `--dump`, the database at `--database-url` is checked
as it is; with neither option, this process's own database.

Prints a report; the exit status is 1 when a check fails.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from psycopg import sql

from checkout.accounts.erasure_log import personal_data_left, read_erasure_log, replay_erasures
from checkout.billing.restore_checks import CheckResult, check_invoice_sequences, check_statements_against_ledger


def _target(url: str) -> dict:
    target = dj_database_url.parse(url)
    if "postgresql" not in target["ENGINE"] or not target["NAME"]:
        raise CommandError("--database-url : une base PostgreSQL nommée est attendue (postgres://…/restore_check).")
    return target


def _connect(target: dict, dbname: str) -> psycopg.Connection:
    options = {"host": target.get("HOST"), "port": target.get("PORT"), "user": target.get("USER"),
               "password": target.get("PASSWORD")}
    return psycopg.connect(dbname=dbname, autocommit=True, **{k: v for k, v in options.items() if v})


def _is_live(target: dict) -> bool:
    live = connections[DEFAULT_DB_ALIAS].settings_dict
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return False

    def where(db):
        return (db.get("HOST") or "localhost", str(db.get("PORT") or 5432), db.get("NAME"))

    return where(live) == where(target)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise CommandError(f"{name} est introuvable : installez le client PostgreSQL de la version du serveur.")
    return found


def _tool_arguments(target: dict) -> tuple[list[str], dict]:
    arguments = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if target.get(key):
            arguments += [flag, str(target[key])]
    env = {**os.environ}
    if target.get("PASSWORD"):
        env["PGPASSWORD"] = target["PASSWORD"]
    return arguments, env


class Command(BaseCommand):
    help = "Restaure une sauvegarde pg_dump dans une base à part et vérifie les comptes, les factures et les effacements."

    def add_arguments(self, parser):
        parser.add_argument("--dump", help="le fichier de pg_dump -Fc à restaurer")
        parser.add_argument("--database-url", help="la base où restaurer et vérifier (postgres://…/restore_check)")
        parser.add_argument(
            "--replace", action="store_true", help="vider cette base si elle contient déjà des tables"
        )
        parser.add_argument("--erasure-log", help="le journal des effacements (export_erasure_log) à rejouer")
        parser.add_argument(
            "--migrate", action="store_true", help="appliquer les migrations manquantes avant les contrôles"
        )

    def handle(self, *args, dump=None, database_url=None, replace=False, erasure_log=None, migrate=False, **options):
        if erasure_log and not Path(erasure_log).is_file():
            raise CommandError(f"--erasure-log : {erasure_log} n'existe pas.")
        if database_url is None:
            if dump:
                raise CommandError("--dump demande --database-url : on ne restaure jamais dans la base du site.")
            return self._check_here(erasure_log, migrate)
        target = _target(database_url)
        if _is_live(target):
            raise CommandError("--database-url désigne la base de ce site : choisissez une base à part.")
        if dump:
            if not Path(dump).is_file():
                raise CommandError(f"--dump : {dump} n'existe pas.")
            self._prepare(target, replace)
            self._restore(dump, target)
        self._check_in_child(database_url, erasure_log, migrate)

    def _prepare(self, target: dict, replace: bool) -> None:
        """An empty database `target["NAME"]`: created when missing, refused when it holds tables (unless `replace`)."""
        name = target["NAME"]
        with _connect(target, "postgres") as server:
            exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists:
                with _connect(target, name) as database:
                    tables = database.execute(
                        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                        "AND n.nspname NOT LIKE 'pg_toast%%'"
                    ).fetchone()[0]
                if tables and not replace:
                    raise CommandError(
                        f"La base {name} contient déjà {tables} table(s) : rien n'est restauré (--replace pour la vider)."
                    )
                if tables:
                    server.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                    exists = None
            if not exists:
                # template0: nothing the server's template1 may hold collides with what the dump creates.
                server.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name))
                )
        self.stdout.write(f"Base {name} prête.")

    def _restore(self, dump: str, target: dict) -> None:
        arguments, env = _tool_arguments(target)
        # Owners and grants are the production server's roles, which the restore server may not have.
        command = [
            _pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
            *arguments, "--dbname", target["NAME"], dump,
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode:
            raise CommandError(f"pg_restore a échoué ({done.returncode}) :\n{done.stderr.strip()}")
        self.stdout.write(f"Sauvegarde {dump} restaurée dans {target['NAME']}.")

    def _check_in_child(self, database_url: str, erasure_log: str | None, migrate: bool) -> None:
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "check_restore"]
        if erasure_log:
            command += ["--erasure-log", str(Path(erasure_log).resolve())]
        if migrate:
            command.append("--migrate")
        env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=settings.BASE_DIR)
        self.stdout.write(done.stdout, ending="")
        if done.returncode:
            raise CommandError(done.stderr.strip().removeprefix("CommandError: ") or "les contrôles ont échoué")

    def _check_here(self, erasure_log: str | None, migrate: bool) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        self.stdout.write(f"Contrôle de la base {connection.settings_dict['NAME']}")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending and not migrate:
            raise CommandError(
                f"{len(pending)} migration(s) manquent à cette base (sauvegarde plus ancienne que le code) : "
                "relancez avec --migrate."
            )
        if pending:
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write(f"{len(pending)} migration(s) appliquée(s).")
        results = []
        if erasure_log:
            with open(erasure_log, encoding="utf-8") as lines:
                records = read_erasure_log(lines)
            replay = replay_erasures(records)
            self.stdout.write(
                f"Effacements rejoués : {replay.erasures} sur {len(records)} "
                f"({replay.orders} commande(s) anonymisée(s), {replay.accounts} compte(s) effacé(s))."
            )
            erased = CheckResult("Données effacées absentes")
            erased.checked, erased.problems = personal_data_left(records)
            erased.notes.append(f"{erased.checked} commande(s) de {len(records)} effacement(s)")
            results.append(erased)
        else:
            self.stdout.write("Aucun journal des effacements : ceux faits après la sauvegarde ne sont pas rejoués.")
        results += [check_statements_against_ledger(), check_invoice_sequences()]
        for result in results:
            self.stdout.write(f"[{'OK' if result.ok else 'ÉCHEC'}] {result.title} : {' ; '.join(result.notes)}")
            for problem in result.problems:
                self.stdout.write(f"  - {problem}")
        failed = [result.title for result in results if not result.ok]
        if failed:
            raise CommandError(f"{len(failed)} contrôle(s) en échec : {', '.join(failed)}.")
        self.stdout.write("Tous les contrôles sont passés.")
