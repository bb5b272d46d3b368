# The commands the README gives. `make demo` and `make test` set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=  # e.g. make test PYTEST_ARGS="-m clock --clock-shift-days 730"

SYSDEPS := poppler-utils chromium  # pdftotext/pdftoppm and headless Chromium for report tests

.PHONY: demo test lint format bench airflow airflow-cluster airflow-stop clean sysdeps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/narrmon demo

test: $(STAMP) sysdeps
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Report tests read PDFs with poppler and open HTML in Chromium (Debian packages).
sysdeps:
	@if command -v pdftotext >/dev/null && command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(SYSDEPS) (apt-get)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSDEPS) >/dev/null) \
		|| echo "warning: could not install $(SYSDEPS); PDF/HTML checks will be skipped"; \
	else echo "note: install $(SYSDEPS) (sudo apt-get install $(SYSDEPS)) for the PDF/HTML checks"; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/classify.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/coordination.py

airflow: $(STAMP)
	scripts/airflow.sh up

airflow-cluster: $(STAMP)
	scripts/airflow.sh cluster

airflow-stop:
	scripts/airflow.sh down

clean:
	rm -rf $(VENV) data/narrmon.db* out
