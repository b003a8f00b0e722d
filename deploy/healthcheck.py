"""The container's health check: GET /healthz on this container, as the allowed host the site answers to.

Exit 0 when the portal answers 200 (status "ok" or "degraded": the database
answers), 1 otherwise. Django refuses a Host it does not serve, so the probe
names the first of DJANGO_ALLOWED_HOSTS (a leading dot allows subdomains and
the domain itself).
"""

import os
import sys
import urllib.request

host = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
request = urllib.request.Request("http://127.0.0.1:8000/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as error:  # refused, timed out, 503: all unhealthy
    print(f"healthz: {error}", file=sys.stderr)
    sys.exit(1)
