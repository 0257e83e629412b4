#!/usr/bin/env bash
# Installs the Debian 12 packages Atena builds and runs with; with --test, also
# what its tests use. Used by the README's two commands (start.sh without,
# test.sh with --test) and so by .ci/run. Needs root (or sudo).
#   --list  print the package names, one a line, and install nothing (every
#           package a bare machine would get; tests/lint/deps.sh checks the
#           build's needs against it)
# Every package is named here, none left to Recommends: apt runs with
# --no-install-recommends, so a fresh machine gets exactly this list and its
# dependencies (scripts/fresh-root-test.sh proves it in a new Debian 12 root).
set -euo pipefail
test=0 list=0
for a in "$@"; do
  case $a in
  --test) test=1 ;;
  --list) list=1 ;;
  *) echo "install-deps.sh: unknown option '$a' (--test, --list)" >&2; exit 2 ;;
  esac
done
pkgs=(
  build-essential cmake pkg-config clang        # toolchain (gcc and clang both build -Werror clean)
  libsqlite3-dev sqlite3                         # store (embedded default)
  libsodium-dev                                  # AEAD, Argon2id, BLAKE2b, Ed25519
  liboath-dev                                    # TOTP one-time codes (RFC 6238, SHA-1/256/512)
  libmicrohttpd-dev                              # HTTP server
  libjansson-dev                                 # JSON
  libicu-dev                                     # kana / width normalisation of search keys
  libcairo2-dev libpango1.0-dev fonts-ipaexfont  # PDF certificates and notices, Japanese fonts
)
if [ "$test" = 1 ]; then
  pkgs+=(
    libclang-rt-14-dev                           # clang's ASan/UBSan and libFuzzer runtimes (only a Recommends of clang)
    libcurl4-openssl-dev                         # test_server drives the real server with libcurl
    poppler-utils                                # tests read the PDFs back (pdftotext)
    curl jq oathtool                             # end-to-end tests: HTTP client, JSON, independent TOTP
    chromium                                     # browser test of the web UI (tests/browser)
  )
  # The browser test runs on node + npm: Debian's, unless a node is already installed.
  { [ "$list" = 1 ] || ! command -v node >/dev/null 2>&1; } && pkgs+=(nodejs)
  { [ "$list" = 1 ] || ! command -v npm >/dev/null 2>&1; } && pkgs+=(npm)
fi
if [ "$list" = 1 ]; then printf '%s\n' "${pkgs[@]}"; exit 0; fi
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
