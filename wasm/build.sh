#!/usr/bin/env bash
# Builds the wasm core: FFmpeg for wasm (cached), dlib's sources (cached), then the same CMake
# project as the native build under Emscripten.
#
#   wasm/build.sh [BUILD_DIR]     (default: build-wasm)
#
# AVLENS_WASM_SIMD=0 builds without wasm SIMD (for browsers older than Chrome 91 / Safari 16.4).
# Output: BUILD_DIR/avlens_core.js (ES module) and BUILD_DIR/avlens_core.wasm. Idempotent: a re-run
# with nothing changed takes seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${1:-$ROOT/build-wasm}"
mkdir -p "$BUILD_DIR"
BUILD_DIR="$(cd "$BUILD_DIR" && pwd)"
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"  # Debian's emcc needs its node modules

# dlib: the version the native build uses (libdlib-dev), from Debian's source package.
source "$ROOT/wasm/debian_sources.sh"

"$ROOT/wasm/build_ffmpeg.sh" "$BUILD_DIR"
"$ROOT/wasm/fetch_debian_source.sh" dlib "$DLIB_DEB_VERSION" "$BUILD_DIR/deps/dlib" "$DLIB_DSC_SHA256"

generator=()
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
emcmake cmake -S "$ROOT" -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PROJECT_INCLUDE="$ROOT/wasm/deps.cmake" -DAVLENS_WASM_DEPS_DIR="$BUILD_DIR/deps" \
  -DAVLENS_WASM_SIMD="${AVLENS_WASM_SIMD:-1}" >/dev/null
cmake --build "$BUILD_DIR" --target avlens_core_js -j"${AVLENS_JOBS:-$(nproc)}"

wasm="$BUILD_DIR/avlens_core.wasm"
echo "[wasm] $BUILD_DIR/avlens_core.js + avlens_core.wasm ($(stat -c %s "$wasm") bytes, $(gzip -9c "$wasm" | wc -c) gzipped)"
