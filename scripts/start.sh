#!/usr/bin/env bash
# README command 1: install what Atena needs, build it, and start it on the
# embedded default (SQLite) with a demo municipality and demo staff accounts.
#   ATENA_DATA   data directory (default ./atena-data)
#   ATENA_LISTEN address to listen on (default 127.0.0.1:8080)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target atena -j"$(nproc)"
exec ./build/release/atena demo --data "${ATENA_DATA:-./atena-data}" \
	--listen "${ATENA_LISTEN:-127.0.0.1:8080}"
