# Bilingual support-routing assistant: one entry point for install, train, run, test.
# Everything installs into .venv (Python 3.10, which Rasa 3.6 needs); nothing is expected on the machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# a real 3.10 interpreter: pyenv's own build first (its shim fails without a pyenv global), else the PATH's
PY310 ?= $(or $(lastword $(sort $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10))),$(shell command -v python3.10 2>/dev/null))
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
PORT ?= 5005
ACTIONS_PORT ?= 5055
# Rasa server processes (Sanic workers) sharing the SQLite stores; 1 = a single process
WORKERS ?= 2
URL ?= http://localhost:$(PORT)
ENDPOINTS ?= endpoints.yml
export RASA_TELEMETRY_ENABLED := false
export PYTHONPATH := $(CURDIR)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# TensorFlow without oneDNN's primitive caches: -10 MB per process, same speed (docs/performance.md)
export TF_ENABLE_ONEDNN_OPTS ?= 0
# TensorFlow's C++ INFO lines (CUDA probing, CPU features, executor debug notes) are noise here; warnings stay
export TF_CPP_MIN_LOG_LEVEL ?= 1

.PHONY: help install browser-deps widget-deps services-deps deploy-deps scaleout train run run-actions shell lint deploy-check test test-fast validate check-facts coverage eval nlu-eval bench soak review purge-conversations clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(VENV)/.installed: requirements.txt constraints.txt
	@test -n "$(PY310)" || { echo "Python 3.10 not found (Rasa 3.6 needs it): install it, e.g. 'pyenv install 3.10'"; exit 1; }
	test -x $(PY) || $(PY310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

install: $(VENV)/.installed  ## create .venv and install pinned requirements (only when they changed)

browser-deps:  ## Debian's chromium and CJK fonts for the browser tests (Playwright never downloads browsers)
	@test -x /usr/bin/chromium && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || { \
	  echo "installing chromium and fonts-noto-cjk from Debian..."; \
	  $$(command -v sudo) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$(command -v sudo) apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

services-deps:  ## Debian's postgresql, redis-server and nginx for the scale-out profile and its tests
	@{ ls /usr/lib/postgresql/*/bin/initdb && command -v redis-server && { command -v nginx || test -x /usr/sbin/nginx; }; } >/dev/null 2>&1 || { \
	  echo "installing postgresql, redis-server and nginx from Debian..."; \
	  $$(command -v sudo) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$(command -v sudo) apt-get install -y -qq postgresql redis-server nginx >/dev/null; }

deploy-deps:  ## kubectl (with kustomize) for make deploy-check: the machine's, else apt's kubectl or kubernetes-client
	@command -v kubectl >/dev/null 2>&1 || { \
	  echo "installing kubectl with apt..."; \
	  $$(command -v sudo) apt-get update -qq && \
	  { DEBIAN_FRONTEND=noninteractive $$(command -v sudo) apt-get install -y -qq kubectl >/dev/null 2>&1 || \
	    DEBIAN_FRONTEND=noninteractive $$(command -v sudo) apt-get install -y -qq kubernetes-client >/dev/null; }; }

WIDGET_PAGE := tests/bot/rasa_webchat
$(WIDGET_PAGE)/node_modules/.package-lock.json: $(WIDGET_PAGE)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "installing nodejs and npm from Debian..."; \
	  $$(command -v sudo) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$(command -v sudo) apt-get install -y -qq nodejs npm >/dev/null; }
	cd $(WIDGET_PAGE) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

widget-deps: $(WIDGET_PAGE)/node_modules/.package-lock.json  ## botfront's rasa-webchat from npm, for the browser tests of other widgets (tests/bot/rasa_webchat)

DEPLOY_VENV := .venv-deploy
$(DEPLOY_VENV)/.installed: deploy/requirements.txt
	test -x $(DEPLOY_VENV)/bin/python || python3 -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/pip install --quiet -r deploy/requirements.txt
	touch $@

scaleout: train services-deps  ## scale-out profile on loopback: PostgreSQL, Redis, 2 Rasa + 2 action replicas behind nginx on SCALEOUT_PORT (8080)
	$(PY) scripts/cluster.py --port $(or $(SCALEOUT_PORT),8080) $${POSTGRES_URL:+--postgres-url "$$POSTGRES_URL"} $${REDIS_URL:+--redis-url "$$REDIS_URL"}

train: install  ## train a model, only if config/domain/data/components changed (models/model-<hash>.tar.gz)
	@$(PY) scripts/train.py >/dev/null

run: train  ## run the assistant: action server (ACTIONS_PORT) + Rasa server (REST, web chat, WeChat) on $(PORT), SQLite tracker store; SIGTERM or Ctrl-C stops both
	@exec $(PY) scripts/run.py --model "$$($(PY) scripts/train.py 2>/dev/null | tail -1)" --port $(PORT) \
	  --actions-port $(ACTIONS_PORT) --workers $(WORKERS) --endpoints $(ENDPOINTS)

run-actions: install  ## only the action server (for `rasa run` started by hand)
	$(RASA) run actions --port $(ACTIONS_PORT)

shell: install  ## chat with a running assistant from the terminal (URL=$(URL))
	$(PY) -m client.shell --url $(URL)

check-facts: install  ## validate the fact base and pin it against sources/
	$(PY) -m core.routing check

coverage: install  ## per document and section: the facts held and the quotes used; fails on a section with none
	$(PY) -m core.routing coverage

validate: install  ## rasa data validate, plus checking the responses sent by custom actions
	$(PY) scripts/validate.py

nlu-eval: train  ## intent/entity F1 per language on the held-out sets
	$(PY) scripts/nlu_eval.py --model "$$($(PY) scripts/train.py 2>/dev/null)"

eval: train  ## the shared acceptance cases through the REST channel (starts and stops the bot)
	$(PY) ../shared/eval/evaluate.py ../shared/eval/dev_cases.yml --project .

bench: install  ## speed benchmark vs a stock `rasa init` bot in the same run (results/bench.json, results/bench_latency.png)
	$(PY) scripts/bench.py

soak: train  ## 20 conversations at once for 10 minutes against make run's layout: memory and open files per process (results/soak.json; MINUTES=)
	$(PY) scripts/soak.py $(if $(MINUTES),--minutes $(MINUTES))

review: install  ## conversation review from the tracker store of ENDPOINTS: results/review.{json,html}, review_candidates.yml (SINCE= UNTIL= YYYY-MM-DD, default the last 7 days)
	$(PY) scripts/review.py --endpoints $(ENDPOINTS) --out results $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL))

purge-conversations: install  ## retention (PIPL / GDPR): delete conversations idle more than DAYS= days from the tracker store of ENDPOINTS (DRY_RUN=1 only lists)
	@test -n "$(DAYS)" || { echo "DAYS= is required, e.g. make purge-conversations DAYS=90 (DRY_RUN=1 to see what it would delete)" >&2; exit 2; }
	$(PY) scripts/purge_conversations.py --days $(DAYS) --endpoints $(ENDPOINTS) $(if $(DRY_RUN),--dry-run)

lint: install  ## style (ruff, ruff.toml) and the one-way imports between the packages (import-linter, .importlinter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

deploy-check: install deploy-deps $(DEPLOY_VENV)/.installed  ## the Dockerfile and deploy/k8s, offline: kustomize renders, Kubernetes schemas, same start commands as make run
	$(PY) scripts/deploy_check.py --validator $(DEPLOY_VENV)/bin/kubernetes-validate

test-fast: install deploy-deps $(DEPLOY_VENV)/.installed  ## tests that need no trained model (core, actions, server parts, channels, scripts, deploy)
	$(PY) -m pytest -q tests --ignore=tests/bot

test: install browser-deps widget-deps services-deps lint deploy-check  ## lint and deploy-check, then the whole test suite: what CI runs (trains once if needed, starts the bot once)
	$(PY) -m pytest -q tests

clean:  ## remove models, caches and test artifacts (keeps .venv)
	rm -rf models results tests/artifacts .pytest_cache rasa_tracker.db* rasa_state.db*
