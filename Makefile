# citewise: `make run` (install, index the samples, serve) and `make test` are all a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
SHARED ?= ../shared/datasets

.PHONY: install browser run serve test test-fast bench eval lint clean

install: $(STAMP)

# torch first, pinned: the CPU wheel on local disk (an unpinned torch pulls gigabytes of CUDA).
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download does not work offline).
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

run: install
	@$(BIN)/python -m ingest is-empty >/dev/null; status=$$?; \
	if [ $$status = 0 ]; then \
		echo "Indexing the bundled sample documents (data/sample)..."; \
		$(BIN)/python -m ingest sync data/sample --collection sample || exit $$?; \
	elif [ $$status != 1 ]; then exit $$status; fi
	$(BIN)/python -m app serve

serve: install
	$(BIN)/python -m app serve

test: install browser
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not browser and not server"

bench: install
	$(BIN)/python -m bench.run --pdfs $(SHARED)/financebench-dev/pdfs

eval: install
	@if [ -d $(SHARED)/scifact-train ]; then \
		$(BIN)/python -m app eval retrieval --beir $(SHARED)/scifact-train --split train --mode dense --mode keyword --mode hybrid; \
	else echo "skipped retrieval eval: $(SHARED)/scifact-train not found"; fi
	$(BIN)/python -m app eval answers --docs data/sample --questions tests/data/sample_questions.jsonl
	$(BIN)/python -m app eval quiz --docs data/sample
	@if [ -d $(SHARED)/financebench-dev ]; then \
		$(BIN)/python -m app eval answers --docs $(SHARED)/financebench-dev/pdfs \
			--questions $(SHARED)/financebench-dev/questions.jsonl --index-dir var/eval/financebench-dev --holdout-every 2; \
		$(BIN)/python -m app eval decisions --docs $(SHARED)/financebench-dev/pdfs \
			--questions $(SHARED)/financebench-dev/questions.jsonl --data-dir var/eval/financebench-dev; \
		$(BIN)/python -m app eval followups --docs $(SHARED)/financebench-dev/pdfs \
			--conversations bench/followups_financebench.jsonl --data-dir var/eval/financebench-dev; \
		$(BIN)/python -m app eval quiz --docs $(SHARED)/financebench-dev/pdfs --data-dir var/eval/financebench-dev; \
	else echo "skipped financebench eval: $(SHARED)/financebench-dev not found"; fi
	@if [ -d $(SHARED)/scifact-train ] && [ -f $(SHARED)/safety-dev/xstest_prompts.csv ]; then \
		$(BIN)/python -m app eval refusals --beir $(SHARED)/scifact-train \
			--uncovered $(SHARED)/safety-dev/xstest_prompts.csv --data-dir var/eval/scifact-train; \
	else echo "skipped refusal eval: $(SHARED)/scifact-train or $(SHARED)/safety-dev/xstest_prompts.csv not found"; fi
	@if [ -d $(SHARED)/safety-dev ]; then \
		$(BIN)/python -m app eval safety --shared $(SHARED); \
	else echo "skipped safety eval: $(SHARED)/safety-dev not found"; fi

lint: install
	$(BIN)/ruff check app ingest tests bench scripts

clean:
	rm -rf $(VENV) var .cache artifacts
