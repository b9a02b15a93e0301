#!/usr/bin/env bash
# The synthetic benchmark's three sets and their window caches, made once and reused:
#   synthA-train (domain A, seed 1), synthA-test (domain A, seed 2), synthB-test (domain B, seed 3)
#   -> WORK/{synthA-train,synthA-test,synthB-test} and WORK/cache-<set> (avlens prep).
#   scripts/make_synth_data.sh WORK     Sizes: TRAIN_CLIPS (320), TEST_CLIPS (100), PRESET (tiny).
# Both scripts/make_default_model.sh and scripts/run_synth_study.sh start here.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AVLENS="${AVLENS_BIN:-$ROOT/build/bin/avlens}"
WORK="${1:?usage: make_synth_data.sh WORK_DIR}"
TRAIN_CLIPS="${TRAIN_CLIPS:-320}"
TEST_CLIPS="${TEST_CLIPS:-100}"
PRESET="${PRESET:-tiny}"
mkdir -p "$WORK"
cd "$WORK"

make_set() {  # NAME DOMAIN COUNT SEED; a finished set (labels.csv written last) is kept
  [ -f "$1/labels.csv" ] || "$AVLENS" synth --out "$1" --count "$3" --domain "$2" --seed "$4"
  "$AVLENS" prep "$1/labels.csv" --out "cache-$1" --preset "$PRESET"  # resumable: done items are skipped
}
make_set synthA-train A "$TRAIN_CLIPS" 1
make_set synthA-test A "$TEST_CLIPS" 2
make_set synthB-test B "$TEST_CLIPS" 3
