# Everything a fresh machine needs: `make run` and `make test` create .venv and install into it.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# The local PostgreSQL server (trust authentication); tests make and drop their own schemas.
LEDGER_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
export LEDGER_TEST_POSTGRES_URL

.PHONY: install browser run demo test fmt lint typecheck bench bench-import bench-replica bench-verify bench-storage bench-writers bench-partitions bench-scale clean

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
VERIFY_SIZES ?= 100000 1000000

# Full and incremental verify, and proof bundles (heavy person of 2,000), at growing sizes.
bench-verify: install
	$(PY) bench/verify.py --sizes $(VERIFY_SIZES)

bench-import: install
	$(PY) bench/import_memory.py --lines $(IMPORT_LINES)

# Replication lag, reads with and without a hot standby, and read-your-writes through it
# (a throwaway primary and standby of its own; needs PostgreSQL's binaries).
bench-replica: install
	$(PY) bench/replica.py
# Bytes stored per disclosure, per table and index, at STORAGE_COUNT skewed disclosures.
STORAGE_COUNT ?= 100000
bench-storage: install
	$(PY) bench/storage.py --count $(STORAGE_COUNT)
# Single posts from WRITERS_CLIENTS concurrent clients, PostgreSQL (LEDGER_TEST_POSTGRES_URL)
# and SQLite, WRITERS_ROUNDS rounds of WRITERS_SECONDS each.
WRITERS_CLIENTS ?= 16
WRITERS_SECONDS ?= 20
WRITERS_ROUNDS ?= 3
bench-writers: install
	$(PY) bench/writers.py --clients $(WRITERS_CLIENTS) --duration $(WRITERS_SECONDS) \
		--rounds $(WRITERS_ROUNDS)
# PostgreSQL (LEDGER_TEST_POSTGRES_URL): ingest with and without partitions, and the plans.
PARTITION_COUNT ?= 30000
bench-partitions: install
	$(PY) bench/partitions.py --count $(PARTITION_COUNT) --rounds 3
# One ledger grown to 10M disclosures on PostgreSQL and 1M on SQLite, measured at each size
# (README, "Scale"); at most --budget-seconds per backend (an hour by default). SCALE_ARGS adds
# options, e.g. SCALE_ARGS="--sizes 10000,100000 --backends sqlite".
SCALE_ARGS ?=
bench-scale: install
	$(PY) bench/scale.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) var/test-* .pytest_cache .mypy_cache .ruff_cache
