"""`make bench`: seed (once per size), serve with gunicorn, load with locust, write bench/results.json.

Environment (all optional):
  BENCH_SIZE          territories x shops x products, default 3x300x10
  BENCH_DATABASE_URL  PostgreSQL to use instead of var/bench/seed-<size>.sqlite3
                      (a database for the bench alone: a new size empties it)
  BENCH_DURATION      seconds of load per scenario, default 30
  BENCH_USERS         simultaneous visitors per scenario, default 8
  BENCH_MAX_REQUESTS  cap on a scenario's requests, default 20000
  BENCH_WORKERS, BENCH_THREADS   gunicorn workers x threads, default 2 x 4

Every process started here (localstripe, gunicorn, locust, the seed) runs
in its own process group and is stopped in `finally`, on error and on
Ctrl-C or SIGTERM too.
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

SCENARIOS = [
    ("floor", "Floor", ["floor"]),
    ("home", "Home", ["home"]),
    ("market (page 1)", "MarketFirstPage", ["market (page 1)"]),
    ("market (deep page)", "MarketDeepPage", ["market (deep page)"]),
    ("shop", "Shop", ["shop"]),
    ("product", "Product", ["product"]),
    ("basket-to-paid-order", "BasketToPaidOrder", None),
    ("merchant orders list", "MerchantOrders", ["merchant orders list"]),
]

children: list[subprocess.Popen] = []


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def start(args, env, **kwargs) -> subprocess.Popen:
    process = subprocess.Popen(args, env=env, cwd=BASE_DIR, start_new_session=True, **kwargs)
    children.append(process)
    return process


def stop_all() -> None:
    for process in reversed(children):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in reversed(children):
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
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


# Bumped when bench/seed.py writes something new: older seeds are made again.
SEED_VERSION = 3  # 2: ledger entries carry their shop, shops have bank accounts; 3: translatable delivery options


def ensure_seed(size) -> float:
    """Seed the database of this size unless a finished seed of it is there; returns the seconds spent."""
    key = size_key(size)
    stamp = f"{key} v{SEED_VERSION}"
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        marker = BENCH_VAR / f"pg-{hashlib.sha256(url.encode()).hexdigest()[:12]}.seed"
        if marker.exists() and marker.read_text() == stamp:
            log(f"seed {key}: cached in BENCH_DATABASE_URL")
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
        log("BENCH_DATABASE_URL holds another seed: emptying it")
        run([PYTHON, "-c", "import django; django.setup(); from django.db import connection; "
             "connection.cursor().execute('DROP SCHEMA public CASCADE; CREATE SCHEMA public')"], env, 120)
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
    port = free_port()
    start([str(BIN / "localstripe"), "--port", str(port), "--from-scratch"], os.environ,
          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        **({"error_examples": entry["error_examples"]} if entry["error_examples"] else {}),
    }


def load(scenario_class: str, env: dict, port: int, duration: int, users: int) -> dict:
    out = BENCH_VAR / f"locust-{scenario_class}.json"
    out.unlink(missing_ok=True)
    env = {**env, "BENCH_OUT": str(out)}
    with open(BENCH_VAR / f"locust-{scenario_class}.log", "w") as output:
        run([str(BIN / "locust"), "-f", str(BASE_DIR / "bench" / "locustfile.py"), "--headless", "--only-summary",
             "--loglevel", "ERROR", "-u", str(users), "-r", str(users), "-t", f"{duration}s", "--stop-timeout", "10",
             "--host", f"http://127.0.0.1:{port}", scenario_class], env, duration + 90,
            stdout=output, stderr=subprocess.STDOUT)
    return json.loads(out.read_text())


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
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    key = size_key(size)

    seed_seconds = ensure_seed(size)
    small_seconds = ensure_seed(SMALL_SIZE) if size != SMALL_SIZE else 0.0
    env = django_env(key)

    log("collectstatic")
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env, 600)

    log("query counts on the small and the measured seed")
    counts = {}
    for label, seed_size in (("small", SMALL_SIZE), ("measured", size)):
        out = BENCH_VAR / f"queries-{size_key(seed_size)}.json"
        run([PYTHON, "-m", "bench.querycheck", str(out)], django_env(size_key(seed_size)), 300)
        counts[label] = json.loads(out.read_text())
    from bench.querycheck import growth  # plain Python, no Django set-up needed

    grown = growth(counts["small"], counts["measured"])

    port = free_port()
    env.update(start_localstripe(port))
    log(f"gunicorn on 127.0.0.1:{port}: {workers} workers x {threads} threads")
    start([str(BIN / "gunicorn"), "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers",
           str(workers), "--threads", str(threads), "--worker-class", "gthread", "--log-level", "warning",
           "--error-logfile", str(BENCH_VAR / "gunicorn.log")], env)
    wait_for(f"http://127.0.0.1:{port}/bench/floor")

    targets_file = BENCH_VAR / f"targets-{key}.json"
    run([PYTHON, "-m", "bench.targets", str(targets_file)], env, 300)
    targets = json.loads(targets_file.read_text())
    env["BENCH_TARGETS"] = str(targets_file)
    log("warming up (renditions, caches, each worker)")
    warm = (targets["home"] + targets["markets"] + targets["markets_deep"] + targets["shops"][:30]
            + targets["products"][:60])
    for url in warm * 2:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=60).read()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"warm-up: {url} answered {error.code}") from error

    scenarios = {}
    for name, scenario_class, request_names in SCENARIOS:
        log(f"scenario {name}: {users} users, {duration} s")
        data = load(scenario_class, env, port, duration, users)
        elapsed, samples = data["elapsed"], data["samples"]
        if request_names is None:  # the checkout flow: the flow itself, then each of its requests
            flow = samples.pop("basket-to-paid-order", {"times": [], "errors": 0, "queries": [], "error_examples": []})
            steps = {n: summarize(e, elapsed) for n, e in samples.items()}
            portal_steps = {n: s for n, s in steps.items() if n.startswith("checkout:")}
            result = summarize(flow, elapsed)
            result["unit"] = "paid orders"
            result["errors"] = sum(s["errors"] for s in steps.values())
            per_flow = [s["queries_per_request"] * s["requests"] for s in portal_steps.values() if s["queries_per_request"]]
            result["queries_per_request"] = (round(sum(per_flow) / sum(s["requests"] for s in portal_steps.values()), 1)
                                             if per_flow else None)
            result["queries_per_order"] = round(sum(per_flow) / len(flow["times"]), 1) if flow["times"] else None
            result["steps"] = steps
        else:
            merged = {"times": [], "errors": 0, "queries": [], "error_examples": []}
            for request_name in request_names:
                entry = samples.get(request_name, merged)
                if entry is not merged:
                    for field in ("times", "queries", "error_examples"):
                        merged[field] += entry[field]
                    merged["errors"] += entry["errors"]
            result = summarize(merged, elapsed) if merged["times"] else {"requests": 0, "errors": 0}
            result["unit"] = "requests"
        result["seconds"] = round(elapsed, 1)
        scenarios[name] = result

    floor = scenarios["floor"]
    for result in scenarios.values():
        if result.get("requests_per_s") and floor.get("requests_per_s"):
            result["throughput_vs_floor"] = round(result["requests_per_s"] / floor["requests_per_s"], 3)
            result["p50_vs_floor"] = round(result["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else None
    scenarios["search"] = {"status": "not available", "why": "the portal has no search page yet"}
    stop_all()  # the server is done: the statement run gets the machine to itself
    log("weekly statement run over the season")
    statement_run = weekly_statement(key)

    results = {
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "size": {"territories": size[0], "shops_per_territory": size[1], "products_per_shop": size[2], "key": key},
        "database": "PostgreSQL (BENCH_DATABASE_URL)" if os.environ.get("BENCH_DATABASE_URL") else "SQLite",
        "server": f"gunicorn {workers} workers x {threads} threads (gthread), bench.settings (DEBUG off)",
        "load": f"locust headless, {users} users without wait, {duration} s per scenario",
        "seed_seconds": round(seed_seconds, 1),
        "small_seed_seconds": round(small_seconds, 1),
        "scenarios": scenarios,
        "weekly_statement": statement_run,
        "query_counts": {"small_seed": size_key(SMALL_SIZE), "measured_seed": key,
                         "pages": {n: {"small": counts["small"][n]["count"], "measured": c["count"]}
                                   for n, c in counts["measured"].items()},
                         "growing": grown},
        "total_seconds": round(time.monotonic() - began, 1),
    }
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print_table(results)


def print_table(results) -> None:
    print()
    print(f"{results['taken_at']} — {results['machine']}")
    print(f"{results['size']['key']} on {results['database']}; {results['server']}; {results['load']}")
    header = f"{'scenario':<24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'queries':>9}{'vs floor':>10}"
    print(header)
    print("-" * len(header))
    for name, r in results["scenarios"].items():
        if "status" in r:
            print(f"{name:<24}{r['status']:>9}")
            continue
        print(f"{name:<24}{r.get('requests_per_s') or 0:>9}{r.get('p50_ms') or 0:>9}{r.get('p95_ms') or 0:>9}"
              f"{r.get('p99_ms') or 0:>9}{r.get('errors', 0):>8}{str(r.get('queries_per_request')):>9}"
              f"{str(r.get('throughput_vs_floor', '')):>10}")
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
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        main()
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
    finally:
        stop_all()
