#!/usr/bin/env bash
# One-shot, idempotent set-up on Debian 12: system packages, npm packages, native build.
# Safe to re-run: each step is skipped when already satisfied.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev libswscale-dev ffmpeg
  libdlib-dev libopenblas0-pthread libopenblas-dev liblapack-dev
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libstb-dev zlib1g-dev
  libtorch-dev libgloo-dev python3-torch python3-onnx python3-numpy
  clang-14 libclang-rt-14-dev
  espeak-ng sox
  emscripten
  chromium
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js: the machine's own when it has one (CI images ship Node 20), Debian's otherwise.
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Optimized BLAS for LibTorch/PyTorch (the reference BLAS is ~10x slower for small convs).
if [ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
  $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 >/dev/null || true
  $SUDO update-alternatives --set liblapack.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/liblapack.so.3 >/dev/null || true
fi

# npm packages from the committed lock file (offline-capable installs once cached).
if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "[setup] npm ci"
    ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
  fi
fi

# Native build (Release) of the core, the CLI and the tests.
BUILD_DIR="${AVLENS_BUILD_DIR:-$ROOT/build}"
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"

# The same core in WebAssembly (FFmpeg and dlib for wasm from Debian's sources; cached).
"$ROOT/wasm/build.sh" "${AVLENS_WASM_DIR:-$ROOT/build-wasm}"

# The web page (build-web/) and the browser extension (build-extension/) on the bundled model.
node "$ROOT/web/build.mjs" >/dev/null
node "$ROOT/web/extension/build.mjs" >/dev/null
echo "[setup] done: native build in $BUILD_DIR, wasm core in build-wasm/, page in build-web/, extension in build-extension/"
