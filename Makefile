# One command per chore, the same locally and in CI. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: help setup run assess test lint typecheck audit lock format bench docs clean

help:  ## List the chores
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,text]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)  ## Create .venv and install backcare with its development tools

run: $(STAMP)  ## Start the web app on http://127.0.0.1:8000 (SQLite, nothing else to install)
	$(BIN)/backcare serve

assess: $(STAMP)  ## The interactive assessment in the terminal
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
	$(BIN)/uv pip compile pyproject.toml --extra postgres --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command "make lock" --quiet -o requirements.lock

format: $(STAMP)  ## Fix lint and formatting where it can
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: $(STAMP)  ## Run the benchmarks; results go to benchmarks/results/
	$(BIN)/python benchmarks/run_all.py

docs: $(STAMP)  ## Regenerate the generated docs (protocol, CLI reference, export schema)
	$(BIN)/backcare kb show --output docs/protocol.md
	$(BIN)/python -c "from backcare.cli.reference import render_cli_reference as r; open('docs/cli.md', 'w').write(r())"
	$(BIN)/python -c "from backcare.diary.transfer import schema_text as s; \
		[open(p, 'w').write(s()) for p in ('docs/backcare-diary.schema.json', \
		'src/backcare/diary/backcare-diary.schema.json')]"

clean:  ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
