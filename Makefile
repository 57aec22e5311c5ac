# Two commands set up everything on a fresh machine:
#   make run    all services on SQLite under ./data, a month of synthetic data, a bulletin
#   make test   the whole test suite (what .ci/run calls)
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TOOLS   := .tools
BUF     := $(TOOLS)/node_modules/.bin/buf
# axe-core: the browser tests inject it into every page (accessibility rules, WCAG 2.1 AA).
AXE     := $(TOOLS)/node_modules/axe-core/axe.min.js
# checkov's pinned dependencies clash with the project's: it gets its own venv.
TOOLS_REQ := tests/deploy/requirements-tools.txt
CHECKOV := .venv-tools/bin/checkov

.PHONY: run test check lint lock protos protos-check tools fonts bench image clean

# `make run` installs what the services need to run, nothing more; `make test` (and check,
# protos, bench) add the dev extras: test tools, linters, code generators.
RUN_STAMP := $(VENV)/.installed-run

# Both install the exact versions of the lock files, each checked against its SHA-256
# (requirements.lock: what runs; requirements-dev.lock: that plus the dev extras), then the
# project itself without resolving anything again. `make lock` refreshes both from pyproject.toml.
$(RUN_STAMP): pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e . --config-settings editable_mode=compat
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml requirements-dev.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e . --config-settings editable_mode=compat
	touch $(STAMP) $(RUN_STAMP)

LOCK := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--quiet --custom-compile-command "make lock"

lock: $(STAMP)
	$(LOCK) -o requirements.lock
	$(LOCK) --extra dev -o requirements-dev.lock

$(BUF):
	@mkdir -p $(TOOLS)
	@if command -v npm >/dev/null; then \
	  npm install --silent --prefix $(TOOLS) @bufbuild/buf@1 >/dev/null 2>&1 || echo "buf: npm install failed"; \
	else echo "buf: npm not found; proto lint tests will say so"; fi

$(AXE):
	@mkdir -p $(TOOLS)
	@if command -v npm >/dev/null; then \
	  npm install --silent --prefix $(TOOLS) axe-core@4 >/dev/null 2>&1 || echo "axe-core: npm install failed"; \
	else echo "axe-core: npm not found; the accessibility tests will say so"; fi

$(CHECKOV): $(TOOLS_REQ)
	$(PY) -m venv --clear .venv-tools
	@if .venv-tools/bin/pip install --quiet -r $(TOOLS_REQ); then \
	  cp $(TOOLS_REQ) .venv-tools/requirements.installed; \
	else echo "checkov: install failed; tests/deploy will retry and say why"; fi

# Debian's chromium drives the gateway's browser tests (Playwright attaches to it; no browser
# download); a CJK font so that screenshots of the Chinese pages show text.
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei) >/dev/null; \
	  else echo "chromium: not installed and not root; run: sudo apt-get install chromium fonts-wqy-microhei"; fi; }

# The bulletin PDFs embed TrueType fonts closest to GB/T 9704's 小标宋/仿宋/黑体
# (services/scoring/bulletin/fonts.py); the tests check them with poppler's pdffonts/pdftoppm.
# Without the fonts, publishing is refused (FONTS_MISSING), never done with unembedded fonts.
FONTS := /usr/share/fonts/truetype/arphic/uming.ttc
PDFFONTS := /usr/bin/pdffonts

$(FONTS) $(PDFFONTS):
	@if [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    fonts-arphic-uming fonts-arphic-ukai fonts-wqy-microhei poppler-utils) >/dev/null \
	  || echo "bulletin fonts: apt-get install failed"; \
	else echo "bulletin fonts: not root; run: sudo apt-get install fonts-arphic-uming fonts-arphic-ukai fonts-wqy-microhei poppler-utils"; fi

fonts: $(FONTS) $(PDFFONTS)

tools: $(BUF) $(AXE) $(CHECKOV) $(CHROMIUM) fonts

run: $(RUN_STAMP) fonts
	$(BIN)/python -m scripts.run $(ARGS)

# The container image: docker where a daemon answers, else buildah (daemonless). Optional:
# IMAGE (tag), PIP_INDEX_URL (package index), EXTRA_CA (a PEM file to trust), BASE_IMAGE (a local
# stand-in for python:3.11-slim-bookworm where registries cannot be reached).
image: $(RUN_STAMP)
	$(BIN)/python -m scripts.image

test: $(STAMP) tools
	$(BIN)/python -m pytest $(ARGS)

check: $(STAMP) tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

protos-check: $(STAMP)
	$(BIN)/python scripts/gen_protos.py --check

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) .venv-tools data .pytest_cache .mypy_cache .ruff_cache
