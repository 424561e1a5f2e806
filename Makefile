# socialstage: `make demo` runs the main job on the embedded demo, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/socialstage demo

# Headless Chromium for the real-browser report test (tests/test_report_browser.py) and a CJK font, from Debian's
# packages;
# `make demo` does not need it.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends chromium chromium-driver; }
	@# A CJK font, so that plots and the browser draw Japanese names and posts (tests/test_report_polish.py);
	@# matplotlib's font list is rebuilt to see it.
	@# Optional: without it that one test skips with its reason, so a machine without apt still runs the suite.
	@fc-list 2>/dev/null | grep -qi -e "IPAGothic" -e "Noto Sans CJK" || { \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends fonts-ipafont-gothic && \
		rm -f $${XDG_CACHE_HOME:-$$HOME/.cache}/matplotlib/fontlist-*.json; } || \
		echo "no CJK font could be installed: the CJK plot test will skip"

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest --nbmake tests notebooks

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info

# The labeled table and the shipped stage model: rerun both whenever the feature set changes.
.PHONY: labels model
labels: $(STAMP)
	$(BIN)/python labeled_data/seed_labels.py

model: labels
	$(BIN)/socialstage train --data labeled_data --out classifier/models/default.skops
	$(BIN)/python bench/bench_classifier.py
