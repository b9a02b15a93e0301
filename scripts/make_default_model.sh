#!/usr/bin/env bash
# The bundled default model (web/model/avlens.onnx, docs/MODEL_CARD.md): the `tiny` geometry trained
# on the public real-video corpus (docs/CORPUS.md) with the paper's pseudo-fakes and mismatch fakes
# (another person's voice, the voice shifted; docs/METHOD.md §3), people split by group and some
# generators held out of training; evaluated on the held-out people: real vs another person's voice,
# vs the voice shifted 0.2 / 0.4 / 0.6 s, and vs each generator's fakes.
#   scripts/make_default_model.sh [WORK_DIR]        (default: build/default-model)
# Resumable: a re-run skips what is done, keeps the split it wrote to WORK_DIR/lists (even when the
# corpus has grown), and training continues from its last checkpoint (EPOCHS is the total), so a long
# run can span sessions.
# Environment: CORPUS (media folder, default /work/corpus-media; scripts/corpus.sh fills it),
# HOLDOUT_KINDS (generators kept out of training, comma-separated), EPOCHS (30), SEED (1),
# OUT (default web/model/avlens.onnx), TRAIN_ARGS (more `avlens train` flags), CHECKPOINT (last:
# the run's last epoch, chosen in advance because the corpus leaves too few validation videos for
# best-by-validation to mean much; best_val_auc to use that instead).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AVLENS="${AVLENS_BIN:-$ROOT/build/bin/avlens}"
WORK="$(mkdir -p "${1:-$ROOT/build/default-model}" && cd "${1:-$ROOT/build/default-model}" && pwd)"
CORPUS="${CORPUS:-/work/corpus-media}"
HOLDOUT_KINDS="${HOLDOUT_KINDS:?set HOLDOUT_KINDS to the generators to keep out of training (docs/CORPUS.md lists them)}"
EPOCHS="${EPOCHS:-30}"
SEED="${SEED:-1}"
CHECKPOINT="run/${CHECKPOINT:-last}.pt"
OUT="${OUT:-$ROOT/web/model/avlens.onnx}"
start=$(date +%s)
cd "$WORK"
. "$ROOT/scripts/model_steps.sh"

rebuild_corpus "$CORPUS"

if [ -f lists/train.csv ] && [ -f lists/test.csv ]; then
  # A resumed run keeps its split even when the corpus has grown since: a person the checkpoint has
  # trained on must never move to the held-out side.
  echo "== keeping the split in $WORK/lists; the training cache"
  "$AVLENS" prep lists/train.csv --out cache --preset tiny
else
  echo "== split by person, generators $HOLDOUT_KINDS held out; the training cache"
  "$AVLENS" prep "$CORPUS/labels.csv" --protocol groups --seed "$SEED" --test-fraction 0.25 \
    --holdout-kinds "$HOLDOUT_KINDS" --lists-out lists --out cache --preset tiny
fi

echo "== held-out test sets from the held-out real clips"
node "$ROOT/scripts/make_mismatch_tests.mjs" lists/test.csv tests
"$AVLENS" prep tests/all.csv --out cache-tests --preset tiny

echo "== training ($EPOCHS epochs in all; resumes)"
"$AVLENS" train --data cache --data_list lists/train.csv --out run --recipe reference --epochs "$EPOCHS" \
  --balance_classes true \
  --batch 8 --attention false --pseudo_fakes true --mismatch_probability 0.5 --seed "$SEED" --progress false \
  --resume ${TRAIN_ARGS:-}

echo "== evaluation on each held-out set"
evaluate_test_sets "$CHECKPOINT"
card_and_export "$CHECKPOINT" "$ROOT/scripts/default_model_card.json" lists/train.csv "$OUT" \
  "public real talking-face corpus (docs/CORPUS.md), training split by person; pseudo-fakes and mismatch fakes"
echo "default model made in $(( $(date +%s) - start )) s: $OUT; card: $WORK/card.json"
