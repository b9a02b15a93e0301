#!/usr/bin/env bash
# Fuzzes the memory-buffer media path with libFuzzer (clang, ASan + UBSan).
#   scripts/fuzz.sh            short run (the test suite's, ~60 s)
#   scripts/fuzz.sh 3600       an hour; crashes land in build-fuzz/crashes/
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_TO_RUN="${1:-60}"
BUILD="$ROOT/build-fuzz"
CC=clang-14 CXX=clang++-14 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAVLENS_BUILD_FUZZERS=ON -DAVLENS_BUILD_TRAINER=OFF -DAVLENS_BUILD_TESTS=OFF -DAVLENS_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" --target media_fuzzer -j"$(nproc)"
# Seed corpus: small valid clips of several containers and codecs, made here.
CORPUS="$BUILD/corpus"
mkdir -p "$CORPUS" "$BUILD/crashes"
if [ -z "$(ls -A "$CORPUS")" ]; then
  seed() { ffmpeg -nostdin -v error -y "$@"; }
  seed -f lavfi -i testsrc2=size=96x64:rate=8 -f lavfi -i sine=frequency=300 -t 1.2 -c:v libx264 -preset ultrafast -c:a aac -pix_fmt yuv420p "$CORPUS/seed.mp4"
  seed -f lavfi -i testsrc2=size=96x64:rate=8 -f lavfi -i sine=frequency=300 -t 1.2 -c:v libvpx -c:a libopus "$CORPUS/seed.webm"
  seed -f lavfi -i testsrc2=size=96x64:rate=8 -f lavfi -i sine=frequency=300 -t 1.2 -c:v mjpeg -c:a pcm_s16le "$CORPUS/seed.avi"
  seed -f lavfi -i sine=frequency=300 -t 0.5 "$CORPUS/seed.wav"
fi
ASAN_OPTIONS=detect_leaks=1 "$BUILD/tests/fuzz/media_fuzzer" "$CORPUS" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
  -max_total_time="$SECONDS_TO_RUN" -artifact_prefix="$BUILD/crashes/" -print_final_stats=1 2>&1 | tail -20
