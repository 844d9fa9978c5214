# One command per chore, the same locally and in CI. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HASH := $(shell cksum pyproject.toml | cut -d' ' -f1)
# Two installs: the runtime alone for `make run` (small, quick), and the development
# tools on top for tests and linting. Each stamp names the pyproject.toml it installed.
RUN_STAMP := $(VENV)/.runtime-$(HASH)
STAMP := $(VENV)/.installed-$(HASH)

.PHONY: help setup run assess test lint typecheck audit lock format bench docs catalogue clean

help:  ## List the chores
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	@echo "Creating $(VENV) (needs python3-venv on Debian/Ubuntu)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	@echo "Installing backcare and what it needs to run (about a minute the first time)..."
	$(BIN)/pip install --progress-bar on -e .
	rm -f $(VENV)/.runtime-*
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	@echo "Installing backcare with its development and test tools..."
	$(BIN)/pip install --progress-bar on -e '.[dev,text]'
	rm -f $(VENV)/.installed-* $(VENV)/.runtime-*
	touch $(STAMP) $(RUN_STAMP)

setup: $(STAMP)  ## Create .venv and install backcare with its development tools

run: $(RUN_STAMP)  ## Start the web app on http://127.0.0.1:8000 (installs the runtime only)
	$(BIN)/backcare serve

assess: $(RUN_STAMP)  ## The interactive assessment in the terminal
	$(BIN)/backcare

lint: $(STAMP)  ## Lint and check formatting
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)  ## mypy --strict on the package
	$(BIN)/mypy src/backcare

test: lint typecheck  ## Everything CI checks: lint, types, the whole test suite with coverage
	$(BIN)/pytest --cov=backcare --cov-report=term --cov-fail-under=90

audit: $(STAMP)  ## Audit requirements.lock for known vulnerabilities (skips, saying why, offline)
	$(BIN)/python scripts/audit_dependencies.py requirements.lock

lock: $(STAMP)  ## Re-pin requirements.lock (the deployment lock) from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra postgres --extra hosted --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command "make lock" --quiet -o requirements.lock

format: $(STAMP)  ## Fix lint and formatting where it can
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: $(STAMP)  ## Run the benchmarks; results go to benchmarks/results/
	$(BIN)/python benchmarks/run_all.py

docs: $(STAMP)  ## Regenerate the generated docs (protocol, CLI reference, export schema)
	$(BIN)/backcare kb show --output docs/protocol.md
	$(BIN)/python -c "from backcare.cli.reference import render_cli_reference as r; open('docs/cli.md', 'w').write(r())"
	$(BIN)/python -c "from backcare.export.transfer import schema_text as s; \
		[open(p, 'w').write(s()) for p in ('docs/backcare-diary.schema.json', \
		'src/backcare/export/backcare-diary.schema.json')]"

# The message catalogue: extract every marked word into the template, merge it into each
# language's .po, and compile each one to check it (the app compiles .po files itself when it
# loads a language, so the .mo files are not kept). See docs/translations.md.
LOCALE := src/backcare/locale
catalogue: $(STAMP)  ## Extract user-facing words into the catalogue and update every language
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-wrap --no-location --sort-by-file \
		--project backcare --msgid-bugs-address "" --omit-header -o $(LOCALE)/backcare.pot .
	$(BIN)/pybabel update -i $(LOCALE)/backcare.pot -d $(LOCALE) -D backcare --no-wrap --ignore-obsolete \
		--no-fuzzy-matching
	$(BIN)/pybabel compile --statistics -d $(LOCALE) -D backcare

clean:  ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
