#!/usr/bin/env bash
# browser.counter (ctest): the counter web UI end to end in Debian's chromium,
# driven by playwright-core (pinned in package.json, locked in
# package-lock.json). A missing node or chromium is a failure, not a skip:
# scripts/install-deps.sh installs both.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${ATENA_BIN:?set by ctest}"
export ATENA_TEST_TMP=${ATENA_TEST_TMP:-/tmp}
export ATENA_CHROMIUM=${ATENA_CHROMIUM:-/usr/bin/chromium}

fail() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
command -v node >/dev/null || fail "node is not installed (bash scripts/install-deps.sh)"
command -v npm >/dev/null || fail "npm is not installed (bash scripts/install-deps.sh)"
[ -x "$ATENA_CHROMIUM" ] || fail "$ATENA_CHROMIUM is not installed (bash scripts/install-deps.sh)"

# playwright-core from the lock file; npm ci again only when the lock changed.
want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
stamp=$here/node_modules/.atena-lock-sha256
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci could not install playwright-core"
	echo "$want" >"$stamp"
fi
exec node "$here/t-counter.mjs"
