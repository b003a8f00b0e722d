# Two commands from a fresh clone with only Python >= 3.11:
#   make run    set everything up and serve http://127.0.0.1:8000/fr/
#   make test   set up what tests need and run them
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
MANAGE := $(PY) manage.py

.PHONY: run test lint setup install pdf-libs translations e2e bench bench-pg clean vendor

$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $@

install: $(INSTALLED)

# WeasyPrint (voucher PDFs) needs Pango from the system. Installed with apt
# when it is missing and we may; otherwise say what to install.
pdf-libs: install
	@$(PY) -c 'import weasyprint' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; \
	  else echo "WeasyPrint needs Pango: install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"; fi; }

translations: install
	$(MANAGE) compiletranslations

setup: translations
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) sync_locale_trees

run: setup
	$(MANAGE) devserver 127.0.0.1:8000

test: translations pdf-libs
	$(PY) -m pytest $(PYTEST_ARGS)

# Style (ruff), the import contracts between apps and inside checkout
# (import-linter, see pyproject.toml) and declared dependencies (deptry).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/deptry .

# Browser tests: Playwright drives Debian's Chromium (installed here when
# missing; Playwright's own browser download is not used).
e2e: translations
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	$(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

# Leaflet and its marker-cluster plugin (the maps), vendored from npm into
# static/vendor/ and committed: a fresh machine needs no node. Needs npm only
# to refresh them or change their versions.
LEAFLET_VERSION := 1.9.4
MARKERCLUSTER_VERSION := 1.5.3
vendor:
	@command -v npm >/dev/null || { echo "make vendor needs npm (Node.js); the vendored files are committed"; exit 1; }
	rm -rf var/vendor-npm && mkdir -p var/vendor-npm
	cd var/vendor-npm && npm pack --silent leaflet@$(LEAFLET_VERSION) leaflet.markercluster@$(MARKERCLUSTER_VERSION) \
	  && mkdir leaflet markercluster \
	  && tar xzf leaflet-$(LEAFLET_VERSION).tgz -C leaflet \
	  && tar xzf leaflet.markercluster-$(MARKERCLUSTER_VERSION).tgz -C markercluster
	rm -rf static/vendor/leaflet static/vendor/leaflet.markercluster
	mkdir -p static/vendor/leaflet static/vendor/leaflet.markercluster
	cd var/vendor-npm/leaflet/package && cp -r LICENSE dist/leaflet.js dist/leaflet.js.map dist/leaflet.css dist/images \
	  ../../../../static/vendor/leaflet/
	cd var/vendor-npm/markercluster/package && cp MIT-LICENCE.txt dist/leaflet.markercluster.js \
	  dist/leaflet.markercluster.js.map dist/MarkerCluster.css dist/MarkerCluster.Default.css \
	  ../../../../static/vendor/leaflet.markercluster/
	rm -rf var/vendor-npm

# Benchmark, not part of `make test` (see README, "Benchmark"): seeds its own
# database in var/bench/ once per BENCH_SIZE (default 3x300x10), serves it with
# gunicorn, loads it with locust, checks the books and writes bench/results.json.
# bench-pg: the same on this machine's PostgreSQL (a database per size,
# bench_<size>) and Redis; `make bench-pg BENCH_HOSTS=2` runs two servers and
# qcluster on them, for correctness under load.
BENCH_INSTALLED := $(VENV)/.bench-installed
$(BENCH_INSTALLED): $(INSTALLED)
	$(PY) -m pip install --quiet ".[bench]"
	touch $@

BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/bench
BENCH_PG_REDIS_URL ?= redis://127.0.0.1:6379/6

bench: translations $(BENCH_INSTALLED)
	$(PY) -m bench.run

bench-pg: translations $(BENCH_INSTALLED)
	BENCH_DATABASE_URL=$(BENCH_PG_URL) BENCH_REDIS_URL=$(BENCH_PG_REDIS_URL) $(PY) -m bench.run

clean:
	rm -rf $(VENV) var static_collected .pytest_cache
