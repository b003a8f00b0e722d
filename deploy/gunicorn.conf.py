"""gunicorn's settings in the container (deploy/Containerfile): sizes from the environment."""

import os

bind = "0.0.0.0:8000"
# Processes and threads per container; scale out with more containers (deploy/compose.yaml).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Longer than nginx's proxy_read_timeout would be pointless; shorter cuts a slow PDF export.
timeout = 60
graceful_timeout = 30
# Recycled now and then, so that a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
