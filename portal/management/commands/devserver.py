"""Serve the portal on one machine: the web server and the task worker.

`make run` ends here. Both processes are children of this one; Ctrl-C (or
either of them dying) stops both, so no worker is left behind.
"""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the development server and the django-q2 worker together."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the django-q2 worker.")

    def handle(self, *args, addrport, no_worker, **options):
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = [manage + ["runserver", addrport]]
        if not no_worker:
            commands.append(manage + ["qcluster"])
        children = [subprocess.Popen(command) for command in commands]
        self.stdout.write(self.style.SUCCESS(f"Portal on http://{addrport}/fr/ — admin on http://{addrport}/admin/"))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
