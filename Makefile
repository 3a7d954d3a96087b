# One command to run the system, one to test it. See README.md.
VENV ?= .venv
PYTHON := $(VENV)/bin/python

.PHONY: run test unit lint install admin demo bench faults soak clean

$(VENV)/.installed: requirements.lock
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.lock
	touch $@

# the AsyncAPI schemas that validate docs/inbound/asyncapi.yaml in the tests
tools/asyncapi/node_modules/.installed: tools/asyncapi/package-lock.json
	npm ci --prefix tools/asyncapi --silent --no-audit --no-fund
	touch $@

# Swagger UI for the gateway's API reference at /v1/docs, served from here so
# the page loads nothing from another host
gateway/web/vendor/node_modules/.installed: gateway/web/vendor/package-lock.json
	npm ci --prefix gateway/web/vendor --silent --no-audit --no-fund
	touch $@

install: $(VENV)/.installed tools/asyncapi/node_modules/.installed \
	gateway/web/vendor/node_modules/.installed

run: install
	$(PYTHON) deploy/run_local.py

# pytest exits 5 when it collected no test: that is a failure too
test: install lint
	./deploy/ensure_rabbitmq.sh
	$(VENV)/bin/nameko test; status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: no tests ran" >&2; exit 1; fi; exit $$status

# every fault scenario at full load on a private broker and database
# (about an hour); the results table goes into docs/reliability.md
faults: install lint
	FAULTS_FULL=1 $(VENV)/bin/nameko test tests/faults -m faults \
		--deselect tests/faults/test_soak.py; status=$$?; \
	$(PYTHON) tools/reliability_report.py; exit $$status

# 30 minutes at half the benchmark targets: heartbeat disconnects, memory growth
soak: install
	FAULTS_FULL=1 SOAK_SECONDS=$$(( $(or $(MINUTES),30) * 60 )) \
		$(VENV)/bin/nameko test tests/faults/test_soak.py -s; status=$$?; \
	$(PYTHON) tools/reliability_report.py; exit $$status

unit: install
	$(VENV)/bin/nameko test -m "not integration and not e2e"

# ruff, then mypy on the files mypy.ini lists (annotated, a wrong argument type an error)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# the benchmark (docs/benchmarks.md): BENCH_RUNS, BENCH_SECONDS, BENCH_SCALE, BENCH_10X,
# BENCH_PROFILE=1 (py-spy profiles of the gateway) and more: see bench/run.py;
# BENCH_PHASES=signin BENCH_SCALE=0.05 runs the sign-in flood alone on a small dataset
bench: install
	./deploy/ensure_rabbitmq.sh
	@command -v wrk >/dev/null || { echo "error: wrk is needed (apt-get install wrk)" >&2; exit 1; }
	PYTHONPATH=. BENCH_RUNS=$${BENCH_RUNS:-3} $(PYTHON) -m bench.run

# the first administrator, in the database make run uses (MONGO_URI, else the local
# server on LOCAL_MONGO_PORT or, unset, on the port the last make run noted in var/);
# the password from ADMIN_PASSWORD or asked for twice, 12 characters or more
admin: install
	PYTHONPATH=lib:gateway $(PYTHON) -m gateway.create_admin $(or $(USERNAME),admin)

# a small realistic dataset through the API of a running system (make run);
# asks for the administrator's password unless ADMIN_PASSWORD is set
demo: install
	$(PYTHON) deploy/demo.py

clean:
	rm -rf $(VENV) .pytest_cache
