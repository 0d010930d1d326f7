# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here is what they are made of.

PYTHON ?= $(shell command -v python3.13 >/dev/null 2>&1 && echo python3.13 || echo python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: run test install migrate demo lint format messages lock clean

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

run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@$(PY) manage.py demo_logins --port $(PORT)
	$(PY) manage.py rundev 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Needs GNU gettext (Debian package `gettext`); the compiled catalogues are committed.
messages: install
	$(PY) manage.py makemessages -l fr -l es --no-obsolete --ignore=.venv --ignore=tests \
		--ignore=staticfiles --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

# Re-resolve the pinned dependencies after editing pyproject.toml.
lock:
	$(PYTHON) -m pip install --quiet uv==0.13.9
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --universal --generate-hashes \
		--python-version 3.12 -o requirements.lock -q

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
