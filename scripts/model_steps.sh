# Steps that the scripts making a real-face model share (sourced by make_default_model.sh and
# make_realface_model.sh, which set ROOT and AVLENS and run inside their work folder).

# The corpus in $1 from the manifest; missing clips (status 3) are reported and the run goes on.
rebuild_corpus() {
  echo "== the corpus ($1)"
  local status=0
  "$ROOT/scripts/corpus.sh" "$1" || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then exit "$status"; fi
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
  "$AVLENS" export "$1" --out "$4" --name avlens-realface-tiny --card card.json --training-data "$5"
}
