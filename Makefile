# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here is what those two are made of.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

# Debian packages the portal needs at run time and in tests:
# fonts and harfbuzz for Chinese PDFs, poppler for pdftotext/pdfsig,
# libmagic to judge uploads by content, chromium for browser tests.
SYSTEM_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
	poppler-utils openssl libmagic1 chromium

.PHONY: run test assets test-sqlite test-postgres lint system-deps venv translations db demo \
	serve clean bench bench-deps bench-timers bench-certificates bench-scale bench-lists \
	bench-completions bench-scale-db

run: system-deps venv assets translations db demo serve ## set everything up and serve the portal

test: system-deps venv assets translations lint test-sqlite test-postgres ## every check CI runs

system-deps: ## install missing Debian packages (needs root)
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(BIN)/.installed ## create the virtual environment with all Python dependencies

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Front-end libraries, pinned in package-lock.json and served by the portal itself
# (no outside network on the intranet): npm ci, then their built files to static/vendor.
VENDOR := portal/static/vendor

assets: $(VENDOR)/.installed ## install the pinned front-end libraries (Uppy) into portal/static/vendor

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/uppy
	cp node_modules/uppy/dist/uppy.min.js node_modules/uppy/dist/uppy.min.css \
		node_modules/@uppy/locales/dist/zh_CN.min.js node_modules/uppy/LICENSE $(VENDOR)/uppy/
	touch $@

translations: venv ## compile the message catalogues
	$(BIN)/pybabel -q compile -d portal/translations

db: venv ## create or migrate the database schema
	$(FLASK) db upgrade

demo: venv ## load demo organisations, users and applications (idempotent)
	$(FLASK) seed-demo

serve: venv ## serve with gunicorn and run the timer scheduler beside it
	PORT=$(PORT) bin/serve

lint: venv ## ruff and mypy on the lower layers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test-sqlite: venv ## the whole suite on SQLite
	$(BIN)/pytest -n 2 --dist loadgroup

test-postgres: venv ## the whole suite on PostgreSQL
	PORTAL_TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/pytest -n 2 --dist loadgroup

bench: bench-timers bench-certificates bench-lists bench-completions ## every benchmark (minutes); not part of test

bench-deps: ## install wrk, the HTTP load generator the benchmarks use (needs root)
	@command -v wrk >/dev/null || { echo "Installing wrk"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; }

bench-timers: venv ## time one timer tick: 10,000 waiting, 1,000 due (PostgreSQL, SQLite); not part of test
	BENCH_PG_URL=$(TEST_PG_URL) $(BIN)/python -m bench.timers.run

bench-certificates: venv translations bench-deps ## issue a certificate; verify under load with wrk vs bare Flask
	BENCH_PG_URL=$(TEST_PG_URL) $(BIN)/python -m bench.certificates.run

BENCH_SCALE_DB ?= bench_scale

bench-scale: venv ## (re)generate the national-scale database: 1,000,000 applications, kept
	BENCH_PG_URL=$(TEST_PG_URL) $(BIN)/python -m bench.scale.generate --name $(BENCH_SCALE_DB) --keep

bench-scale-db: venv
	BENCH_PG_URL=$(TEST_PG_URL) $(BIN)/python -m bench.scale.generate --name $(BENCH_SCALE_DB) --keep --if-missing

bench-lists: translations bench-scale-db ## reviewers' lists and inbox pages on the scale database
	BENCH_PG_URL=$(TEST_PG_URL) $(BIN)/python -m bench.lists.run --reuse $(BENCH_SCALE_DB)

bench-completions: bench-scale-db ## approvals through the API, 1 and 4 clients, beside SpiffWorkflow alone
	BENCH_PG_URL=$(TEST_PG_URL) $(BIN)/python -m bench.completions.run --reuse $(BENCH_SCALE_DB)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance .pytest_cache .ruff_cache .mypy_cache
