# The two set-up commands: `make run` and `make test` (see README.md).
VENV  := .venv
BIN   := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT  ?= 8000
WORKERS ?= 2

.PHONY: install run serve test lint format translations

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	touch $@

# English interface: compiled from the catalog (Vietnamese is the source language).
PO := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

%.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel -q compile -f -i $< -o $@

install: $(BIN)/.installed $(MO)

translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot .
	$(BIN)/pybabel -q update -i portal/translations/messages.pot -d portal/translations

run: install
	$(FLASK) db upgrade
	$(FLASK) content sync
	$(FLASK) users bootstrap-admin
	$(FLASK) demo load
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
