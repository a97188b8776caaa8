# Linli: `make run` (demo on :8000 with an embedded database) and `make test` (the whole suite).
# Works on a bare machine with Python 3.11: the virtual environment and uv are made on first use.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
UV := $(VENV)/bin/uv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: env run test test-py test-js lint bench clean

$(UV):
	"$(PYTHON)" -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"

env: $(UV)
	$(UV) sync --frozen --quiet

run: env
	LINLI_ENV=dev WECHAT_FAKE=1 WECHAT_API_BASE=$${WECHAT_API_BASE:-http://127.0.0.1:8000/_fake/wechat} \
		$(PY) -m app serve --demo --host $${HOST:-127.0.0.1} --port 8000

lint: env
	$(VENV)/bin/ruff format --check app tests migrations bench
	$(VENV)/bin/ruff check app tests migrations bench
	$(VENV)/bin/mypy app bench

test-py: env
	$(PY) -m pytest -n $${LINLI_TEST_WORKERS:-2} tests

test-js: env
	@if [ -f miniprogram_stub/package.json ]; then \
		cd miniprogram_stub && npm ci --no-audit --no-fund --loglevel=error && npm test --silent; \
	fi

test: lint test-py test-js

bench: env
	$(PY) -m bench

clean:
	rm -rf $(VENV) .data .mypy_cache .ruff_cache
