#!/usr/bin/env bash
# realface-2 (docs/MODEL_CARD.md): a mouth-geometry model (default: the bundled one; realface-1 with
# PRESET=tiny INIT=...) fine-tuned on the split corpus/splits/realface-2: the
# 68 training people of realface-1, 28 more (the corpus's sixth pass and the clips realface-1's run
# did not have), and the corpus's generated fakes of every generator but the held-out ones (edtalk,
# dreamtalk, musetalk; the test people's fakes are not used either). Real windows beside their fake
# twins as in realface-1 (docs/TRAINER.md `twins`); a generated fake's twin is a fake again. The same
# validation and test people as realface-1, so the two cards compare.
#   scripts/make_realface2_model.sh [WORK_DIR]        (default: build/realface2-model)
# Resumable: a re-run skips what is done and training continues from its last checkpoint.
# Environment: CORPUS (media folder, default /work/corpus-media), INIT (the model it starts from:
# an exported model or a run's checkpoint; default web/model/avlens.onnx), EPOCHS (8),
# LR (0.0003), CHECKPOINT (best_val_auc, or last), OUT (WORK_DIR/avlens.onnx), PRESET (the geometry of
# INIT: mouth for the bundled model and realface-mouth, tiny for realface-1; another is refused by `train`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AVLENS="${AVLENS_BIN:-$ROOT/build/bin/avlens}"
WORK="$(mkdir -p "${1:-$ROOT/build/realface2-model}" && cd "${1:-$ROOT/build/realface2-model}" && pwd)"
CORPUS="${CORPUS:-/work/corpus-media}"
INIT="$(realpath "${INIT:-$ROOT/web/model/avlens.onnx}")"
CHECKPOINT="${CHECKPOINT:-best_val_auc}"
OUT="${OUT:-$WORK/avlens.onnx}"
PRESET="${PRESET:-mouth}"
start=$(date +%s)
cd "$WORK"
. "$ROOT/scripts/model_steps.sh"

fine_tune_on_split realface-2 "$INIT" --lr "${LR:-0.0003}" --epochs "${EPOCHS:-8}"

echo "== evaluation on each held-out set (26 people never trained on)"
evaluate_test_sets "run/$CHECKPOINT.pt"
card_and_export "run/$CHECKPOINT.pt" "$ROOT/scripts/realface2_model_card.json" lists/train.csv "$OUT" \
  "public real talking-face corpus (docs/CORPUS.md), split corpus/splits/realface-2; realface-1 fine-tuned on more people and the generated fakes of the generators it may see"
echo "realface-2 made in $(( $(date +%s) - start )) s: $OUT; card: $WORK/card.json"
