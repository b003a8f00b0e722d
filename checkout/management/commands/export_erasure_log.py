"""`python manage.py export_erasure_log [--since YYYY-MM-DD] [--output FILE]`: the erasures, one JSON line each.

Kept beside the database dumps: `check_restore --erasure-log FILE` applies
them again to a restored dump (see `checkout.accounts.erasure_log`). The
lines hold order and account numbers, never a name or an address.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from checkout.accounts.erasure_log import erasure_records


def _day(value: str) -> datetime.datetime:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--since : date attendue au format AAAA-MM-JJ, pas {value!r}") from error
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class Command(BaseCommand):
    help = "Exporte le journal des effacements de données personnelles (une ligne JSON par effacement)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="seulement les effacements depuis ce jour (AAAA-MM-JJ)")
        parser.add_argument("--output", help="écrire dans ce fichier (par défaut : la sortie standard)")

    def handle(self, *args, since=None, output=None, **options):
        records = erasure_records(_day(since) if since else None)
        lines = "".join(record.to_json() + "\n" for record in records)
        if output:
            with open(output, "w", encoding="utf-8") as out:
                out.write(lines)
            self.stderr.write(f"{len(records)} effacement(s) écrit(s) dans {output}.")
        else:
            self.stdout.write(lines, ending="")
