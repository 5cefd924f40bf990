# OpenSPC: `make run` starts the product with a demo plant; `make test` runs every check.
# The distribution's CPython 3.11 where it has one with venv (Debian, Ubuntu): built with
# profile-guided and link-time optimisation and linked statically, as the python:3.11
# image the Dockerfile runs is optimised. A self-built one (pyenv's default) is neither:
# the ingest bench's workers took about 20 % more CPU a message on it. `make PYTHON=...`
# chooses another.
ifndef PYTHON
PYTHON := $(shell /usr/bin/python3.11 -c 'import ensurepip' 2>/dev/null && echo /usr/bin/python3.11 || echo python3.11)
endif
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000

.PHONY: run test smoke lint setup setup-dev services clean messages compilemessages

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

# System packages first: python-ldap (requirements-ldap.txt) builds against OpenLDAP's headers.
$(VENV)/.dev: requirements-dev.txt requirements-ldap.txt requirements.txt $(VENV)/.runtime
	PYTHON=$(PYTHON) ./scripts/system_packages.sh
	$(PIP) install -q -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime

setup-dev: $(VENV)/.dev
	PYTHON=$(PYTHON) ./scripts/system_packages.sh

## Run the product on the embedded default (SQLite, in-memory layer) with the demo plant.
run: setup
	$(PY) manage.py demo --port $(PORT)

services:
	./scripts/services.sh

## Translations (locale/<lang>/LC_MESSAGES): update the catalogues from the code and
## templates (then fill the empty msgstr), and compile them (django.mo is committed).
I18N_IGNORE := --ignore ".venv/*" --ignore "staticfiles/*" --ignore "test-results/*" --ignore "data/*" \
  --ignore "tests/*" --ignore "*/tests/*" --ignore "*/migrations/*" --ignore "bench/*" --ignore "deploy/*"
LANGS ?= de es
messages: setup
	$(PY) manage.py makemessages --no-location $(I18N_IGNORE) $(foreach l,$(LANGS),-l $(l))

compilemessages: setup
	$(PY) manage.py compilemessages $(I18N_IGNORE)

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy .

## Every check: lint, type check, import contracts and the whole pytest suite.
test: setup-dev services lint
	@$(VENV)/bin/pytest -q; code=$$?; \
	  if [ $$code -eq 5 ]; then echo "pytest collected no tests: failing"; fi; exit $$code

## A quick subset on the SQLite default (CI runs it beside the PostgreSQL run).
smoke: setup-dev
	DATABASE_URL= $(VENV)/bin/pytest -q -m "not services and not browser" hierarchy spc/tests/test_models.py alerts audit

clean:
	rm -rf $(VENV) data staticfiles
