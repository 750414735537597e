# Two commands set everything up on a fresh machine:
#   make chat   - the console chat on the embedded defaults (demo school, SQLite, in-process scheduler)
#   make test   - lint and the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: chat test bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# AS is also make's built-in name for the assembler ("as"): only an AS given by the user picks the staff member.
chat: $(STAMP)
	$(VENV)/bin/policybot chat $(if $(filter command line environment,$(origin AS)),--as $(AS),)

test: $(STAMP)
	$(VENV)/bin/ruff check bot tests benchmarks
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/answer_bench.py
