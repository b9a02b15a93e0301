#!/usr/bin/env bash
# The paper's Table 1 in miniature on the project's synthetic benchmark (docs/SYNTH_STUDY.md):
# train on domain A with and without pseudo-fakes and attention, score held-out A (in-domain)
# and domain B (cross-domain).
#   scripts/run_synth_study.sh [WORK_DIR]     (default: build/synth-study)
# Sizes: TRAIN_CLIPS (320), TEST_CLIPS (100), EPOCHS (8), PRESET (tiny); RUNS (table1_core; "table1"
# adds the residual row). Interrupted studies continue where they stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AVLENS="${AVLENS_BIN:-$ROOT/build/bin/avlens}"
WORK="${1:-$ROOT/build/synth-study}"
export TRAIN_CLIPS="${TRAIN_CLIPS:-320}" TEST_CLIPS="${TEST_CLIPS:-100}" PRESET="${PRESET:-tiny}"
start=$(date +%s)

"$ROOT/scripts/make_synth_data.sh" "$WORK"
cd "$WORK"
"$AVLENS" ablate --data cache-synthA-train --test A=cache-synthA-test --test B=cache-synthB-test \
  --out study --runs "${RUNS:-table1_core}" --recipe reference --epochs "${EPOCHS:-8}" --seed 1 --progress false
cat study/ablation.md
echo "study done in $(( $(date +%s) - start )) s: $WORK/study/ablation.{md,json}"
