# Steps that the scripts making a real-face model share (sourced by make_default_model.sh,
# make_realface_model.sh and make_realface2_model.sh, which set ROOT and AVLENS and run inside their
# work folder).

# The window geometry of every cache and of the model (avlens prep --preset): tiny, or mouth (the
# same windows on the lower face); the caller's environment may set it.
PRESET="${PRESET:-tiny}"

# The corpus in $1 from the manifest; missing clips (status 3) are reported and the run goes on.
rebuild_corpus() {
  echo "== the corpus ($1)"
  local status=0
  "$ROOT/scripts/corpus.sh" "$1" || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then exit "$status"; fi
}

# split_lists SPLIT_DIR CORPUS [UNION=LIST,LIST...]: every list of a committed split
# (corpus/splits/NAME/*.csv, paths relative to the corpus) as lists/<list>.csv with CORPUS's absolute
# paths; a UNION argument also writes lists/UNION.csv, the named lists' clips once each.
split_lists() {
  mkdir -p lists
  python3 - "$@" <<'PY'
import csv, glob, os, sys
split, corpus, unions = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3:]
FIELDS = ['path', 'label', 'group', 'kind']
def write(name, rows):
    with open(f'lists/{name}.csv', 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator='\n')
        w.writeheader(); w.writerows(rows)
lists = {}
for file in sorted(glob.glob(os.path.join(split, '*.csv'))):
    rows = list(csv.DictReader(open(file, newline='')))
    for r in rows: r['path'] = os.path.join(corpus, r['path'])
    lists[os.path.basename(file)[:-4]] = rows
    write(os.path.basename(file)[:-4], rows)
for union in unions:
    name, parts = union.split('=', 1)
    write(name, list({r['path']: r for part in parts.split(',') for r in lists[part]}.values()))
PY
}

# The validation people's (lists/validation.csv) shifts and voice swaps, and the test people's
# (lists/test.csv) with the corpus's fakes, made once with ffmpeg, and their window caches.
heldout_caches() {
  node "$ROOT/scripts/make_mismatch_tests.mjs" lists/validation.csv validation --shifts 0.2,0.4
  "$AVLENS" prep validation/all.csv --out cache-validation --preset "$PRESET"
  node "$ROOT/scripts/make_mismatch_tests.mjs" lists/test.csv tests --shifts 0.2,0.4,0.6
  "$AVLENS" prep tests/all.csv --out cache-tests --preset "$PRESET"
}

# The real-face recipe (docs/MODEL_CARD.md, realface-1): every window beside its fake twin, no
# pseudo-fakes, no attention, batch 8, epochs of at most 100 steps, resumable. The caller gives
# --lr, the data, --out and --epochs (an option given twice is refused).
train_with_twins() {
  "$AVLENS" train --recipe paper --batch 8 --attention false --pseudo_fakes false --mismatch_probability 1 \
    --twins true --jitter true --balance_classes true --seed 1 --max_steps_per_epoch 100 \
    --progress false --resume "$@"
}

# CHECKPOINT on every held-out set tests/*.csv (cache-tests): eval/<set>/ and eval/<set>.json.
evaluate_test_sets() {
  mkdir -p eval
  local list set
  for list in tests/*.csv; do
    set="$(basename "$list" .csv)"
    "$AVLENS" eval --checkpoint "$1" --data cache-tests --list "$list" --out "eval/$set" --heatmaps 0 \
      > "eval/$set.json"
    echo "$set: $(cat "eval/$set.json")"
  done
}

# card_and_export CHECKPOINT BASE_CARD TRAIN_LIST OUT TRAINING_DATA: the card from eval/ and the
# held-out people of lists/test.csv, then the ONNX model and its safetensors at OUT.
card_and_export() {
  echo "== model card and export"
  node "$ROOT/scripts/model_card.mjs" --eval eval --base "$2" --out card.json --train-list "$3" --test-list lists/test.csv
  "$AVLENS" export "$1" --out "$4" --name "${MODEL_NAME:-avlens-realface-$PRESET}" --card card.json --training-data "$5"
}

# average_epochs RUN FIRST LAST OUT: the weight average of RUN/epochs/FIRST.pt .. LAST.pt (`avlens
# average`, docs/TRAINER.md), its threshold chosen on the validation people (cache-validation).
average_epochs() {
  local paths=() e
  for ((e = $2; e <= $3; e++)); do paths+=("$1/epochs/$e.pt"); done
  "$AVLENS" average "${paths[@]}" --val-data cache-validation --val-list validation/all.csv --out "$4"
}

# fine_tune_on_split SPLIT INIT [TRAIN OPTIONS...]: the corpus, corpus/splits/SPLIT's lists, the caches
# of its training clips and held-out sets, then train_with_twins from INIT on them into run/, the
# validation people choosing the threshold (realface-2, realface-3).
fine_tune_on_split() {
  local split="$1" init="$2"
  shift 2
  rebuild_corpus "$CORPUS"
  echo "== the split's lists with the corpus's paths"
  split_lists "$ROOT/corpus/splits/$split" "$CORPUS"
  echo "== caches: the training clips, the validation and test sets (fakes made once with ffmpeg)"
  "$AVLENS" prep lists/train.csv --out cache --preset "$PRESET"
  heldout_caches
  echo "== fine-tuning from $init"
  train_with_twins --data cache --data_list lists/train.csv --val_data cache-validation --val_list validation/all.csv \
    --mirror true --init "$init" --out run "$@"
}
