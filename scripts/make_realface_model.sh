#!/usr/bin/env bash
# The realface-1 model (docs/MODEL_CARD.md; the bundled default, web/model/avlens.onnx) in the stages
# that made it:
# the `tiny` geometry (PRESET=mouth: the same windows on the lower face, realface-mouth), real windows
# only after a synthetic pretraining, on the committed split
# corpus/splits/realface-1 (its README says which people are where):
#   0. synthetic faces: the network learns that lips and voice move together (docs/SYNTH.md);
#   1. one real speaker (GRID s1, 39 clips): the same on a real face;
#   2. 43 people, 96 clips;   3. 68 people, 178 clips, with 11 validation people;
# every real window with its fake twin (the voice shifted, or another person's voice; docs/METHOD.md
# §3). Then the held-out test (26 people never trained on), the card, the export.
#   scripts/make_realface_model.sh [WORK_DIR]        (default: build/realface-model)
# Resumable: a re-run skips what is done and each stage continues from its last checkpoint, so the
# run (hours on 2 CPU cores) can span sessions. A stage starts from the previous stage's last.pt.
# Environment: CORPUS (media folder, default /work/corpus-media; scripts/corpus.sh fills it),
# EPOCHS_SYNTH (15), EPOCHS_ONE (53), EPOCHS_PEOPLE (26), EPOCHS_MORE (8): each stage's total
# epochs of at most 100 steps; CHECKPOINT (best_val_auc: stage 3's best epoch on the validation
# people, whose threshold the model keeps; last for its last epoch), OUT (WORK_DIR/avlens.onnx),
# PRESET (tiny, or mouth), CARD (the card's text: scripts/realface_model_card.json, or with PRESET=mouth
# scripts/realface_mouth_model_card.json).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AVLENS="${AVLENS_BIN:-$ROOT/build/bin/avlens}"
WORK="$(mkdir -p "${1:-$ROOT/build/realface-model}" && cd "${1:-$ROOT/build/realface-model}" && pwd)"
CORPUS="${CORPUS:-/work/corpus-media}"
SPLIT="$ROOT/corpus/splits/realface-1"
CHECKPOINT="${CHECKPOINT:-best_val_auc}"
OUT="${OUT:-$WORK/avlens.onnx}"
PRESET="${PRESET:-tiny}"
CARD="${CARD:-$ROOT/scripts/$( [ "$PRESET" = tiny ] && echo realface || echo "realface_$PRESET")_model_card.json}"
start=$(date +%s)
cd "$WORK"
. "$ROOT/scripts/model_steps.sh"

rebuild_corpus "$CORPUS"

# lists/training.csv: every training clip once (one cache; each stage picks its clips with --data_list).
echo "== the split's lists with the corpus's paths"
split_lists "$SPLIT" "$CORPUS" training=one-speaker,people,more-people

echo "== caches: the training clips, the validation and test sets (fakes made once with ffmpeg)"
"$AVLENS" prep lists/training.csv --out cache --preset "$PRESET"
heldout_caches

# Every stage: real windows with their fake twins, no pseudo-fakes, no attention, lr 1e-3.
train() { train_with_twins --lr 0.001 "$@"; }
echo "== stage 0: synthetic faces"
mix=real=0.5,desync=0.25,audio_swap=0.25
[ -f synth/labels.csv ] || "$AVLENS" synth --out synth --count 480 --domain A --seed 11 --mix "$mix"
"$AVLENS" prep synth/labels.csv --out cache-synth --preset "$PRESET" --detect-every 15
train --data cache-synth --out run-synth --epochs "${EPOCHS_SYNTH:-15}"
echo "== stage 1: one real speaker"
train --data cache --data_list lists/one-speaker.csv --val_fraction 0 --mirror true \
  --init run-synth/last.pt --out run-one-speaker --epochs "${EPOCHS_ONE:-53}"
echo "== stage 2: 43 people"
train --data cache --data_list lists/people.csv --val_fraction 0 --mirror true \
  --init run-one-speaker/last.pt --out run-people --epochs "${EPOCHS_PEOPLE:-26}"
echo "== stage 3: 68 people, 11 validation people"
train --data cache --data_list lists/more-people.csv --val_data cache-validation --val_list validation/all.csv \
  --mirror true --init run-people/last.pt --out run-more-people --epochs "${EPOCHS_MORE:-8}"

echo "== evaluation on each held-out set (26 people never trained on)"
evaluate_test_sets "run-more-people/$CHECKPOINT.pt"
card_and_export "run-more-people/$CHECKPOINT.pt" "$CARD" lists/more-people.csv "$OUT" \
  "public real talking-face corpus (docs/CORPUS.md), split corpus/splits/realface-1; synthetic pretraining, then real windows with fake twins"
echo "realface model made in $(( $(date +%s) - start )) s: $OUT; card: $WORK/card.json"
