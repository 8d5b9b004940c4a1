# Everyday commands of jkfp. Each target installs what it needs itself.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
JKFP := $(VENV)/bin/jkfp
NATIVE = @$(VENV)/bin/python -m compileall -q src/jkfp && \
	$(JKFP) policy compile --no-progress || echo "（结算引擎未能预编译：jkfp settle 启动时由 Numba 即时编译）" >&2
PERSONS ?= 30000
SEED ?= 1
HOST ?= 127.0.0.1:8000
# the test suite runs on this many processes (pytest-xdist; each has its own test database)
TEST_WORKERS ?= 2

.PHONY: demo serve test bench assets install install-dev browser lint

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

# Bytecode compiled at install (our own modules too): a command then starts without compiling
# every module it imports (0.3-0.5 s of CPU on these machines, where PYTHONDONTWRITEBYTECODE is
# set); then the settlement engine compiled ahead of time, once per version (decision 106:
# `jkfp settle` starts without Numba; where it cannot be built, Numba compiles it at run time).
install: $(UV)
	$(UV) sync --frozen --no-dev --compile-bytecode --python $(PYTHON)
	$(NATIVE)

install-dev: $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	$(NATIVE)

var/assets/vendor/htmx.min.js var/assets/vendor/echarts.min.js: frontend/package.json frontend/package-lock.json frontend/build.mjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

assets: var/assets/vendor/htmx.min.js

# Debian's chromium for the browser tests (installed when missing and we may use apt-get)
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  { echo "The browser tests need Debian's chromium: apt-get install chromium" >&2; exit 1; }

# Run the system on the embedded SQLite default with the demo region at http://$(HOST),
# with DEBUG off as in production: static files from whitenoise (collected to var/static),
# the friendly 404/500 pages; ALLOWED_HOSTS defaults to 127.0.0.1 and localhost.
demo: install assets
	$(JKFP) migrate --noinput -v0
	$(JKFP) collectstatic --noinput -v0
	$(JKFP) demo_data --persons $(PERSONS) --seed $(SEED) --if-empty
	DEBUG=0 $(JKFP) runserver --noreload $(HOST)

# A production server: gunicorn with threads (each thread keeps at most one database
# connection, so PostgreSQL sees at most WORKERS × THREADS of them), static files from whitenoise.
# Set DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, and JKFP_HTTPS=1 behind TLS.
# Background jobs (docs/jobs.md) need a worker beside it, same environment:
#   .venv/bin/jkfp worker   (one or more; each runs one job at a time)
WORKERS ?= 3
THREADS ?= 8
serve: install assets
	$(JKFP) migrate --noinput -v0
	$(JKFP) collectstatic --noinput -v0
	$(JKFP) check --deploy --fail-level ERROR
	$(VENV)/bin/gunicorn jkfp.config.wsgi --bind $(HOST) --workers $(WORKERS) --threads $(THREADS) \
	  --access-logfile - --graceful-timeout 30

# The test suite (PostgreSQL when DATABASE_URL is set, else SQLite); browser tests use
# Debian's chromium at /usr/bin/chromium.
test: install-dev assets browser
	$(VENV)/bin/python -m pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

# a benchmark that misses a target exits 1 (said in its output); the next ones still run
bench: install-dev assets
	-$(VENV)/bin/python bench/bench_registry.py
	-$(VENV)/bin/python bench/bench_load.py
	-$(VENV)/bin/python bench/bench_policy.py
	-$(VENV)/bin/python bench/bench_health.py
	-$(VENV)/bin/python bench/bench_management.py
	-$(VENV)/bin/python bench/bench_linkage.py
	-$(VENV)/bin/python bench/bench_exchange.py
	-$(VENV)/bin/python bench/bench_pipeline.py --reuse
	-$(VENV)/bin/python bench/bench_warnings.py
	-$(VENV)/bin/python bench/bench_projection.py
	-$(VENV)/bin/python bench/bench_indicators.py

lint: install-dev
	$(VENV)/bin/ruff check src tests bench
