#!/usr/bin/env bash
# Two builds of the core side by side on the benchmark clip of bench/run_core_bench.sh: native
# (bench_core_windows --memory) and wasm in Node (bench/wasm/node_child.mjs), each pinned to CPU 0,
# runs interleaved old/new so that both see the same machine load. Prints one JSON line per run.
#   [PRESET=paper] bench/run_core_compare.sh OLD_NATIVE_BUILD NEW_NATIVE_BUILD OLD_WASM_DIR NEW_WASM_DIR [ROUNDS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OLD_NATIVE="$1" NEW_NATIVE="$2" OLD_WASM="$3" NEW_WASM="$4" ROUNDS="${5:-2}" PRESET="${PRESET:-paper}"
CLIP="$NEW_NATIVE/bench-data/face_720p_60s.mp4"
[ -f "$CLIP" ] || AVLENS_BUILD_DIR="$NEW_NATIVE" "$ROOT/bench/run_core_bench.sh" >/dev/null
echo "preset $PRESET; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for side in old new; do
    if [ "$side" = old ]; then native="$OLD_NATIVE" wasm="$OLD_WASM"; else native="$NEW_NATIVE" wasm="$NEW_WASM"; fi
    echo "{\"round\": $round, \"build\": \"$side\", \"runtime\": \"native\", \"result\": $(taskset -c 0 "$native/bin/bench_core_windows" "$CLIP" --preset "$PRESET" --memory)}"
    echo "{\"round\": $round, \"build\": \"$side\", \"runtime\": \"wasm-node\", \"result\": $(taskset -c 0 node "$ROOT/bench/wasm/node_child.mjs" "$CLIP" "$wasm" false "$PRESET")}"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
