# Two commands for a newcomer: `make demo` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit packtest schema bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: check the shipped example sites (exit 1 means a rule failed, which the example shows on purpose) and assess the example case
demo: $(STAMP)
	$(BIN)/mcrules check-site examples/transit-centre.yaml; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo
	$(BIN)/mcrules check-site examples/compliant-shelter.yaml --failures-only
	@echo
	$(BIN)/mcrules assess examples/cases/girl-in-transit.yaml
	@echo
	@echo "Next: $(BIN)/mcrules rules show mct.wash.toilets.female   (the rule, its source, its variants)"

## test: lint, type-check, pack tests and the whole test suite
test: $(STAMP) lint typecheck packtest unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

packtest: $(STAMP)
	$(BIN)/mcrules test rules/

unit: $(STAMP)
	$(BIN)/pytest -q

## schema: regenerate schemas/*.schema.json from the models
schema: $(STAMP)
	$(BIN)/mcrules schema --out schemas

## bench: performance against hand-written numpy and peer engines (not part of make test)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/pytest benchmarks -q --benchmark-only

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info src/*.egg-info
