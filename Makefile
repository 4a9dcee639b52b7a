# Two entry points, both from nothing: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-fast docs lint evaluate bench clean

$(BIN)/rxmatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(BIN)/rxmatch

install: $(BIN)/rxmatch

demo: install
	$(BIN)/rxmatch demo

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site
	$(BIN)/python -m pytest tests --nbmake notebooks --nbmake-timeout=900

# the suite without the real encoders (tests marked `model`), on every core: the edit loop
test-fast: install
	$(BIN)/python -m pytest tests -m "not model" -n auto -q

docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

evaluate: install
	$(BIN)/rxmatch evaluate --dataset synthetic --split test

clean:
	rm -rf $(VENV) build dist site .pytest_cache
