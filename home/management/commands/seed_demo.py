"""`python manage.py seed_demo`: a demo portal with three territories, their shops and logins."""

import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from home.demo.builder import DEMO_PASSWORD, DemoBuilder
from home.demo.content import TERRITORIES
from home.demo.plan import max_shops

# Wagtail and django-tasks log every page save, publish and index task at INFO.
NOISY_LOGGERS = ("wagtail", "django_tasks", "wagtail_localize")

KIND_LABELS = {
    "territory": "territoires",
    "partner": "partenaires (fr + en)",
    "page": "pages (fr + en)",
    "image": "images",
    "stock": "stocks",
    "user": "utilisateurs",
    "terms": "conditions générales",
    "registration": "inscriptions en attente",
    "payout_account": "comptes de versement",
    "order": "commandes payées",
}


@contextmanager
def quiet(names):
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Crée un portail de démonstration : trois territoires (Colmar, Annecy, Quimper), leurs marchés, "
        "partenaires, pages d'aide, boutiques et produits, en français et en anglais, et des comptes "
        f"(admin, un éditeur par territoire, un commerçant par boutique) au mot de passe connu « {DEMO_PASSWORD} ». "
        "Peut être relancée : ce qui existe est gardé tel quel. "
        "Refuse de tourner quand DEBUG est faux, sauf avec --force : ces comptes ne doivent pas exister "
        "en production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shops", type=int, default=12, metavar="N",
                            help="boutiques par territoire (défaut : 12)")
        parser.add_argument("--products-min", type=int, default=5, metavar="N",
                            help="produits au minimum par boutique (défaut : 5)")
        parser.add_argument("--products-max", type=int, default=15, metavar="N",
                            help="produits au maximum par boutique (défaut : 15)")
        parser.add_argument(
            "--force", action="store_true",
            help=f"tourner même si DEBUG est faux (crée des comptes au mot de passe « {DEMO_PASSWORD} »)",
        )
        parser.add_argument("--no-logins", action="store_true", help="ne pas afficher le tableau des comptes")

    def handle(self, *args, shops, products_min, products_max, force, no_logins, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                f"DEBUG est faux : seed_demo crée des comptes au mot de passe public « {DEMO_PASSWORD} ». "
                "Relancez avec --force si c'est bien une instance de démonstration."
            )
        limit = min(max_shops(t) for t in TERRITORIES)
        if not 1 <= shops <= limit:
            raise CommandError(f"--shops doit être entre 1 et {limit}.")
        if not 1 <= products_min <= products_max <= 15:
            raise CommandError("Il faut 1 ≤ --products-min ≤ --products-max ≤ 15.")

        started = time.monotonic()
        builder = DemoBuilder(shops_per_territory=shops, products_min=products_min, products_max=products_max)
        with quiet(NOISY_LOGGERS):
            report = builder.build()
        elapsed = time.monotonic() - started

        self.stdout.write(self.style.MIGRATE_HEADING(f"Démo prête en {elapsed:.1f} s"))
        for kind, label in KIND_LABELS.items():
            created, existing = report.created[kind], report.existing[kind]
            if created or existing:
                self.stdout.write(f"  {label:<24} {created:>5} créés   {existing:>5} déjà là")
        if not sum(report.created.values()):
            self.stdout.write(self.style.SUCCESS("Rien à créer : tout est déjà là."))

        if not no_logins:
            self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING(f"Comptes (mot de passe : {DEMO_PASSWORD})"))
            width = max(len(login.username) for login in report.logins)
            self.stdout.write(f"  {'identifiant':<{width}}  {'rôle':<11}  périmètre")
            for login in report.logins:
                self.stdout.write(f"  {login.username:<{width}}  {login.role:<11}  {login.scope}")
            if report.pending_registrations:
                self.stdout.write("")
                self.stdout.write(self.style.MIGRATE_HEADING(
                    "Inscriptions en attente (admin › Inscriptions, à accepter par l'éditeur du territoire)"
                ))
                for name in report.pending_registrations:
                    self.stdout.write(f"  {name}")
