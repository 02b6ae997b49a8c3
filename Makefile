# peolc: `make demo` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt
CHROMIUM ?= /usr/bin/chromium
export PEOLC_VAR_DIR ?= $(CURDIR)/var
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test lint bench assets lock system-packages clean help

help:
	@echo "make demo   install, build the demo ICS and serve it on http://$(HOST):$(PORT)"
	@echo "make test   run the whole test suite (SQLite, or DATABASE_URL if set)"
	@echo "make lint   ruff, the import layering (lint-imports), and mypy (with django-stubs) on the whole package"
	@echo "make bench  run the benchmarks; results in benchmarks/results/"
	@echo "make assets refresh the vendored NHS.UK frontend and axe-core from the npm registry"
	@echo "make lock   regenerate $(CONSTRAINTS) from a fresh install"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-base: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e ".[demo]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e ".[dev,spark,demo]"
	touch $@ $(VENV)/.installed-base

DEMO_DATA := data/synthetic
DEMO_OUTPUTS := data/outputs
DEMO_PEOPLE ?= 50000
OIDC_PORT ?= 9400

# The synthetic ICS ends shortly before today, so its register looks current.
demo: $(VENV)/.installed-base
	$(BIN)/peolc generate --people $(DEMO_PEOPLE) --start 2021-10-01 --years 5 --out $(DEMO_DATA) --quiet
	DEBUG=1 $(BIN)/peolc migrate
	$(BIN)/peolc pipeline run --data $(DEMO_DATA) --out $(DEMO_OUTPUTS)
	DEBUG=1 $(BIN)/peolc load --data $(DEMO_DATA)
	@# A local CIS2-style identity provider beside the site, stopped with it (docs/accounts-and-sign-in.md).
	DEBUG=1 $(BIN)/peolc oidc-demo-provider --port $(OIDC_PORT) & provider=$$!; trap 'kill $$provider' EXIT; \
	DEBUG=1 OIDC_RP_CLIENT_ID=peolc-demo OIDC_RP_CLIENT_SECRET=demo-only OIDC_OP_ISSUER=http://127.0.0.1:$(OIDC_PORT) \
	OIDC_VERIFY_KID=0 $(BIN)/peolc serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium and the Spark tests need a Java runtime: install whichever is missing
# from Debian (needs root or sudo).
system-packages:
	@missing=""; [ -x $(CHROMIUM) ] || missing="chromium"; command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
		echo "Installing from Debian for the tests:$$missing"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# pytest exits 5 when it collects nothing: for the whole suite that is a fault, not a pass.
test: $(VENV)/.installed-dev system-packages
	@echo "Database: $${DATABASE_URL:-embedded SQLite}"
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$status

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/lint-imports
	$(BIN)/mypy src/peolc

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run.py

assets:
	rm -rf build/npm && mkdir -p build/npm
	cd build/npm && npm pack --silent nhsuk-frontend@10.6.1 axe-core@4.14.1 \
		&& mkdir nhsuk axe && tar xzf nhsuk-frontend-*.tgz -C nhsuk --strip-components=1 \
		&& tar xzf axe-core-*.tgz -C axe --strip-components=1
	$(BIN)/python tools/vendor_assets.py build/npm/nhsuk build/npm/axe

lock:
	rm -rf build/lock && $(PYTHON) -m venv build/lock
	build/lock/bin/pip install --quiet --upgrade pip
	build/lock/bin/pip install --quiet -e ".[dev,spark]"
	build/lock/bin/pip freeze --exclude-editable | grep -v '^peolc' > $(CONSTRAINTS)

clean:
	rm -rf build var .pytest_cache
