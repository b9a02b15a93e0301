#!/usr/bin/env bash
# Runs HERE (Debian 12, network): builds the small self-contained prefix that the GPU machine
# lacks, for bench/gpu/run.sh to build the trainer there against that machine's LibTorch.
#
#   bench/gpu/prepare.sh [--dry-run] [PREFIX]        (default PREFIX: build-gpu-deps)
#
# PREFIX then holds, found through CMAKE_PREFIX_PATH / PKG_CONFIG_PATH (run.sh sets both):
#   FFmpeg   static, x86-64, the same Debian source, version and decoder/demuxer selection as the
#            wasm build (wasm/debian_sources.sh), no external libraries   lib/pkgconfig/libav*.pc
#   dlib     static, from Debian's source package (the version libdlib-dev is), portable settings:
#            no GUI, BLAS, LAPACK, image codecs or CUDA; SSE2 as Debian's build   lib/cmake/dlib
#   nlohmann-json and stb   Debian's headers                     share/cmake/nlohmann_json, stb.pc
#   GoogleTest + GMock      static, from Debian's /usr/src/googletest         lib/cmake/GTest
# Sources and build trees stay in PREFIX-src; what travels is build-gpu-carry/gpu-deps.tar.xz. --dry-run prints the plan and checks
# the prerequisites without building. The prefix plus the working tree must stay under the device
# tool's 64 MiB (checked at the end).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DRY_RUN=0
PREFIX_ARG=""
for a in "$@"; do
  case "$a" in
    --dry-run) DRY_RUN=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "prepare.sh: unknown option $a (--dry-run, --help)" >&2; exit 2 ;;
    *) [ -z "$PREFIX_ARG" ] || { echo "prepare.sh: one PREFIX only" >&2; exit 2; }; PREFIX_ARG="$a" ;;
  esac
done
PREFIX="${PREFIX_ARG:-$ROOT/build-gpu-deps}"
mkdir -p "$PREFIX"
PREFIX="$(cd "$PREFIX" && pwd)"
WORK="$PREFIX-src"
JOBS="${AVLENS_JOBS:-$(nproc)}"
LIMIT_MIB=64
source "$ROOT/wasm/debian_sources.sh"
log() { echo "[gpu-prepare] $*"; }

missing=()
for tool in cmake ninja cc c++ make pkg-config dpkg-source apt-get; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ -d /usr/src/googletest ] || missing+=("/usr/src/googletest (apt install googletest)")
[ -d /usr/include/nlohmann ] || missing+=("/usr/include/nlohmann (apt install nlohmann-json3-dev)")
[ -f /usr/include/stb/stb_image.h ] || missing+=("/usr/include/stb (apt install libstb-dev)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "[gpu-prepare] missing here: ${missing[*]}" >&2
  exit 1
fi
check_native_ffmpeg_version

mapfile -t COMMON_FLAGS < <(ffmpeg_common_configure_flags)
FFMPEG_FLAGS=(
  "${COMMON_FLAGS[@]}"
  --enable-pic --disable-x86asm   # no nasm needed; decoding is not what the GPU check measures
  --optflags=-O2
)
log "prefix $PREFIX (sources and builds in $WORK)"
log "FFmpeg $FFMPEG_DEB_VERSION static: ${FFMPEG_DECODERS[*]}"
log "dlib $DLIB_DEB_VERSION static; nlohmann-json, stb headers; GoogleTest static"
if [ "$DRY_RUN" = 1 ]; then
  log "dry run: nothing built"
  exit 0
fi
mkdir -p "$WORK"

# Sources: reuse a wasm build's verified downloads when there is one (no second download);
# fetch_debian_source.sh verifies them again against the pins either way.
seed_download() {  # NAME
  local from="$ROOT/build-wasm/deps/$1/download"
  if [ -d "$from" ] && [ ! -d "$WORK/$1/download" ]; then
    mkdir -p "$WORK/$1" && cp -a "$from" "$WORK/$1/"
  fi
}
seed_download ffmpeg
seed_download dlib
"$ROOT/wasm/fetch_debian_source.sh" ffmpeg "$FFMPEG_DEB_VERSION" "$WORK/ffmpeg" "$FFMPEG_DSC_SHA256"
"$ROOT/wasm/fetch_debian_source.sh" dlib "$DLIB_DEB_VERSION" "$WORK/dlib" "$DLIB_DSC_SHA256"

# dlib -----------------------------------------------------------------------------------------
# Debian's rules pass SOVERSION (dlib's CMakeLists.txt needs it even for a static library).
DLIB_SOVERSION="${DLIB_DEB_VERSION%%+*}.0"
if [ ! -f "$PREFIX/lib/cmake/dlib/dlibConfig.cmake" ]; then
  log "dlib: build"
  cmake -S "$WORK/dlib/src/dlib" -B "$WORK/dlib/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DDLIB_NO_GUI_SUPPORT=ON -DDLIB_USE_BLAS=OFF -DDLIB_USE_LAPACK=OFF -DDLIB_USE_CUDA=OFF \
    -DDLIB_PNG_SUPPORT=OFF -DDLIB_JPEG_SUPPORT=OFF -DDLIB_GIF_SUPPORT=OFF -DDLIB_WEBP_SUPPORT=OFF \
    -DDLIB_LINK_WITH_SQLITE3=OFF -DDLIB_USE_MKL_FFT=OFF -DDLIB_USE_FFMPEG=OFF \
    -DUSE_SSE2_INSTRUCTIONS=ON -DUSE_SSE4_INSTRUCTIONS=OFF -DUSE_AVX_INSTRUCTIONS=OFF \
    -DSOVERSION="$DLIB_SOVERSION" \
    >"$WORK/dlib-configure.log" 2>&1 || { tail -30 "$WORK/dlib-configure.log" >&2; exit 1; }
  ninja -C "$WORK/dlib/build" -j"$JOBS" install >"$WORK/dlib-build.log" 2>&1 || {
    grep -iE 'error' "$WORK/dlib-build.log" | head -30 >&2; exit 1; }
fi

# GoogleTest -----------------------------------------------------------------------------------
if [ ! -f "$PREFIX/lib/cmake/GTest/GTestConfig.cmake" ]; then
  log "GoogleTest: build"
  cmake -S /usr/src/googletest -B "$WORK/googletest" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    >"$WORK/gtest-configure.log" 2>&1 || { tail -30 "$WORK/gtest-configure.log" >&2; exit 1; }
  ninja -C "$WORK/googletest" -j"$JOBS" install >"$WORK/gtest-build.log" 2>&1 || {
    grep -iE 'error' "$WORK/gtest-build.log" | head -30 >&2; exit 1; }
fi

# Header-only: nlohmann-json (its CMake package finds its headers relative to itself) and stb.
mkdir -p "$PREFIX/include" "$PREFIX/share/cmake" "$PREFIX/lib/pkgconfig"
rm -rf "$PREFIX/include/nlohmann" "$PREFIX/share/cmake/nlohmann_json" "$PREFIX/include/stb"
cp -a /usr/include/nlohmann "$PREFIX/include/"
cp -a /usr/share/cmake/nlohmann_json "$PREFIX/share/cmake/"
cp -a /usr/include/stb "$PREFIX/include/"
cat >"$PREFIX/lib/pkgconfig/stb.pc" <<'EOF'
prefix=${pcfiledir}/../..
includedir=${prefix}/include/stb

Name: stb
Description: single-file public domain libraries for C/C++ (headers, from Debian's libstb-dev)
Version: 0.0
Cflags: -I${includedir}
EOF
# FFmpeg (last: the longest build; the parts above are then ready for a check) -----------------
ffmpeg_id="$(printf '%s\n' "$FFMPEG_DEB_VERSION" "$(cc --version | sed -n 1p)" "${FFMPEG_FLAGS[@]}" | sha256sum | cut -c1-16)"
if [ "$(cat "$PREFIX/.ffmpeg-built" 2>/dev/null)" != "$ffmpeg_id" ]; then
  # Resumable: a build folder configured with the same flags is continued (make is incremental).
  if [ "$(cat "$WORK/ffmpeg/build/.configured" 2>/dev/null)" != "$ffmpeg_id" ]; then
    rm -rf "$WORK/ffmpeg/build" && mkdir -p "$WORK/ffmpeg/build"
    log "FFmpeg: configure ($ffmpeg_id)"
    (cd "$WORK/ffmpeg/build" && "$WORK/ffmpeg/src/configure" --prefix="$PREFIX" "${FFMPEG_FLAGS[@]}" >configure.log 2>&1) || {
      tail -30 "$WORK/ffmpeg/build/configure.log" >&2; exit 1; }
    echo "$ffmpeg_id" >"$WORK/ffmpeg/build/.configured"
  fi
  log "FFmpeg: make -j$JOBS"
  (cd "$WORK/ffmpeg/build" && make -j"$JOBS" >>make.log 2>&1 && make install >install.log 2>&1) || {
    grep -iE 'error' "$WORK/ffmpeg/build/make.log" | head -30 >&2; exit 1; }
  echo "$ffmpeg_id" >"$PREFIX/.ffmpeg-built"
fi

# FFmpeg's .pc files name the absolute install prefix: make them relative, so the prefix works
# wherever it is carried to.
sed -i "s|^prefix=.*|prefix=\${pcfiledir}/../..|" "$PREFIX"/lib/pkgconfig/lib{avformat,avcodec,avutil,swresample,swscale}.pc
rm -rf "$PREFIX/share/ffmpeg" "$PREFIX/share/doc"
strip --strip-debug "$PREFIX"/lib/*.a 2>/dev/null || true

{
  echo "avlens GPU-machine prefix, built $(date -u +%FT%TZ) on $(. /etc/os-release && echo "$PRETTY_NAME"), $(cc --version | sed -n 1p)"
  echo "FFmpeg $FFMPEG_DEB_VERSION (Debian source): configure ${FFMPEG_FLAGS[*]}"
  echo "dlib $DLIB_DEB_VERSION (Debian source), static, SSE2, no GUI/BLAS/LAPACK/image codecs"
  echo "nlohmann-json $(dpkg-query -W -f='${Version}' nlohmann-json3-dev 2>/dev/null), stb $(dpkg-query -W -f='${Version}' libstb-dev 2>/dev/null) (headers)"
  echo "GoogleTest $(dpkg-query -W -f='${Version}' googletest 2>/dev/null), static"
} >"$PREFIX/avlens-gpu-deps.txt"

# What travels: the prefix as one xz tarball (dlib's headers alone are 15 MiB unpacked; run.sh
# unpacks it there) plus the working tree (tracked and untracked-not-ignored files).
CARRY="$ROOT/build-gpu-carry"
mkdir -p "$CARRY"
tar -cf - -C "$PREFIX" . | xz -6 -T"$JOBS" >"$CARRY/gpu-deps.tar.xz.part" && mv "$CARRY/gpu-deps.tar.xz.part" "$CARRY/gpu-deps.tar.xz"
size_kib="$(du -sk "$CARRY" | cut -f1)"
tree_kib="$(git -C "$ROOT" ls-files -z -co --exclude-standard | (cd "$ROOT" && du -ck --files0-from=- 2>/dev/null) | tail -1 | cut -f1)"
log "prefix $(du -sm "$PREFIX" | cut -f1) MiB, as $CARRY/gpu-deps.tar.xz $((size_kib / 1024)) MiB; with the working tree ($((tree_kib / 1024)) MiB): $(((size_kib + tree_kib) / 1024)) MiB of the device tool's ${LIMIT_MIB} MiB"
if [ $((size_kib + tree_kib)) -ge $((LIMIT_MIB * 1024 * 15 / 16)) ]; then
  echo "[gpu-prepare] the tarball and the working tree come near the ${LIMIT_MIB} MiB that can travel: trim the prefix" >&2
  exit 1
fi
log "done: carry $(realpath --relative-to="$ROOT" "$CARRY") and run bench/gpu/run.sh there"
