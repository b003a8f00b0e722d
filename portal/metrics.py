"""The portal's Prometheus metrics, and what the metrics server exposes.

Each gunicorn worker counts in its own process (request latency by view
comes from django-prometheus's middleware, production settings). With
PROMETHEUS_MULTIPROC_DIR set, prometheus_client writes every process's
counts to files in that folder, and the metrics server
(`manage.py serve_metrics`, on an internal address) adds them up at each
scrape. The public site has no metrics URL.
"""

import logging

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

ORDERS_PAID = Counter("portal_orders_paid", "Orders whose payment was confirmed.")
PAYMENTS_FAILED = Counter("portal_payments_failed", "Payment attempts refused (declined card, failed 3-D Secure).")
# Stripe retries a delivery for up to three days.
WEBHOOK_LAG = Histogram(
    "portal_stripe_webhook_lag_seconds",
    "Time from a Stripe event's creation to its verified delivery here.",
    buckets=(1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 24 * 3600, 72 * 3600),
)


class TaskQueueCollector:
    """The number of tasks waiting in django-q2's broker, asked at each scrape."""

    def collect(self):
        from django_q.brokers import get_broker

        try:
            size = get_broker().queue_size()
        except Exception:  # whatever the broker's failure, the scrape still answers with the other metrics
            logger.warning("Task queue length not read", exc_info=True)
            return
        family = GaugeMetricFamily("portal_task_queue_length", "Tasks waiting in django-q2's queue.")
        family.add_metric([], size)
        yield family


def scrape_registry(multiprocess_dir: str) -> CollectorRegistry:
    """Every worker's metrics from `multiprocess_dir`, and the task queue's length."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)
    registry.register(TaskQueueCollector())
    return registry
