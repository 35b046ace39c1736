# Browser extension targets, included from the main Makefile.
#   make extension   builds dist/kindly-extension.zip (Chrome Web Store upload)
#   make e2e-deps    Node and npm (from Debian, when missing), npm ci of the real editor
#                    libraries the browser tests use, and their esbuild bundles
EDITORS_DIR := tests/e2e/editors
EDITOR_SOURCES := $(wildcard $(EDITORS_DIR)/src/*.js) $(EDITORS_DIR)/build.mjs
APT_AS_ROOT := $(if $(filter 0,$(shell id -u)),apt-get,sudo -n apt-get)

.PHONY: extension e2e-deps node-deps

extension:
	$(PYTHON) scripts/build_extension.py

node-deps:
	@command -v npm >/dev/null || { \
	  echo "Installing nodejs and npm from Debian's packages..."; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(APT_AS_ROOT) update -qq && \
	  $(APT_AS_ROOT) install -y -qq --no-install-recommends nodejs npm >/dev/null; }

$(EDITORS_DIR)/node_modules/.package-lock.json: $(EDITORS_DIR)/package-lock.json | node-deps
	cd $(EDITORS_DIR) && npm ci --no-audit --no-fund --loglevel=error

$(EDITORS_DIR)/build/.stamp: $(EDITORS_DIR)/node_modules/.package-lock.json $(EDITOR_SOURCES)
	cd $(EDITORS_DIR) && node build.mjs
	@touch $@

e2e-deps: $(EDITORS_DIR)/build/.stamp
