"""`python manage.py run_weekly_statements [--week YYYY-MM-DD]`: what the Monday schedule does, by hand.

Any day of the week may be given; its Monday is used. Without --week, the
last week that has ended. Safe to run again: only what is missing is made.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from checkout.billing import statements
from portal.money import euros


class Command(BaseCommand):
    help = "Relevés hebdomadaires, factures de commission, fichier de virements SEPA et e-mails de ventes."

    def add_arguments(self, parser):
        parser.add_argument("--week", type=date.fromisoformat, help="un jour de la semaine (AAAA-MM-JJ)")
        parser.add_argument("--no-export", action="store_true", help="ne pas créer de fichier de virements")
        parser.add_argument("--sepa-out", help="écrire aussi le fichier de virements à ce chemin")

    def handle(self, *args, week=None, no_export=False, sepa_out=None, **options):
        week_start = statements.week_start_of(week) if week else statements.last_ended_week()
        try:
            run = statements.run_week(week_start, export=not no_export)
        except statements.StatementRefused as error:
            raise CommandError(str(error)) from error
        for statement in run.statements:
            self.stdout.write(
                f"{statement.trade_name}: ventes {euros(statement.sales)}, commission {euros(statement.commission)}, "
                f"versé {euros(statement.payout_amount)}, reporté {euros(statement.carried_out)}"
            )
        self.stdout.write(f"Semaine du {week_start:%d/%m/%Y} : {len(run.statements)} relevé(s) établi(s).")
        if run.batch is not None:
            self.stdout.write(
                f"Virements : {run.batch.payouts_count} pour {euros(run.batch.total)}, lot {run.batch.reference}."
            )
            if sepa_out:
                with open(sepa_out, "wb") as out:
                    out.write(bytes(run.batch.document))
                self.stdout.write(f"Fichier SEPA écrit dans {sepa_out}.")
        self.stdout.write(f"E-mails de ventes envoyés ou en file : {run.reports_enqueued}.")
