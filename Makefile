# Everyday commands. Each target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The AWS emulator the deployed-shape tier and `make aws-local` run the template on, in a venv of its own
# (its Lambda workers run on its interpreter: the project's packages must not be importable there).
MINISTACK_VERSION := 1.5.33
MINISTACK_STAMP   := .venv-ministack/.installed
# The browser tests drive Debian's chromium (Playwright never downloads a browser here). Installed when missing:
# as root on CI, through sudo elsewhere; without `apt-get update` first, and with it when the lists are stale.
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
APT_GET  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: demo dev test lint bench openapi deploy clean lock bundle test-deployed aws-local

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

$(MINISTACK_STAMP): Makefile
	$(PYTHON) -m venv .venv-ministack
	.venv-ministack/bin/pip install --quiet --disable-pip-version-check 'ministack[full]==$(MINISTACK_VERSION)'
	touch $(MINISTACK_STAMP)

$(CHROMIUM):
	$(APT_GET) install -y --no-install-recommends chromium \
		|| ($(APT_GET) update && $(APT_GET) install -y --no-install-recommends chromium)

demo: $(STAMP)  ## full local release: register -> validate -> sign-off -> promote with approval -> notification -> ops rollback
	PYTHONPATH=examples $(BIN)/python -m release_demo

dev: $(STAMP)   ## run the local stack until Ctrl-C
	$(BIN)/modelyard dev

test: $(STAMP) $(CHROMIUM)  ## the whole test suite (the browser tier needs chromium: installed when missing)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-deployed: $(STAMP) $(MINISTACK_STAMP)  ## the template deployed to the MiniStack emulator, a release driven through it
	$(BIN)/python -m pytest tests/deployed -m deployed -p no:xdist $(PYTEST_ARGS)

aws-local: $(STAMP) $(MINISTACK_STAMP)  ## the template deployed to the MiniStack emulator until Ctrl-C (API URL and token printed)
	$(BIN)/python -m modelyard_local.aws_local

lint: $(STAMP)
	$(BIN)/ruff check --no-cache . && $(BIN)/ruff format --no-cache --check . && $(BIN)/mypy

bench: $(STAMP) $(MINISTACK_STAMP)  ## every benchmark, figures printed (cold starts on the emulator too); MLflow goes into .venv-mlflow
	MODELYARD_BENCH_BYTES=1GiB MODELYARD_BENCH_MLFLOW=1 MODELYARD_BENCH_MOTO_VERSIONS=200 MODELYARD_BENCH_SEARCH_VERSIONS=1000,20000 \
		$(BIN)/python -m pytest tests/perf -s -p no:xdist -m ''

openapi: $(STAMP)
	$(BIN)/python -m modelyard_server.handlers.openapi_document > docs/openapi.json

lock: $(STAMP)  ## re-pin lambdas/requirements.lock (hashes) after changing lambdas/requirements.txt
	$(BIN)/python -m modelyard_local.bundle_lock

bundle: $(STAMP)  ## the Lambda package for the template's runtime/architecture, checked, its size printed
	$(BIN)/python -m modelyard_local.bundle

deploy: $(STAMP)  ## sam deploy of the checked bundle (not `sam build`, which would resolve ranges afresh)
	$(BIN)/python -m modelyard_local.bundle --deploy-template
	cd infra && sam deploy --guided --template-file ../build/template.json

clean:
	rm -rf $(VENV) .venv-mlflow .venv-ministack build .pytest_cache .mypy_cache .ruff_cache
