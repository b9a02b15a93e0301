#!/usr/bin/env bash
# Installs the core from BUILD_DIR into a temporary prefix and builds and runs a plain C program
# that uses it through find_package(avlens) (tests/install/consumer). Run by CTest.
#   tests/install/install_test.sh BUILD_DIR
set -euo pipefail
BUILD_DIR="$1"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cmake --install "$BUILD_DIR" --prefix "$WORK/prefix" >/dev/null
test -f "$WORK/prefix/include/avlens/avlens.h"
test -f "$WORK/prefix/include/avlens/version.h"
cmake -S "$HERE/consumer" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$WORK/prefix" >/dev/null
cmake --build "$WORK/build" >/dev/null
"$WORK/build/avlens_consumer"
