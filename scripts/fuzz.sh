#!/usr/bin/env bash
# Fuzzes every reader of outside input with libFuzzer (clang, ASan + UBSan; docs/RELIABILITY.md §14):
# media_fuzzer (a clip in memory), onnx_metadata_fuzzer, push_api_fuzzer, dataset_csv_fuzzer,
# checkpoint_fuzzer (the safetensors reader of checkpoints and exported weights).
#   scripts/fuzz.sh                     short run (the test suite's): 48 s split over the targets
#   scripts/fuzz.sh 2400                40 minutes split over the targets (10 each)
#   scripts/fuzz.sh 600 push_api_fuzzer one target for 10 minutes
# Crashes land in build-fuzz/crashes/ (the path is printed).
# Reproduce one: build-fuzz/tests/fuzz/TARGET build-fuzz/crashes/TARGET-crash-...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_TO_RUN="${1:-48}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(media_fuzzer onnx_metadata_fuzzer push_api_fuzzer dataset_csv_fuzzer checkpoint_fuzzer)
BUILD="${AVLENS_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
CC=clang-14 CXX=clang++-14 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAVLENS_BUILD_FUZZERS=ON -DAVLENS_BUILD_TRAINER=OFF -DAVLENS_BUILD_TESTS=OFF -DAVLENS_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" --target "${TARGETS[@]}" -j"$(nproc)"

# Seeds (tests/fuzz/make_seeds.sh) are made once in build-fuzz/seeds (again when a target's folder is
# missing, e.g. after a new target). A short run (under 5 minutes,
# the test suite's) starts from the seeds alone, so its time does not grow with past runs; a longer
# one also loads and grows build-fuzz/corpus/TARGET.
SEEDS="$BUILD/seeds"
missing_seeds=0
for target in media_fuzzer onnx_metadata_fuzzer push_api_fuzzer dataset_csv_fuzzer checkpoint_fuzzer; do
  [ -d "$SEEDS/${target%_fuzzer}" ] || missing_seeds=1
done
if [ "$missing_seeds" = 1 ]; then
  rm -rf "$SEEDS.new"
  "$ROOT/tests/fuzz/make_seeds.sh" "$SEEDS.new"
  rm -rf "$SEEDS"
  mv "$SEEDS.new" "$SEEDS"
fi
mkdir -p "$BUILD/crashes"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
PER_TARGET=$(( SECONDS_TO_RUN / ${#TARGETS[@]} ))
[ "$PER_TARGET" -ge 1 ] || PER_TARGET=1
failed=()
for target in "${TARGETS[@]}"; do
  echo "== $target ($PER_TARGET s)"
  name="${target%_fuzzer}"
  if [ "$SECONDS_TO_RUN" -lt 300 ]; then corpus="$SCRATCH/$name"; else corpus="$BUILD/corpus/$name"; fi
  mkdir -p "$corpus"
  if ! ASAN_OPTIONS=detect_leaks=1 "$BUILD/tests/fuzz/$target" "$corpus" "$SEEDS/$name" -max_len=65536 -timeout=300 \
      -rss_limit_mb=2048 -max_total_time="$PER_TARGET" -artifact_prefix="$BUILD/crashes/$target-" \
      -print_final_stats=1 >"$BUILD/$target.log" 2>&1; then
    failed+=("$target")
  fi
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY|Test unit written" "$BUILD/$target.log" || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]} (logs: $BUILD/TARGET.log)"
  for t in "${failed[@]}"; do tail -40 "$BUILD/$t.log"; done
  exit 1
fi
