# Two entry points for a newcomer: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint clean-venv kernel

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sdw demo

# One worker per core; a test file stays on one worker, so a store a module builds once is built once.
test: lint
	$(BIN)/python -m pytest -n auto --dist loadfile

# Style, and the package's layers (pyproject.toml [tool.importlinter]): an upward or sideways import fails here.
lint: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks tools notebooks
	$(BIN)/lint-imports

# Everything but the end-to-end runs marked slow (a fresh install, the demo); CI runs `make test`.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not slow"

# The notebooks' kernel, "Python (sdw)" = this venv (their headers name it), and JupyterLab opening
# .py notebooks as notebooks on a double click (jupytext's documented default-viewer setting, written to
# <jupyter config dir>/labconfig/default_setting_overrides.json; other file types are left as they are).
kernel: $(STAMP)
	$(BIN)/python -m ipykernel install --user --name sdw --display-name "Python (sdw)"
	$(BIN)/jupytext-config set-default-viewer python
	$(BIN)/jupytext-config list-default-viewer

clean-venv:
	rm -rf $(VENV)
