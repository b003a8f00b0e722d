"""`python manage.py send_promise_reminders`: what the hourly schedule does, by hand.

Safe to run again: a step already reminded is not reminded twice.
"""

from django.core.management.base import BaseCommand

from markets import publication_promise


class Command(BaseCommand):
    help = "Rappelle à qui a la main (office de tourisme ou commerçant) chaque étape en retard de la mise en ligne en 4 jours."

    def handle(self, *args, **options):
        sent = publication_promise.send_promise_reminders()
        self.stdout.write(f"Étapes en retard rappelées : {sent}.")
