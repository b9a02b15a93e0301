#!/usr/bin/env bash
# Reproduces the synthetic-faces model (the default before the real-face models; docs/MODEL_CARD.md) from scratch:
# synthetic data (avlens synth), window caches (avlens prep), training (avlens train), evaluation
# in-domain and cross-domain (avlens eval), export (avlens export).
#   scripts/make_synthetic_model.sh [WORK_DIR]     (default: build/synthetic-model)
# Sizes can be overridden: TRAIN_CLIPS (320), EXTRA_CLIPS (1000), TEST_CLIPS (100), EPOCHS (9), PRESET (tiny).
# The variant is the best of docs/SYNTH_STUDY.md: pseudo-fakes on, attention off.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AVLENS="${AVLENS_BIN:-$ROOT/build/bin/avlens}"
WORK="${1:-$ROOT/build/synthetic-model}"
OUT="${OUT:-$WORK/avlens-synthetic.onnx}"
export TRAIN_CLIPS="${TRAIN_CLIPS:-320}" TEST_CLIPS="${TEST_CLIPS:-100}" PRESET="${PRESET:-tiny}"
EXTRA_CLIPS="${EXTRA_CLIPS:-1000}"
EPOCHS="${EPOCHS:-9}"
start=$(date +%s)

"$ROOT/scripts/make_synth_data.sh" "$WORK"   # synthA-train, synthA-test, synthB-test and their caches
cd "$WORK"
# More domain-A training clips (another seed), cached together with synthA-train.
[ -f synthA-extra/labels.csv ] || "$AVLENS" synth --out synthA-extra --count "$EXTRA_CLIPS" --domain A --seed 4
for set in synthA-train synthA-extra; do
  "$AVLENS" prep "$set/labels.csv" --out cache-default-train --preset "$PRESET"
done

"$AVLENS" train --data cache-default-train --out run --recipe reference --epochs "$EPOCHS" --batch 8 \
  --pseudo_fakes true --attention false --seed 1 --progress false ${TRAIN_ARGS:-}
for set in synthA-test synthB-test; do
  "$AVLENS" eval --checkpoint run/best_val_auc.pt --data "cache-$set" --out "eval-$set"
done

"$AVLENS" export run/best_val_auc.pt --out "$OUT" --name "avlens-synthetic-$PRESET" --card "$ROOT/scripts/synthetic_model_card.json" \
  --training-data "avlens synth domain A, $((TRAIN_CLIPS + EXTRA_CLIPS)) clips of 4 s (seeds 1 and 4), pseudo-fakes on, attention off"
echo "synthetic model $OUT made in $(( $(date +%s) - start )) s; metrics: $WORK/eval-*/metrics.json"
