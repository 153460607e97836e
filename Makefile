# Everything a fresh machine needs: `make run` and `make test` create .venv and install into it.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# The local PostgreSQL server (trust authentication); tests make and drop their own schemas.
LEDGER_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
export LEDGER_TEST_POSTGRES_URL

.PHONY: install browser run demo test fmt lint typecheck bench bench-import bench-scale clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

# The browser tests drive Debian's Chromium (never a browser download); install it where it is
# missing and apt-get exists, as root or through sudo.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ] && command -v apt-get >/dev/null 2>&1; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y chromium; \
	fi

run: install
	$(VENV)/bin/ledger demo --keys
	$(VENV)/bin/ledger serve --host 127.0.0.1 --port 8000

test: install browser
	$(PY) -m pytest

fmt: install
	$(PY) -m ruff format ledger tests bench
	$(PY) -m ruff check --fix --quiet ledger tests bench || true

lint: install
	$(PY) -m ruff check ledger tests bench
	$(PY) -m ruff format --check ledger tests bench
	$(VENV)/bin/lint-imports

typecheck: install
	$(PY) -m mypy

bench: install bench-import
	$(PY) bench/ingest.py
	$(PY) bench/integrity.py
	$(PY) bench/api.py

# Peak memory and wall time of `ledger import` (a child process) at IMPORT_LINES lines.
IMPORT_LINES ?= 1000000
bench-import: install
	$(PY) bench/import_memory.py --lines $(IMPORT_LINES)

# One ledger grown to 10M disclosures on PostgreSQL and 1M on SQLite, measured at each size
# (README, "Scale"); at most --budget-seconds per backend (an hour by default). SCALE_ARGS adds
# options, e.g. SCALE_ARGS="--sizes 10000,100000 --backends sqlite".
SCALE_ARGS ?=
bench-scale: install
	$(PY) bench/scale.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) var/test-* .pytest_cache .mypy_cache .ruff_cache
