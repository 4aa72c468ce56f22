# Two entry points for a newcomer: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean-venv kernel

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sdw demo

test: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks tools notebooks
	$(BIN)/python -m pytest

kernel: $(STAMP)
	$(BIN)/python -m ipykernel install --user --name sdw --display-name "Python (sdw)"

clean-venv:
	rm -rf $(VENV)
