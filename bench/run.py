"""`make bench`: seed (once per size), serve with gunicorn, load with locust, write bench/results.json.

Environment (all optional):
  BENCH_SIZE          territories x shops x products, default 3x300x10
  BENCH_DATABASE_URL  PostgreSQL instead of var/bench/seed-<size>.sqlite3: each
                      size gets its own database, this URL's name + `_<size>`
                      (postgres://postgres@127.0.0.1:5432/bench gives
                      bench_3x300x10), created through the `postgres` database
  BENCH_REDIS_URL     Redis for the cache (and the task broker with two hosts)
  BENCH_HOSTS         1 (default) or 2: two gunicorn servers on two ports
                      sharing the database and Redis, the load spread across
                      both, and django-q2's `qcluster` running the tasks; needs
                      BENCH_DATABASE_URL and BENCH_REDIS_URL
  BENCH_DURATION      seconds of load per scenario, default 30
  BENCH_USERS         simultaneous visitors per scenario, default 8
  BENCH_MAX_REQUESTS  cap on a scenario's requests, default 20000
  BENCH_WORKERS, BENCH_THREADS   gunicorn workers x threads, default 2 x 4

After the scenarios, `bench/checks.py` checks the books the load left
(stock, payments, ledger, invoices): printed and kept in the results.

Every process started here (localstripe, gunicorn, qcluster, locust, the
seed) runs in its own process group, stopped in `finally` on success, on
error and on Ctrl-C or SIGTERM; further signals during that clean-up are
ignored, so a second Ctrl-C cannot leave a server behind.
"""

import contextlib
import hashlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).absolute().parent.parent
BENCH_VAR = BASE_DIR / "var" / "bench"
RESULTS = BASE_DIR / "bench" / "results.json"
PYTHON = sys.executable
BIN = Path(sys.executable).parent
SMALL_SIZE = (3, 24, 10)  # the seed the query counts are compared with

# (name, locust user class, request names, server): "rendered" is the server without the page cache (what a
# page costs to render), "shared" the server(s) with it, as in production.
SCENARIOS = [
    ("floor", "Floor", ["floor"], "shared"),
    ("home", "Home", ["home"], "rendered"),
    ("market (page 1)", "MarketFirstPage", ["market (page 1)"], "rendered"),
    ("market (deep page)", "MarketDeepPage", ["market (deep page)"], "rendered"),
    ("shop", "Shop", ["shop"], "rendered"),
    ("product", "Product", ["product"], "rendered"),
    ("browse (page cache)", "Browse", ["browse"], "shared"),
    ("basket-to-paid-order", "BasketToPaidOrder", None, "shared"),
    ("merchant orders list", "MerchantOrders", ["merchant orders list"], "shared"),
]

# What the issue asks of each scenario, checked in the table: (scenario, figure, at most / at least, value).
TARGETS = [
    ("home", "cpu_p50_ms", "max", 5),
    ("market (page 1)", "cpu_p50_ms", "max", 10),
    ("market (deep page)", "cpu_p50_ms", "max", 10),
    ("shop", "cpu_p50_ms", "max", 8),
    ("product", "cpu_p50_ms", "max", 6),
    ("browse (page cache)", "cpu_p50_ms", "max", 1.5),
    ("browse (page cache)", "page_cache_hit_rate", "min", 0.9),
    ("browse (page cache)", "throughput_vs_floor", "min", 0.3),
    ("basket-to-paid-order", "cpu_ms_per_order", "max", 60),
    ("merchant orders list", "cpu_p50_ms", "max", 80),
]

children: list[subprocess.Popen] = []


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def start(args, env, **kwargs) -> subprocess.Popen:
    process = subprocess.Popen(args, env=env, cwd=BASE_DIR, start_new_session=True, **kwargs)
    children.append(process)
    return process


def stop_all() -> None:
    """Stop every process group started here: SIGTERM, then SIGKILL for what is still there after 15 s."""
    for process in reversed(children):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in reversed(children):
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        # The group may outlive its leader (gunicorn's workers, qcluster's): kill what is left of it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    children.clear()


def run(args, env, timeout, **kwargs) -> None:
    process = start(args, env, **kwargs)
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise SystemExit(f"timed out after {timeout} s: {' '.join(map(str, args))}") from error
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(map(str, args))}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, headers=None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit(f"nothing answered at {url}")


def size_key(size) -> str:
    return "x".join(map(str, size))


def django_env(key: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="bench.settings", BENCH_SEED_KEY=key, PYTHONPATH=str(BASE_DIR), **extra)
    return env


def pg_urls(key: str) -> tuple[str, str, str]:
    """BENCH_DATABASE_URL's database for one seed size (named as bench.settings names it), and the maintenance URL."""
    parsed = urllib.parse.urlsplit(os.environ["BENCH_DATABASE_URL"])
    name = f"{parsed.path.lstrip('/') or 'bench'}_{key}"
    maintenance = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
    return name, urllib.parse.urlunsplit(parsed._replace(path=f"/{name}")), maintenance


def pg_database(key: str, *, fresh: bool) -> bool:
    """Make sure the size's database exists (made empty when `fresh`); returns whether it existed."""
    import psycopg
    from psycopg import sql

    name, _url, maintenance = pg_urls(key)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        existed = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if existed and fresh:
            connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        if fresh or not existed:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return existed


# Bumped when bench/seed.py writes something new: older seeds are made again.
SEED_VERSION = 4  # 2: ledger entries carry their shop, shops have bank accounts; 3: translatable delivery options;
# 4: stock rows count the season's sales


def ensure_seed(size) -> float:
    """Seed the database of this size unless a finished seed of it is there; returns the seconds spent."""
    key = size_key(size)
    stamp = f"{key} v{SEED_VERSION}"
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        name, db_url, _maintenance = pg_urls(key)
        marker = BENCH_VAR / f"pg-{hashlib.sha256(db_url.encode()).hexdigest()[:12]}.seed"
        if marker.exists() and marker.read_text() == stamp and pg_database(key, fresh=False):
            log(f"seed {key}: cached in PostgreSQL database {name}")
            return 0.0
    else:
        marker = BENCH_VAR / f"seed-{key}.done"
        if marker.exists() and marker.read_text() == stamp and (BENCH_VAR / f"seed-{key}.sqlite3").exists():
            log(f"seed {key}: cached in var/bench/seed-{key}.sqlite3")
            return 0.0
    started = time.monotonic()
    env = django_env(key)
    marker.unlink(missing_ok=True)
    if url:
        log(f"PostgreSQL database {name}: made afresh")
        pg_database(key, fresh=True)
    else:
        for suffix in ("", "-wal", "-shm"):
            (BENCH_VAR / f"seed-{key}.sqlite3{suffix}").unlink(missing_ok=True)
    territories, shops, products = size
    log(f"seed {key}: {territories} territories x {shops} shops x {products} products")
    run([PYTHON, "-m", "bench.seed", "--territories", str(territories), "--shops", str(shops),
         "--products", str(products)], env, 1200)
    marker.write_text(stamp)
    return time.monotonic() - started


def start_localstripe(web_port: int) -> dict:
    """localstripe with its store in memory (bench/localstripe_launcher.py), its webhooks sent to `web_port`."""
    port = free_port()
    with open(BENCH_VAR / "localstripe.log", "w") as output:
        start([PYTHON, "-m", "bench.localstripe_launcher", "--port", str(port)], {**os.environ, "PYTHONPATH": str(BASE_DIR)},
              stdout=output, stderr=subprocess.STDOUT)
    api_base = f"http://127.0.0.1:{port}"
    wait_for(api_base + "/v1/customers", {"Authorization": "Bearer sk_test_local"})
    secret = "whsec_" + secrets.token_hex(16)
    form = urllib.parse.urlencode(
        {"url": f"http://127.0.0.1:{web_port}/checkout/webhooks/stripe/", "secret": secret}
    ).encode()
    urllib.request.urlopen(urllib.request.Request(api_base + "/_config/webhooks/bench", data=form), timeout=5)
    return {"STRIPE_API_BASE": api_base, "STRIPE_SECRET_KEY": "sk_test_local",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_local", "STRIPE_WEBHOOK_SECRET": secret}


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def cpu_summary(cpu_us) -> dict:
    """The server's CPU time per request (X-Bench-Cpu-Us), median and p95, in ms."""
    if not cpu_us:
        return {"cpu_p50_ms": None, "cpu_p95_ms": None}
    return {"cpu_p50_ms": round(percentile(cpu_us, 0.50) / 1000, 2),
            "cpu_p95_ms": round(percentile(cpu_us, 0.95) / 1000, 2)}


def hit_rate(outcomes: dict) -> float | None:
    """The share of cacheable page requests answered from the page cache (X-Bench-Page-Cache)."""
    pages = sum(outcomes.values()) - outcomes.get("rendered", 0)
    return round(outcomes.get("hit", 0) / pages, 3) if pages else None


def page_cache_summary(outcomes: dict, second_half: dict) -> dict:
    """What the page cache did, when it did anything: over the whole scenario and over its second half.

    The scenario starts from a cold cache, so its first half is mostly each
    page's first visit; the second half is the steady state of a rush that
    lasts hours, which the target is about.
    """
    if not outcomes.get("hit"):
        return {}
    return {"page_cache": outcomes, "page_cache_hit_rate_whole_run": hit_rate(outcomes),
            "page_cache_second_half": second_half, "page_cache_hit_rate": hit_rate(second_half)}


def summarize(entry, elapsed) -> dict:
    times = entry["times"]
    return {
        "requests": len(times),
        "requests_per_s": round(len(times) / elapsed, 1) if elapsed else None,
        "p50_ms": round(percentile(times, 0.50), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "errors": entry["errors"],
        "queries_per_request": round(statistics.mean(entry["queries"]), 1) if entry["queries"] else None,
        "queries_max": max(entry["queries"]) if entry["queries"] else None,
        **cpu_summary(entry.get("cpu", [])),
        **page_cache_summary(entry.get("page_cache", {}), entry.get("page_cache_second_half", {})),
        **({"error_examples": entry["error_examples"]} if entry["error_examples"] else {}),
    }


def load(scenario_class: str, env: dict, ports: list[int], duration: int, users: int) -> dict:
    out = BENCH_VAR / f"locust-{scenario_class}.json"
    out.unlink(missing_ok=True)
    # More than one server: the locustfile sends each request to the next one in turn.
    env = {**env, "BENCH_OUT": str(out), "BENCH_HOSTS_URLS": ",".join(f"http://127.0.0.1:{p}" for p in ports),
           "BENCH_SCENARIO_SECONDS": str(duration)}
    port = ports[0]
    with open(BENCH_VAR / f"locust-{scenario_class}.log", "w") as output:
        run([str(BIN / "locust"), "-f", str(BASE_DIR / "bench" / "locustfile.py"), "--headless", "--only-summary",
             "--loglevel", "ERROR", "-u", str(users), "-r", str(users), "-t", f"{duration}s", "--stop-timeout", "10",
             "--host", f"http://127.0.0.1:{port}", scenario_class], env, duration + 90,
            stdout=output, stderr=subprocess.STDOUT)
    return json.loads(out.read_text())


def books_checks(key: str, since_order: int) -> dict:
    """bench/checks.py on the database the server wrote to."""
    out = BENCH_VAR / f"checks-{key}.json"
    out.unlink(missing_ok=True)
    run([PYTHON, "-m", "bench.checks", str(out), "--since-order", str(since_order)], django_env(key), 600)
    return json.loads(out.read_text())


def last_order_id(key: str) -> int:
    out = BENCH_VAR / f"last-order-{key}.json"
    run([PYTHON, "-m", "bench.checks", str(out), "--last-order"], django_env(key), 120)
    return json.loads(out.read_text())["last_order"]


def weekly_statement(key: str) -> dict:
    """The Monday run over every week of the seeded season: seconds and peak memory (bench/statements.py)."""
    out = BENCH_VAR / f"statements-{key}.json"
    run([PYTHON, "-m", "bench.statements", str(out)], django_env(key), 900)
    return json.loads(out.read_text())


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {sys.version.split()[0]}"


def main() -> None:
    began = time.monotonic()
    size = tuple(int(n) for n in os.environ.get("BENCH_SIZE", "3x300x10").lower().split("x"))
    duration = int(os.environ.get("BENCH_DURATION", "30"))
    users = int(os.environ.get("BENCH_USERS", "8"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    threads = int(os.environ.get("BENCH_THREADS", "4"))
    hosts = int(os.environ.get("BENCH_HOSTS", "1"))
    if hosts not in (1, 2):
        raise SystemExit("BENCH_HOSTS is 1 or 2")
    if hosts == 2 and not (os.environ.get("BENCH_DATABASE_URL") and os.environ.get("BENCH_REDIS_URL")):
        raise SystemExit("BENCH_HOSTS=2 shares PostgreSQL and Redis: set BENCH_DATABASE_URL and BENCH_REDIS_URL"
                         " (make bench-pg BENCH_HOSTS=2)")
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    key = size_key(size)

    # A measured seed smaller than the small one (a quick try) is compared with a seed no larger than itself.
    small_size = tuple(min(s, m) for s, m in zip(SMALL_SIZE, size, strict=True))
    seed_seconds = ensure_seed(size)
    small_seconds = ensure_seed(small_size) if size != small_size else 0.0
    env = django_env(key, BENCH_RUN_ID=secrets.token_hex(4))
    if hosts == 2:
        env["BENCH_QCLUSTER"] = "1"

    log("collectstatic")
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env, 600)

    log("query counts on the small and the measured seed")
    counts = {}
    for label, seed_size in (("small", small_size), ("measured", size)):
        out = BENCH_VAR / f"queries-{size_key(seed_size)}.json"
        run([PYTHON, "-m", "bench.querycheck", str(out)], django_env(size_key(seed_size)), 300)
        counts[label] = json.loads(out.read_text())
    from bench.querycheck import growth  # plain Python, no Django set-up needed

    grown = growth(counts["small"], counts["measured"])

    since_order = last_order_id(key)
    ports = [free_port() for _ in range(hosts)]
    # With two hosts the webhooks reach the second: a payment started on one is confirmed by the other too.
    env.update(start_localstripe(ports[-1]))
    for number, host_port in enumerate(ports, 1):
        log(f"gunicorn on 127.0.0.1:{host_port}: {workers} workers x {threads} threads")
        start([str(BIN / "gunicorn"), "portal.wsgi:application", "--bind", f"127.0.0.1:{host_port}", "--workers",
               str(workers), "--threads", str(threads), "--worker-class", "gthread", "--log-level", "warning",
               "--error-logfile", str(BENCH_VAR / f"gunicorn-{number}.log")], env)
    rendered_port = free_port()
    log(f"gunicorn without the page cache on 127.0.0.1:{rendered_port}")
    start([str(BIN / "gunicorn"), "portal.wsgi:application", "--bind", f"127.0.0.1:{rendered_port}", "--workers",
           str(workers), "--threads", str(threads), "--worker-class", "gthread", "--log-level", "warning",
           "--error-logfile", str(BENCH_VAR / "gunicorn-rendered.log")], {**env, "BENCH_PAGE_CACHE": "0"})
    if hosts == 2:
        log("qcluster on the ORM broker")
        with open(BENCH_VAR / "qcluster.log", "w") as output:
            start([PYTHON, "manage.py", "qcluster"], env, stdout=output, stderr=subprocess.STDOUT)
    for host_port in [*ports, rendered_port]:
        wait_for(f"http://127.0.0.1:{host_port}/bench/floor")

    targets_file = BENCH_VAR / f"targets-{key}.json"
    run([PYTHON, "-m", "bench.targets", str(targets_file)], env, 300)
    targets = json.loads(targets_file.read_text())
    env["BENCH_TARGETS"] = str(targets_file)
    log("warming up (renditions, caches, each worker)")
    warm = (targets["home"] + targets["markets"] + targets["markets_deep"] + targets["shops"][:30]
            + targets["products"][:60])
    for url in warm * 2:
        for host_port in [*ports, rendered_port]:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{host_port}{url}", timeout=60).read()
            except urllib.error.HTTPError as error:
                raise SystemExit(f"warm-up: {url} answered {error.code}") from error

    scenarios = {}
    for name, scenario_class, request_names, server in SCENARIOS:
        log(f"scenario {name}: {users} users, {duration} s")
        data = load(scenario_class, env, ports if server == "shared" else [rendered_port], duration, users)
        elapsed, samples = data["elapsed"], data["samples"]
        if request_names is None:  # the checkout flow: the flow itself, then each of its requests
            flow = samples.pop("basket-to-paid-order",
                               {"times": [], "errors": 0, "queries": [], "cpu": [], "error_examples": []})
            steps = {n: summarize(e, elapsed) for n, e in samples.items()}
            portal_steps = {n: s for n, s in steps.items() if n.startswith("checkout:")}
            result = summarize(flow, elapsed)
            result["unit"] = "paid orders"
            result["errors"] = sum(s["errors"] for s in steps.values())
            per_flow = [s["queries_per_request"] * s["requests"] for s in portal_steps.values() if s["queries_per_request"]]
            result["queries_per_request"] = (round(sum(per_flow) / sum(s["requests"] for s in portal_steps.values()), 1)
                                             if per_flow else None)
            result["queries_per_order"] = round(sum(per_flow) / len(flow["times"]), 1) if flow["times"] else None
            # The server's CPU per portal request of the flow, and per paid order (the sum of its requests').
            cpu = [us for n, e in samples.items() if n.startswith("checkout:") for us in e.get("cpu", [])]
            result.update(cpu_summary(cpu))
            result["cpu_ms_per_order"] = round(sum(cpu) / 1000 / len(flow["times"]), 1) if flow["times"] else None
            result["steps"] = steps
        else:
            merged = {"times": [], "errors": 0, "queries": [], "cpu": [], "error_examples": [], "page_cache": {},
                      "page_cache_second_half": {}}
            for request_name in request_names:
                entry = samples.get(request_name, merged)
                if entry is not merged:
                    for field in ("times", "queries", "cpu", "error_examples"):
                        merged[field] += entry.get(field, [])
                    merged["errors"] += entry["errors"]
                    for field in ("page_cache", "page_cache_second_half"):
                        for outcome, count in entry.get(field, {}).items():
                            merged[field][outcome] = merged[field].get(outcome, 0) + count
            result = summarize(merged, elapsed) if merged["times"] else {"requests": 0, "errors": 0}
            result["unit"] = "requests"
        result["seconds"] = round(elapsed, 1)
        scenarios[name] = result

    floor = scenarios["floor"]
    for result in scenarios.values():
        if result.get("requests_per_s") and floor.get("requests_per_s"):
            result["throughput_vs_floor"] = round(result["requests_per_s"] / floor["requests_per_s"], 3)
            result["p50_vs_floor"] = round(result["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else None
    stop_all()  # the server is done: the checks and the statement run get the machine to themselves
    log("checks of the books after the load")
    checks = books_checks(key, since_order)
    log("weekly statement run over the season")
    statement_run = weekly_statement(key)

    results = {
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "size": {"territories": size[0], "shops_per_territory": size[1], "products_per_shop": size[2], "key": key},
        "database": (f"PostgreSQL ({pg_urls(key)[0]})" if os.environ.get("BENCH_DATABASE_URL") else "SQLite")
        + (", Redis" if os.environ.get("BENCH_REDIS_URL") else ""),
        "hosts": hosts,
        "server": (f"{hosts} x " if hosts > 1 else "")
        + f"gunicorn {workers} workers x {threads} threads (gthread), bench.settings (DEBUG off)"
        + (", qcluster on the ORM broker" if hosts > 1 else ""),
        "load": f"locust headless, {users} users without wait, {duration} s per scenario",
        "seed_seconds": round(seed_seconds, 1),
        "small_seed_seconds": round(small_seconds, 1),
        "scenarios": scenarios,
        "targets": targets_met(scenarios, statement_run),
        "checks": checks,
        "weekly_statement": statement_run,
        "query_counts": {"small_seed": size_key(small_size), "measured_seed": key,
                         "pages": {n: {"small": counts["small"][n]["count"], "measured": c["count"]}
                                   for n, c in counts["measured"].items()},
                         "growing": grown},
        "total_seconds": round(time.monotonic() - began, 1),
    }
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print_table(results)


def targets_met(scenarios: dict, statement_run: dict) -> list[dict]:
    """Each target of TARGETS with the figure measured and whether it is met (None: not measured)."""
    rows = []
    for scenario, figure, bound, value in TARGETS:
        measured = scenarios.get(scenario, {}).get(figure)
        met = None if measured is None else (measured <= value if bound == "max" else measured >= value)
        rows.append({"scenario": scenario, "figure": figure, "target": f"{'≤' if bound == 'max' else '≥'} {value}",
                     "measured": measured, "met": met})
    per_statement = statement_run.get("ms_per_statement")
    rows.append({"scenario": "Monday run", "figure": "ms_per_statement", "target": "≤ 5", "measured": per_statement,
                 "met": None if per_statement is None else per_statement <= 5})
    return rows


def print_table(results) -> None:
    print()
    print(f"{results['taken_at']} — {results['machine']}")
    print(f"{results['size']['key']} on {results['database']}; {results['server']}; {results['load']}")
    header = (f"{'scenario':<24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'cpu p50':>9}{'cpu p95':>9}"
              f"{'errors':>8}{'queries':>9}{'vs floor':>10}")
    print(header)
    print("-" * len(header))
    for name, r in results["scenarios"].items():
        if "status" in r:
            print(f"{name:<24}{r['status']:>9}")
            continue
        print(f"{name:<24}{r.get('requests_per_s') or 0:>9}{r.get('p50_ms') or 0:>9}{r.get('p95_ms') or 0:>9}"
              f"{r.get('p99_ms') or 0:>9}{str(r.get('cpu_p50_ms')):>9}{str(r.get('cpu_p95_ms')):>9}"
              f"{r.get('errors', 0):>8}{str(r.get('queries_per_request')):>9}"
              f"{str(r.get('throughput_vs_floor', '')):>10}")
    print("(cpu: the server's CPU time per request, ms; basket-to-paid-order: per portal request of the flow,"
          f" {results['scenarios'].get('basket-to-paid-order', {}).get('cpu_ms_per_order')} ms per paid order)")
    print("targets:")
    for row in results["targets"]:
        verdict = {True: "met", False: "NOT MET", None: "not measured"}[row["met"]]
        print(f"  {row['scenario']:<24}{row['figure']:<22}{row['target']:>8}{str(row['measured']):>10}  {verdict}")
    browse = results["scenarios"].get("browse (page cache)", {})
    if browse.get("page_cache"):
        print(f"page cache in the browse scenario: {browse['page_cache']} "
              f"(hit rate {browse['page_cache_hit_rate_whole_run']}), second half: "
              f"{browse['page_cache_second_half']} (hit rate {browse['page_cache_hit_rate']})")
    checks = results["checks"]
    print(f"checks of the books: {'all pass' if checks['ok'] else 'FAILED'}")
    for name, check in checks["checks"].items():
        print(f"  {name:<12}{'ok' if check['ok'] else 'FAILED':<8}{check['checked']} checked, {check['problems']} problems")
        for example in check["examples"]:
            print(f"    {example}")
    run = results["weekly_statement"]
    print(f"weekly statement run: {run.get('statements')} statements over {run.get('weeks')} weeks in "
          f"{run.get('seconds')} s (slowest week {run.get('slowest_week_seconds')} s), peak {run.get('peak_rss_mb')} MB")
    print()
    print("queries per page, small seed -> measured seed:")
    for name, c in results["query_counts"]["pages"].items():
        print(f"  {name:<24}{c['small']:>5} -> {c['measured']}")
    for page in results["query_counts"]["growing"]:
        print(f"  GROWS: {page['page']}: {page['small_seed']} -> {page['measured_seed']}")
        for statement in page["statements"]:
            print(f"    +{statement['extra']} x {statement['sql'][:160]}")
    print(f"\nresults in {RESULTS.relative_to(BASE_DIR)}; total {results['total_seconds']} s")


def _terminate(signum, frame):
    # The first signal stops the run; the ones that follow must not interrupt the clean-up.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    try:
        main()
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_all()
