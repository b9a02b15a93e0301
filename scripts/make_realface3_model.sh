#!/usr/bin/env bash
# realface-3 (docs/MODEL_CARD.md): realface-mouth fine-tuned on the split corpus/splits/realface-3 (the
# 96 training people of realface-2, real clips only, every window beside its fake twin), 30 epochs at
# a constant lr 5e-4, each epoch's weights kept; the epoch with the best validation AUC is shipped
# (CHECKPOINT=best_val_auc), and the mean of the weights of epochs 11-30 (`avlens average`, threshold
# chosen on the validation people) is made beside it (CHECKPOINT=average ships that instead). The same
# validation and test people as realface-1.
#   scripts/make_realface3_model.sh [WORK_DIR]        (default: build/realface3-model)
# Resumable: a re-run skips what is done and training continues from its last checkpoint.
# Environment: CORPUS (media folder, default /work/corpus-media), INIT (the model it starts from;
# default realface-mouth as committed in 631bbae, read with git, else made by
# `PRESET=mouth scripts/make_realface_model.sh WORK_DIR/realface-mouth`, about 2 hours), EPOCHS (30),
# AVERAGE_FROM (11), CHECKPOINT (best_val_auc or average), LR (0.0005), OUT (WORK_DIR/avlens.onnx);
# and, for a recipe made from this one (docs/MODEL_CARD.md, "Tried after it"): TRAIN_OPTIONS (more `train`
# options), MODEL_NAME, CARD (the base model card), DESCRIPTION (its training data in the export).
# About an hour on 2 cores from realface-mouth (caches 10 minutes, training 44, evaluation 5).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AVLENS="${AVLENS_BIN:-$ROOT/build/bin/avlens}"
WORK="$(mkdir -p "${1:-$ROOT/build/realface3-model}" && cd "${1:-$ROOT/build/realface3-model}" && pwd)"
CORPUS="${CORPUS:-/work/corpus-media}"
EPOCHS="${EPOCHS:-30}"
AVERAGE_FROM="${AVERAGE_FROM:-11}"
CHECKPOINT="${CHECKPOINT:-best_val_auc}"
OUT="${OUT:-$WORK/avlens.onnx}"
PRESET=mouth
MODEL_NAME="${MODEL_NAME:-avlens-realface-3}"
CARD="${CARD:-$ROOT/scripts/realface3_model_card.json}"
DESCRIPTION="${DESCRIPTION:-public real talking-face corpus (docs/CORPUS.md), split corpus/splits/realface-3; realface-mouth fine-tuned on 96 people}"
read -r -a TRAIN_OPTIONS <<< "${TRAIN_OPTIONS:-}"
start=$(date +%s)
cd "$WORK"
. "$ROOT/scripts/model_steps.sh"

if [ -z "${INIT:-}" ]; then
  INIT="$WORK/realface-mouth/avlens.onnx"
  if [ ! -f "$INIT" ]; then
    mkdir -p realface-mouth
    if git -C "$ROOT" cat-file -e 631bbae:web/model/avlens.safetensors 2>/dev/null; then
      echo "== realface-mouth from the repository's history (631bbae)"
      # Written under temporary names: a half-written avlens.onnx would count as done on a re-run.
      git -C "$ROOT" show 631bbae:web/model/avlens.safetensors > realface-mouth/avlens.safetensors.tmp
      git -C "$ROOT" show 631bbae:web/model/avlens.onnx > realface-mouth/avlens.onnx.tmp
      mv realface-mouth/avlens.safetensors.tmp realface-mouth/avlens.safetensors
      mv realface-mouth/avlens.onnx.tmp realface-mouth/avlens.onnx
    else
      echo "== realface-mouth (not in this clone's history): making it"
      CORPUS="$CORPUS" PRESET=mouth "$ROOT/scripts/make_realface_model.sh" "$WORK/realface-mouth"
    fi
  fi
fi

fine_tune_on_split realface-3 "$INIT" --lr "${LR:-0.0005}" --epochs "$EPOCHS" --keep_epochs true "${TRAIN_OPTIONS[@]}"

echo "== the mean of epochs $AVERAGE_FROM-$EPOCHS, its threshold on the validation people"
average_epochs run "$AVERAGE_FROM" "$EPOCHS" run/average.pt

echo "== evaluation of run/$CHECKPOINT.pt on each held-out set (26 people never trained on)"
evaluate_test_sets "run/$CHECKPOINT.pt"
card_and_export "run/$CHECKPOINT.pt" "$CARD" lists/train.csv "$OUT" "$DESCRIPTION (run/$CHECKPOINT.pt)"
echo "$MODEL_NAME made in $(( $(date +%s) - start )) s: $OUT; card: $WORK/card.json"
