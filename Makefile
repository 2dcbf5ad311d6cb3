# Safekeep: the two Quick start commands and a few helpers for developers.
#
# `make run` and `make test` create .venv and install on first use, and reinstall only when
# pyproject.toml changes (the .installed stamps) or .venv stops working. `make clean` removes
# .venv; `make clean-data` removes the console's database and key file (your data).

# The newest Python 3.11+ on the PATH (override with `make PYTHON=/path/to/python3.12 ...`).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.created
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
DATA := safekeep.db safekeep.db-wal safekeep.db-shm safekeep.key
PLAYGROUND := tests/playground
PLAYGROUND_STAMP := $(PLAYGROUND)/node_modules/.installed

# Checked on every run: a .venv whose Python no longer runs (removed, or left behind by a system
# Python upgrade) or is too old loses its stamps here, so it is made again and reinstalled below.
VENV_WORKS := $(shell $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo yes)
ifneq ($(VENV_WORKS),yes)
$(shell rm -f $(READY) $(STAMP) $(TEST_STAMP))
endif

.PHONY: run test test-dates lint soak clean clean-data playground

# A working virtual environment (made again from nothing if the one there does not work).
$(READY):
	@if ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	  if [ -z "$(PYTHON)" ]; then \
	    echo "Safekeep needs Python 3.11 or newer; none was found on the PATH." >&2; exit 1; fi; \
	  if ! $(PYTHON) -c 'import venv, ensurepip' 2>/dev/null; then \
	    echo "Python's venv module is missing. On Debian or Ubuntu: sudo apt-get install python3-venv" >&2; \
	    exit 1; fi; \
	  echo "Creating $(VENV) with $(PYTHON)"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && \
	  $(BIN)/python -m pip install --quiet --upgrade pip; \
	fi
	@touch $@

# Order-only on $(READY): a new stamp there must not force a reinstall by itself.
$(STAMP): pyproject.toml | $(READY)
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	@touch $@

# The test extras include everything `make run` needs, so they satisfy both stamps.
$(TEST_STAMP): pyproject.toml | $(READY)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(STAMP)

# Microsoft's Agents Playground for the end-to-end Teams test (tests/teams/test_playground.py),
# pinned by tests/playground/package-lock.json: installed with npm ci when npm is on the PATH and
# the lock file changed. Without npm that one test is skipped and says why.
playground:
	@if command -v npm >/dev/null 2>&1; then \
	  $(MAKE) -s --no-print-directory $(PLAYGROUND_STAMP); \
	else \
	  echo "npm is not on the PATH: the Agents Playground test will be skipped"; \
	fi

$(PLAYGROUND_STAMP): $(PLAYGROUND)/package-lock.json
	cd $(PLAYGROUND) && npm ci --no-audit --no-fund
	@touch $@

## make run: install on first use, upgrade the database, start Safekeep
run: $(STAMP)
	$(BIN)/python -m bot migrate
	$(BIN)/python -m bot

## make test: install with test extras on first use and run the whole suite on SQLite, then
## again on PostgreSQL when TEST_DATABASE_URL is set (throwaway databases: each of the
## TEST_WORKERS pytest-xdist workers uses its own, named after TEST_DATABASE_URL's with _gw0,
## _gw1... added, created if missing and emptied). Either run failing fails make.
TEST_WORKERS ?= 2
test: $(TEST_STAMP) playground
	@echo "make test: SQLite"
	TEST_DATABASE_URL= $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "make test: PostgreSQL (TEST_DATABASE_URL)"; \
	  $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS); \
	fi

## make test-dates: the date-sensitive tests again (SQLite) with the process clock moved to each
## moment below (UTC) by libfaketime, so no test passes only before or after a real date. The
## monotonic clock stays real, so timeouts and asyncio keep working. The library is the one the
## `libfaketime` test extra ships: Debian's 0.9.10 fails time.sleep with EINVAL when the
## monotonic clock is left real, and hangs timed waits when it is moved.
## FAKETIME_FORCE_MONOTONIC_FIX=0: without it libfaketime rewrites every timed condition wait,
## the interpreter's own lock (GIL) hand-over included, and two pytest workers ran about fifty
## times slower, so slowly that Slack requests overran bolt's three-second ack.
MOVED_CLOCKS := \
	"2027-01-16 11:00:00" \
	"2027-05-03 09:00:00" \
	"2027-08-11 13:00:00" \
	"2028-02-29 12:00:00" \
	"2027-10-31 00:30:00"
# A Saturday; the early May bank holiday; the summer holiday; a leap day; 01:30 BST on the
# morning the clocks go back. The tests that touch dates: handlers, schedules and the journeys
# at every moment; the command line's (programs started as a technician does) at the first two
# (the e2e tests the journeys cover are left out, for CI's time), on TEST_WORKERS pytest-xdist
# workers. The journeys' dates are the handlers', whatever the adapter, so they run through the
# console at every moment, and through Slack at the first and Teams at the second.
DATE_TESTS := tests/handlers tests/schedules tests/journeys
DATE_PROGRAM_TESTS := tests/bot/test_cli.py tests/bot/test_console_school.py \
	tests/slack/test_slack_cli.py tests/e2e/test_console_safekeep.py tests/bot/test_report_cli.py
FAKETIME_LIB = $(shell $(BIN)/python -c 'import libfaketime, pathlib; \
	print(pathlib.Path(libfaketime.__file__).parent / "vendor/libfaketime/src/libfaketime.so.1")')
test-dates: $(TEST_STAMP)
	@turn=0; for moment in $(MOVED_CLOCKS); do \
	  turn=$$((turn + 1)); \
	  adapters=$$(case $$turn in (1) echo console,slack;; (2) echo console,teams;; (*) echo console;; esac); \
	  programs=$$(case $$turn in (1|2) echo "$(DATE_PROGRAM_TESTS)";; esac); \
	  echo "make test-dates: the clock moved to $$moment UTC (journeys through $$adapters)"; \
	  TZ=UTC FAKETIME="@$$moment" FAKETIME_DONT_FAKE_MONOTONIC=1 DONT_FAKE_MONOTONIC=1 \
	    FAKETIME_FORCE_MONOTONIC_FIX=0 \
	    LD_PRELOAD="$(FAKETIME_LIB)" TEST_DATABASE_URL= \
	    SAFEKEEP_JOURNEY_ADAPTERS="$$adapters" \
	    $(BIN)/python -m pytest -n $(TEST_WORKERS) $(DATE_TESTS) $$programs $(PYTEST_ARGS) || exit 1; \
	done

## make lint: ruff (lint and format) on everything, mypy on handlers/ and storage/
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## make soak: exactly-once delivery, measured (benchmarks/soak.py; not part of make test): the
## real web and two workers on a throwaway PostgreSQL database (safekeep_soak on 127.0.0.1:5432,
## trust auth; created and dropped), 200 simulated staff for 60 s against a faulty fake Slack,
## one worker SIGKILLed midway; prints submitted, stored, due, delivered, doubled and lost.
## About ten minutes. SOAK_ARGS passes options, e.g. SOAK_ARGS="--people 50 --seconds 30".
soak: $(TEST_STAMP)
	$(BIN)/python benchmarks/soak.py $(SOAK_ARGS)

## make clean: remove .venv, the test Playground's node_modules and build files (your data stays)
clean:
	rm -rf $(VENV) $(PLAYGROUND)/node_modules *.egg-info

## make clean-data: remove the console's database and its key file: everything typed into it
clean-data:
	rm -f $(DATA)
