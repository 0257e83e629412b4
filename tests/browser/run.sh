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
# Chromium's SingletonSocket lives under TMPDIR and a Unix socket path has at
# most 108 bytes, so the browser gets a short temp dir of its own, not one
# under the build tree (whose length is the checkout's). Removed on exit.
ATENA_BROWSER_TMP=$(mktemp -d /tmp/atb.XXXXXX) || fail "cannot create a temp dir under /tmp"
export ATENA_BROWSER_TMP
node_pid=
cleanup() {
	[ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
	rm -rf "$ATENA_BROWSER_TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
node "$here/t-counter.mjs" &
node_pid=$!
wait "$node_pid"
rc=$?
node_pid=
exit $rc
