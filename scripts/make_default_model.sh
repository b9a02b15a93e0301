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
export TRAIN_CLIPS TEST_CLIPS="${TEST_CLIPS:-100}" PRESET="${PRESET:-tiny}"
EPOCHS="${EPOCHS:-12}"
mkdir -p "$WORK"
cd "$WORK"
start=$(date +%s)

"$ROOT/scripts/make_synth_data.sh" "$WORK"

"$AVLENS" train --data cache-synthA-train --out run --preset paper --epochs "$EPOCHS" --batch 8 \
  --pseudo_fakes true --attention true --seed 1 --progress false ${TRAIN_ARGS:-}
for set in synthA-test synthB-test; do
  "$AVLENS" eval --checkpoint run/best_val_auc.pt --data "cache-$set" --out "eval-$set"
done

"$AVLENS" export run/best_val_auc.pt --out "$ROOT/web/model/avlens.onnx" --name "avlens-synthetic-$PRESET" \
  --training-data "avlens synth domain A, $TRAIN_CLIPS clips of 4 s (seed 1), pseudo-fakes on"
echo "default model made in $(( $(date +%s) - start )) s; metrics: $WORK/eval-*/metrics.json"
