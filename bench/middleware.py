"""What each request costs the server, in response headers (bench settings only).

`ServerCpuMiddleware`, outermost, sends the CPU time the request's thread
spent in Django (`time.thread_time_ns()`, gunicorn's gthread workers answer a
request on one thread) in `X-Bench-Cpu-Us`, microseconds: the server's own
work, without the time spent waiting for the database, locks or the CPU.

It also says what the page cache did in `X-Bench-Page-Cache`: `hit` (the
stored copy was sent), `stored` (rendered for every anonymous visitor) or
`rendered` (for this visitor only, or not a cached page type).

`QueryCountMiddleware` counts the database queries. The count goes out in the `X-Bench-Queries` response header, which the load
generator records per scenario. With `X-Bench-Sql: 1` in the request the
statements themselves come back in `X-Bench-Sql-File`: a file under
var/bench/sql/ that `bench/querycheck.py` reads to name a growing query.
"""

import hashlib
import json
import time

from django.conf import settings
from django.db import connection


class ServerCpuMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.thread_time_ns()
        response = self.get_response(request)
        response["X-Bench-Cpu-Us"] = str((time.thread_time_ns() - started) // 1000)
        if getattr(request, "page_cache_hit", False):
            response["X-Bench-Page-Cache"] = "hit"
        else:
            response["X-Bench-Page-Cache"] = "stored" if getattr(request, "page_cache_shared", False) else "rendered"
        return response


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Someone else may be recording (CaptureQueriesContext in bench/querycheck.py): leave them their log.
        recording = connection.force_debug_cursor
        connection.force_debug_cursor = True
        start = len(connection.queries_log)
        try:
            response = self.get_response(request)
        finally:
            connection.force_debug_cursor = recording
        statements = list(connection.queries_log)[start:]
        if not recording:
            connection.queries_log.clear()
        response["X-Bench-Queries"] = str(len(statements))
        if request.headers.get("X-Bench-Sql") == "1":
            folder = settings.BENCH_DIR / "sql"
            folder.mkdir(exist_ok=True)
            name = hashlib.sha1(request.get_full_path().encode()).hexdigest()[:12] + ".json"
            (folder / name).write_text(json.dumps([q["sql"] for q in statements], indent=1))
            response["X-Bench-Sql-File"] = str(folder / name)
        return response
