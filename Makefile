# secml: each workshop exercise is a target. TARGET=local (default) runs everything on the
# embedded AWS emulator; TARGET=aws runs the same code against the account in your AWS credentials.
# The targets are thin: the logic lives in the `secml` driver, which is typed and tested.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TARGET ?= local
PYTHON ?= python3
VENV := .venv
CHECKOV_VENV := .venv-checkov
SECML := $(VENV)/bin/secml --target $(TARGET)
# Training backend for exercise 2: the local engine on the emulator, SageMaker on AWS.
BACKEND ?= $(if $(filter aws,$(TARGET)),sagemaker,local)
# Sample findings on a GuardDuty detector the stack reuses reach the account's live pipelines:
# exercise 1.1 asks first; SAMPLE_FINDINGS=yes answers yes for a run nobody watches.
SAMPLE_FINDINGS ?=
CONSENT := $(if $(filter yes,$(SAMPLE_FINDINGS)),--yes)

# Terraform providers: an offline mirror where one exists on this machine (terraform init
# -plugin-dir); otherwise terraform init downloads them as usual.
TF_PLUGIN_DIR ?= $(firstword $(wildcard /opt/tf-plugins /usr/local/share/terraform/plugins))
export TF_PLUGIN_DIR

.PHONY: help setup doctor up down sample-findings exercise1 exercise2 exercise3 backfill demo lint lint-python test clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'
	@echo "  TARGET=$(TARGET) (local|aws)  BACKEND=$(BACKEND) (local|sagemaker)  SAMPLE_FINDINGS=yes (no prompt on a reused detector)"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

# checkov pins old boto3/packaging, so it gets a virtual environment of its own.
$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet 'checkov==3.3.30'
	touch $@

setup: $(VENV)/.installed $(CHECKOV_VENV)/.installed ## create the virtual environments (first run only)

doctor: $(VENV)/.installed ## check the account before anything is created (make up runs it too)
	$(SECML) doctor

up: $(VENV)/.installed ## start the emulator (local), build, doctor, terraform apply
	$(SECML) stack up

down: $(VENV)/.installed ## SageMaker leftovers, terraform destroy, stop the emulator (KEEP_EMULATOR=1 keeps it)
	$(SECML) stack down $(if $(KEEP_EMULATOR),--keep-emulator)

sample-findings: $(VENV)/.installed ## exercise 1.1: generate and list GuardDuty sample findings
	$(SECML) exercise 1.1 $(CONSENT)

exercise1: $(VENV)/.installed ## exercise 1: sample findings, then the GuardDuty ingest printing findings
	$(SECML) exercise 1 $(CONSENT)

exercise2: $(VENV)/.installed ## exercise 2: tuples from CloudTrail and GuardDuty, train, score, report
	$(SECML) exercise 2 --backend $(BACKEND)

backfill: $(VENV)/.installed ## every CloudTrail object under the input prefix to train/parts/ (Step Functions Distributed Map; SINCE=/UNTIL=YYYY-MM-DD)
	$(SECML) ingest backfill $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL))

exercise3: $(VENV)/.installed ## exercise 3: promote the exercise 2 model, emit findings, follow each to its verdict
	$(SECML) exercise 3 $(if $(FINDINGS),--findings $(FINDINGS))

demo: $(VENV)/.installed ## the whole workshop: up, exercises 1-3, then the most unusual findings
	$(SECML) demo --backend $(BACKEND) $(CONSENT) $(if $(FINDINGS),--findings $(FINDINGS))

PYTHON_SOURCES := scripts lambda_src tests benchmarks

lint: lint-python ## ruff, mypy, the import layers; terraform fmt, validate, module docs and rules; checkov
	$(VENV)/bin/secml lint --checkov $(CHECKOV_VENV)/bin/checkov

lint-python: setup ## ruff, ruff format, mypy and the import layers only (make test runs the Terraform checks too)
	$(VENV)/bin/ruff check $(PYTHON_SOURCES)
	$(VENV)/bin/ruff format --check $(PYTHON_SOURCES)
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Three workers, a test file each at a time: most of the suite waits on Terraform and the emulator
# rather than the CPU, so three beat two cores' worth of serial runs. TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= 3

test: setup ## the whole test suite (TEST_WORKERS=N, default 3; 0 runs it serially)
	CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

clean: ## stop every local emulator, remove build outputs and local emulator state (never reports/, AWS state or the venvs)
	if [ -x $(VENV)/bin/secml ]; then $(VENV)/bin/secml --target local emulator stop --all; fi
	rm -rf build .secml/local
