# Bilingual support-routing assistant: one entry point for install, train, run, test.
# Everything installs into .venv (Python 3.10, which Rasa 3.6 needs); nothing is expected on the machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# a real 3.10 interpreter: pyenv's own build first (its shim fails without a pyenv global), else the PATH's
PY310 ?= $(or $(lastword $(sort $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10))),$(shell command -v python3.10 2>/dev/null))
VENV := .venv
PY := $(VENV)/bin/python
export RASA_TELEMETRY_ENABLED := false
export PYTHONPATH := $(CURDIR)

.PHONY: help install test test-policy check-facts

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(VENV)/.installed: requirements.txt constraints.txt
	@test -n "$(PY310)" || { echo "Python 3.10 not found (Rasa 3.6 needs it): install it, e.g. 'pyenv install 3.10'"; exit 1; }
	test -x $(PY) || $(PY310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

install: $(VENV)/.installed  ## create .venv and install pinned requirements (only when they changed)

check-facts: install  ## validate the fact base and pin it against sources/
	$(PY) -m actions.policy check

test-policy: install  ## policy module tests only (fast)
	$(PY) -m pytest -q tests/policy

test: install  ## the whole test suite (what CI runs)
	$(PY) -m pytest -q tests
