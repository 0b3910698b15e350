# Everyday commands. Each target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo dev test lint bench openapi deploy clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## full local release: register -> validate -> promote with approval -> notification -> rollback
	PYTHONPATH=examples $(BIN)/python -m release_demo

dev: $(STAMP)   ## run the local stack until Ctrl-C
	$(BIN)/modelyard dev

test: $(STAMP)  ## the whole test suite
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --no-cache . && $(BIN)/ruff format --no-cache --check . && $(BIN)/mypy

bench: $(STAMP)  ## every benchmark, figures printed; the MLflow comparison installs MLflow into .venv-mlflow
	MODELYARD_BENCH_BYTES=1GiB MODELYARD_BENCH_MLFLOW=1 MODELYARD_BENCH_MOTO_VERSIONS=200 MODELYARD_BENCH_SEARCH_VERSIONS=1000,20000 \
		$(BIN)/python -m pytest tests/perf -s -p no:xdist

openapi: $(STAMP)
	$(BIN)/python -m modelyard_server.handlers.openapi_document > docs/openapi.json

deploy:
	cd infra && sam build && sam deploy --guided

clean:
	rm -rf $(VENV) .venv-mlflow .pytest_cache .mypy_cache .ruff_cache
