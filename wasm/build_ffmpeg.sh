#!/usr/bin/env bash
# Builds FFmpeg for wasm32 with Debian's emcc, from Debian's own source package of the version
# that the native build links (libavcodec-dev), as static libraries:
#   libavformat libavcodec libavutil libswresample libswscale  (no programs, no asm, no threads)
#
#   wasm/build_ffmpeg.sh [BUILD_DIR]      (default: build-wasm)
#
# Result: BUILD_DIR/deps/ffmpeg/install/{include,lib}; BUILD_DIR/deps/ffmpeg/install/avlens-ffmpeg.txt
# lists what it contains. Idempotent: a re-run with the same version and flags returns at once.
#
# Codecs: what people upload (wasm/debian_sources.sh lists them).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$(mkdir -p "${1:-$ROOT/build-wasm}" && cd "${1:-$ROOT/build-wasm}" && pwd)"
DEPS="$BUILD_DIR/deps/ffmpeg"
JOBS="${AVLENS_JOBS:-$(nproc)}"
# Wasm SIMD (AVLENS_WASM_SIMD=1, the default, as in wasm/deps.cmake): lets the compiler vectorise
# FFmpeg's C code. FFmpeg has no hand-written wasm SIMD; its x86 asm stays off.
SIMD="${AVLENS_WASM_SIMD:-1}"

# The pinned Debian source, the codec selection and the configure flags shared with the native
# build of bench/gpu/prepare.sh.
source "$ROOT/wasm/debian_sources.sh"
check_native_ffmpeg_version || { echo "[ffmpeg-wasm] stop" >&2; exit 1; }
mapfile -t COMMON_FLAGS < <(ffmpeg_common_configure_flags)

CONFIGURE_FLAGS=(
  --target-os=none --arch=x86_32 --enable-cross-compile
  --cc=emcc --cxx=em++ --ar=emar --ranlib=emranlib --nm=emnm --dep-cc=emcc
  --disable-asm --disable-inline-asm --disable-x86asm --disable-runtime-cpudetect
  --disable-pthreads --disable-w32threads --disable-os2threads
  "${COMMON_FLAGS[@]}"
  --optflags=-O3
)
if [ "$SIMD" = 1 ]; then CONFIGURE_FLAGS+=(--extra-cflags=-msimd128); fi

export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
# sed, not head: head exits after one line and emcc, still writing, dies of EPIPE (fails under pipefail)
emcc_version="$(emcc --version | sed -n 1p)"
config_id="$(printf '%s\n' "$FFMPEG_DEB_VERSION" "$emcc_version" "${CONFIGURE_FLAGS[@]}" | sha256sum | cut -c1-16)"
stamp="$DEPS/install/.built"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$config_id" ]; then
  echo "[ffmpeg-wasm] up to date: $DEPS/install ($FFMPEG_DEB_VERSION)"
  exit 0
fi

"$ROOT/wasm/fetch_debian_source.sh" ffmpeg "$FFMPEG_DEB_VERSION" "$DEPS" "$FFMPEG_DSC_SHA256"

rm -rf "$DEPS/build" "$DEPS/install"
mkdir -p "$DEPS/build"
cd "$DEPS/build"
echo "[ffmpeg-wasm] configure ($config_id)"
"$DEPS/src/configure" --prefix="$DEPS/install" "${CONFIGURE_FLAGS[@]}" >configure.log 2>&1 || {
  tail -30 configure.log >&2
  tail -30 ffbuild/config.log >&2 || true
  exit 1
}
echo "[ffmpeg-wasm] make -j$JOBS"
make -j"$JOBS" >make.log 2>&1 || { grep -iE 'error' make.log | head -30 >&2; exit 1; }
make install >install.log 2>&1

{
  echo "FFmpeg $FFMPEG_DEB_VERSION (Debian source), $emcc_version"
  echo "configure ${CONFIGURE_FLAGS[*]}"
} >"$DEPS/install/avlens-ffmpeg.txt"
echo "$config_id" >"$stamp"
echo "[ffmpeg-wasm] installed in $DEPS/install"
