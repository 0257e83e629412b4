#!/usr/bin/env bash
# Installs the Debian 12 packages Atena builds and runs with; with --test, also
# what its tests use. Used by the README's two commands (start.sh without,
# test.sh with --test) and so by .ci/run. Needs root (or sudo).
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config clang        # toolchain (gcc and clang both build -Werror clean)
  libsqlite3-dev sqlite3                         # store (embedded default)
  libsodium-dev                                  # AEAD, Argon2id, BLAKE2b, Ed25519
  libmicrohttpd-dev                              # HTTP server
  libjansson-dev                                 # JSON
  libicu-dev                                     # kana / width normalisation of search keys
  libcairo2-dev libpango1.0-dev fonts-ipaexfont  # PDF certificates and notices, Japanese fonts
)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(
    libclang-rt-14-dev                           # clang's ASan/UBSan runtime (only a Recommends of clang)
    libcurl4-openssl-dev                         # test_server drives the real server with libcurl
    poppler-utils                                # tests read the PDFs back (pdftotext)
    curl jq oathtool                             # end-to-end tests: HTTP client, JSON, independent TOTP
    chromium                                     # browser test of the web UI (tests/browser)
  )
  # The browser test runs on node + npm: Debian's, unless a node is already installed.
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
