# Shequ: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export SHEQU_VAR_DIR ?= $(CURDIR)/var

.PHONY: run install install-dev migrate demo test test-fast lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	@# umask 077: var/ holds the database and personal data (settings also make it 0700).
	umask 077 && mkdir -p "$(SHEQU_VAR_DIR)/static"
	$(BIN)/shequ migrate --noinput -v 0

demo: migrate
	$(BIN)/shequ demo load --if-empty --quiet

run: demo
	$(BIN)/shequ demo accounts
	@echo "Shequ 已启动：http://$(HOST):$(PORT)/  （Ctrl-C 停止）"
	@# The background worker (monthly reports, imports) and the timed jobs (due reminders,
	@# task list publishing, the nightly points check) run beside the web server and stop with it.
	$(BIN)/shequ db_worker --no-reload -v 0 & worker=$$!; \
	$(BIN)/shequ periodic & periodic=$$!; \
	trap 'kill $$worker $$periodic 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn -c python:shequ.gunicorn_conf shequ.wsgi --bind $(HOST):$(PORT) --workers 2 --timeout 120 --log-level warning

test: install-dev
	SHEQU_ENV=test $(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check shequ bench conftest.py
	$(BIN)/ruff format --check shequ bench conftest.py
	$(BIN)/mypy shequ

bench: install-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/shequ.sqlite3*
