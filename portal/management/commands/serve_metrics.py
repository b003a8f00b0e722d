"""Serve the Prometheus metrics on an internal address, never on the public site.

A process of its own beside gunicorn (gunicorn's binds all serve the same
site, so a metrics URL there would answer on the public address too). It
reads the counts every worker writes to PROMETHEUS_MULTIPROC_DIR, which
gunicorn and this command must both be given, and asks the task broker
for its queue's length at each scrape.
"""

import os
from wsgiref.simple_server import WSGIRequestHandler, make_server

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from prometheus_client import make_wsgi_app

from portal import metrics


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass  # a line per scrape is noise


def parse_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(f"--bind takes host:port, not {bind!r}.")
    return host.strip("[]"), int(port)


class Command(BaseCommand):
    help = "Serve the Prometheus metrics of every gunicorn worker on an internal host:port (METRICS_BIND)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.METRICS_BIND, help="host:port (default: METRICS_BIND)")

    def handle(self, *args, bind, **options):
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
        if not directory or not os.path.isdir(directory):
            raise CommandError(
                "Set PROMETHEUS_MULTIPROC_DIR to the folder the gunicorn workers write their metrics to."
            )
        host, port = parse_bind(bind)
        server = make_server(host, port, make_wsgi_app(metrics.scrape_registry(directory)), handler_class=_QuietHandler)
        self.stdout.write(f"Metrics on http://{bind}/metrics")
        server.serve_forever()
