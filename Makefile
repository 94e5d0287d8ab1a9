# The two quickstart commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOME_DIR ?= okrlens-data
PORT ?= 8501

.PHONY: run test install install-dev browser lint typecheck pytest demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files make the install step cheap when pyproject.toml has not changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	@test -f $(HOME_DIR)/store.duckdb || $(BIN)/okrlens --home $(HOME_DIR) demo

run: demo
	$(BIN)/okrlens --home $(HOME_DIR) run --server.port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

# The e2e tests drive Debian's Chromium (Playwright's own browser download is not used).
# A file target, so this is a silent no-op once /usr/bin/chromium exists.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser: /usr/bin/chromium
/usr/bin/chromium:
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

pytest: install-dev browser
	$(BIN)/pytest

test: lint typecheck pytest

# Speed goals are measured side by side, as ratios, never as timed unit tests.
BENCH_EVENTS ?= 2000000
bench: install-dev browser
	$(BIN)/python bench/bench_ingest.py --events $(BENCH_EVENTS)
	$(BIN)/python bench/bench_pages.py --small 100000 --large 10000000
	$(BIN)/python bench/bench_paint.py --trials 3
	$(BIN)/python bench/bench_forecast.py

clean:
	rm -rf $(VENV) $(HOME_DIR) .pytest_cache .mypy_cache .ruff_cache tests/artifacts
