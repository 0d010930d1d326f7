# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here is what they are made of.

PYTHON ?= $(shell command -v python3.13 >/dev/null 2>&1 && echo python3.13 || echo python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
STAMP  := $(VENV)/.installed
PRODVENV := .venv-production

.PHONY: run test check install production-check migrate demo lint migrations-check typecheck format messages lock clean

# Fresh virtual environment with the locked, hash-checked dependencies.
$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# The links in the demo's e-mails (written by load_demo and the task worker)
# name the port the server runs on, unless SITE_URL says otherwise.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@$(PY) manage.py demo_logins --port $(PORT)
	$(PY) manage.py rundev 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The quality gates CI runs before the tests (.ci/run): lint and format, no
# model change without its migration, and the services type-checked. A few
# seconds; `make test` does not run them, so a test can be run while a line
# is still unformatted.
check: lint migrations-check typecheck

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

# mypy with django-stubs over every app's services ([tool.mypy] in pyproject.toml).
typecheck: install
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Needs GNU gettext (Debian package `gettext`); the compiled catalogues are committed.
messages: install
	$(PY) manage.py makemessages -l ar -l zh_Hans -l fr -l ru -l es --no-obsolete --ignore=".venv*" --ignore=tests \
		--ignore=staticfiles --ignore=bench
	$(PY) manage.py compilemessages --ignore=".venv*"

# The production layout on this machine as several hosts (deploy/production_check.py,
# docs/deploy.md): needs PostgreSQL and Redis on loopback, and Debian's Chromium.
production-check: install $(PRODVENV)/.installed
	PRODUCTION_CHECK_VENV=$(PRODVENV) $(PY) deploy/production_check.py

# What a server installs: requirements-production.lock, hash-checked, no
# development tools (docs/deploy.md); the production check runs from it.
$(PRODVENV)/.installed: requirements-production.lock
	@test -x $(PRODVENV)/bin/python || $(PYTHON) -m venv $(PRODVENV)
	$(PRODVENV)/bin/python -m pip install --quiet --upgrade pip
	$(PRODVENV)/bin/python -m pip install --quiet --require-hashes -r requirements-production.lock
	@touch $@

# Re-resolve the pinned dependencies after editing pyproject.toml.
lock:
	$(PYTHON) -m pip install --quiet uv==0.13.9
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --universal --generate-hashes \
		--python-version 3.12 -o requirements.lock -q
	$(PYTHON) -m uv pip compile pyproject.toml --universal --generate-hashes \
		--python-version 3.12 -o requirements-production.lock -q

clean:
	rm -rf $(VENV) $(PRODVENV) db.sqlite3 staticfiles .pytest_cache
