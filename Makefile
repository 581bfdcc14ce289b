# ketaclinic: `make run` installs and serves the demo clinic; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Install, load the demo clinic on SQLite and serve it on http://127.0.0.1:8000,
## with the background worker (reminders, messages) beside it; Ctrl-C stops both.
run: $(STAMP)
	KETACLINIC_2FA=$${KETACLINIC_2FA:-optional} $(BIN)/ketaclinic demo
	@export KETACLINIC_2FA=$${KETACLINIC_2FA:-optional}; \
	$(BIN)/ketaclinic worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/ketaclinic serve

## Every test: unit, property, database, browser (on SQLite, or DATABASE_URL)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=src $(BIN)/lint-imports
	PYTHONPATH=src $(BIN)/mypy
	$(BIN)/ketaclinic makemigrations --check --dry-run

## Update and compile the Spanish catalogs of the public pages (needs gettext's
## xgettext and msgfmt; the compiled catalog is committed, so nothing else does).
messages: $(STAMP)
	for app in links inquiries intake infusions; do \
		(cd src/ketaclinic/$$app && DJANGO_SETTINGS_MODULE=ketaclinic.settings \
			$(abspath $(BIN))/python -m django makemessages -l es --no-location) && \
		msgfmt --check -o src/ketaclinic/$$app/locale/es/LC_MESSAGES/django.mo \
			src/ketaclinic/$$app/locale/es/LC_MESSAGES/django.po || exit 1; \
	done

clean:
	rm -rf $(VENV) var
