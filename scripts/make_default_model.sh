#!/usr/bin/env bash
# Reproduces the bundled default model (web/model/avlens.onnx) from scratch: synthetic data
# (avlens synth), window caches (avlens prep), training with pseudo-fakes (avlens train),
# evaluation in-domain and cross-domain (avlens eval), export (avlens export).
#   scripts/make_default_model.sh [WORK_DIR]     (default: build/default-model)
# Sizes can be overridden: TRAIN_CLIPS, TEST_CLIPS, EPOCHS, PRESET.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AVLENS="${AVLENS_BIN:-$ROOT/build/bin/avlens}"
WORK="${1:-$ROOT/build/default-model}"
TRAIN_CLIPS="${TRAIN_CLIPS:-320}"
TEST_CLIPS="${TEST_CLIPS:-100}"
EPOCHS="${EPOCHS:-12}"
PRESET="${PRESET:-tiny}"
mkdir -p "$WORK"
cd "$WORK"
start=$(date +%s)

"$AVLENS" synth --out synthA-train --count "$TRAIN_CLIPS" --domain A --seed 1
"$AVLENS" synth --out synthA-test --count "$TEST_CLIPS" --domain A --seed 2
"$AVLENS" synth --out synthB-test --count "$TEST_CLIPS" --domain B --seed 3
for set in synthA-train synthA-test synthB-test; do
  "$AVLENS" prep "$set/labels.csv" --out "cache-$set" --preset "$PRESET"
done

"$AVLENS" train --data cache-synthA-train --out run --preset paper --epochs "$EPOCHS" --batch 8 \
  --pseudo_fakes true --attention true --seed 1 --progress false ${TRAIN_ARGS:-}
for set in synthA-test synthB-test; do
  "$AVLENS" eval --checkpoint run/best_val_auc.pt --data "cache-$set" --out "eval-$set"
done

"$AVLENS" export run/best_val_auc.pt --out "$ROOT/web/model/avlens.onnx" --name "avlens-synthetic-$PRESET" \
  --training-data "avlens synth domain A, $TRAIN_CLIPS clips of 4 s (seed 1), pseudo-fakes on"
echo "default model made in $(( $(date +%s) - start )) s; metrics: $WORK/eval-*/metrics.json"
