#!/usr/bin/env bash
# README command 2: install what Atena needs, then build and run the whole
# test suite twice: with gcc, and with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer (which also runs each libFuzzer harness for a few
# seconds, tests/fuzz). Both builds use -Wall -Wextra -Werror.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
jobs=$(nproc)
status=0

run_suite() {   # name, cc, extra cmake flags...
	local name=$1 cc=$2; shift 2
	echo "== $name: configure and build"
	CC=$cc cmake -S . -B "build/$name" -DCMAKE_BUILD_TYPE=Debug -DATENA_TEST_CLOCK=ON "$@" >/dev/null
	cmake --build "build/$name" -j"$jobs" 2>&1 | grep -vE '^\[ *[0-9]+%\]' || true
	test -x "build/$name/atena" || { echo "build $name failed"; return 1; }
	echo "== $name: test"
	(cd "build/$name" && ctest --output-on-failure -j"$jobs")
}

# start.sh builds Release; -O3 brings warnings of its own, so build it too.
echo "== release: build (as scripts/start.sh does)"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$jobs" 2>&1 | grep -vE '^\[ *[0-9]+%\]' || true
test -x build/release/atena || { echo "release build failed"; status=1; }

run_suite gcc gcc || status=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0 \
	run_suite clang-sanitize clang -DATENA_SANITIZE=ON -DATENA_FUZZ=ON || status=1
exit $status
