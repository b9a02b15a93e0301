#!/usr/bin/env bash
# Training step: LibTorch C++ (bench_train_step) vs Debian's PyTorch (train_step_torch.py), same
# network, batch and thread count, alternating runs; plus the loader's windows/s from a cache.
# usage: [THREADS=2] [STEPS=5] [BATCH=8] bench/trainer/run_trainer_bench.sh [PRESET...]   (default: tiny small)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${AVLENS_BUILD_DIR:-$ROOT/build}"
THREADS="${THREADS:-2}"
STEPS="${STEPS:-5}"
BATCH="${BATCH:-8}"
cmake --build "$BUILD" --target bench_train_step >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); threads $THREADS"
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(tiny small)
for preset in "${presets[@]}"; do
  for round in 1 2; do
    "$BUILD/bin/bench_train_step" --preset "$preset" --threads "$THREADS" --steps "$STEPS" --batch "$BATCH"
    /usr/bin/python3 "$ROOT/bench/trainer/train_step_torch.py" --preset "$preset" --threads "$THREADS" --steps "$STEPS" --batch "$BATCH"
  done
done
