#!/usr/bin/env bash
# The whole test suite, as `make test` runs it: lint, type check, a real OpenSearch node on
# 127.0.0.1 (when Java and Maven are present), then pytest. The node is stopped by its pid.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
NODE_DIR=.cache/opensearch
NODE_PORT=${EMPLOI_TEST_OPENSEARCH_PORT:-9250}

echo "== ruff"; $BIN/ruff check . || exit 1
echo "== mypy"; $BIN/mypy skills_taxonomy indexer matcher webapp tools || exit 1
echo "== mypy (web app tests)"; $BIN/mypy tests/webapp tests/browser || exit 1

# The browser tests drive Debian's Chromium (never a downloaded one). Install it when it is
# missing and this shell may (root with apt-get); otherwise those tests skip, or fail under CI=true.
if ! [ -x "${EMPLOI_CHROMIUM:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing chromium with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
      || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; } \
      || echo "!! chromium could not be installed: browser tests skip (they fail under CI=true)" >&2
  else
    echo "!! chromium missing and not installable here (needs root + apt-get): browser tests" \
         "skip (they fail under CI=true)" >&2
  fi
fi

# The browser tests check every page they visit with axe-core, from the npm registry (into
# .cache/axe, or EMPLOI_AXE_JS); without it those checks skip, or fail under CI=true.
AXE_JS=.cache/axe/node_modules/axe-core/axe.min.js
if [ -z "${EMPLOI_AXE_JS:-}" ] && ! [ -f "$AXE_JS" ]; then
  if command -v npm >/dev/null; then
    echo "== installing axe-core with npm"
    mkdir -p .cache/axe
    npm install --prefix .cache/axe --no-audit --no-fund --silent axe-core@4 >/dev/null \
      || echo "!! axe-core could not be installed: its checks skip (they fail under CI=true)" >&2
  else
    echo "!! npm missing: the axe-core checks skip (they fail under CI=true)" >&2
  fi
fi

stop_node() { $BIN/python tools/opensearch_node.py stop --workdir "$NODE_DIR" >/dev/null 2>&1 || true; }
if [ -z "${EMPLOI_TEST_OPENSEARCH_URL:-}" ]; then
  if command -v java >/dev/null && command -v mvn >/dev/null; then
    echo "== starting OpenSearch on 127.0.0.1:$NODE_PORT"
    trap stop_node EXIT
    if url=$($BIN/python tools/opensearch_node.py start --port "$NODE_PORT" --workdir "$NODE_DIR"); then
      export EMPLOI_TEST_OPENSEARCH_URL="$url"
    else
      echo "!! the OpenSearch node did not start; its tests will fail under CI=true, else skip" >&2
    fi
  else
    echo "!! Java or Maven missing: OpenSearch tests are skipped (they fail under CI=true)" >&2
  fi
fi

# The cluster tests (-m cluster) start and stop their own three nodes from the same build
# (tests/opensearch/conftest.py, `opensearch_cluster`); nothing to start for them here.
echo "== pytest"
$BIN/python -m pytest "$@"
