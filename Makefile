# One command to run the system, one to test it. See README.md.
VENV ?= .venv
PYTHON := $(VENV)/bin/python
PYTHONPATH := lib:services/enrollment:services/projects:services/mentors:services/certificates:gateway
export PYTHONPATH

.PHONY: run test unit install admin clean

$(VENV)/.installed: requirements.lock
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

run: install
	$(PYTHON) deploy/run_local.py

test: install
	$(VENV)/bin/nameko test -p no:cacheprovider

unit: install
	$(VENV)/bin/nameko test -p no:cacheprovider -m "not integration and not e2e"

admin: install
	PYTHONPATH=lib:gateway $(PYTHON) -m gateway.create_admin $(or $(USERNAME),admin)

clean:
	rm -rf $(VENV) .pytest_cache
