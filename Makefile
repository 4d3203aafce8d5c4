# The two set-up commands: `make run` and `make test` (see README.md).
VENV  := .venv
BIN   := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT  ?= 8000
WORKERS ?= 2

.PHONY: install run serve test lint format

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	touch $@

install: $(BIN)/.installed

run: install
	$(FLASK) db upgrade
	$(FLASK) content sync
	$(FLASK) demo load
	$(FLASK) users bootstrap-admin
	$(MAKE) --no-print-directory serve

serve: install
	$(BIN)/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --timeout 30 \
		--access-logfile - wsgi:app

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .
