#!/usr/bin/env bash
# The GPU check (issue 14 item 5): one command, under 8 minutes on the GPU machine, about 2 minutes
# on a CPU machine (CI).
#
#   bench/gpu/run.sh [--mode auto|gpu|cpu]          (auto: gpu when nvidia-smi and torch see a GPU)
#
# GPU mode: builds the trainer, its tests and bench_train_step in build-gpu/ against the LibTorch of
#   python3's torch, with the carried prefix (bench/gpu/prepare.sh, AVLENS_GPU_DEPS, default
#   build-gpu-deps) for FFmpeg, dlib, nlohmann-json, stb and GoogleTest; runs the trainer's tests
#   (CTest labels model, train, export) on the CUDA LibTorch; trains the `paper` preset on generated
#   windows (batch 8 and 32) and reports windows/s; exports the untrained `paper` model and times the
#   forward pass per window with CUDA LibTorch (batch 1 and 8) and ONNX Runtime (WebGPU through
#   Node + the npm package `webgpu` when present, else Python onnxruntime: CUDA EP, else CPU EP).
# CPU mode: the same rows with an existing build (AVLENS_BUILD_DIR, default build/; nothing is
#   built), the `tiny` preset, a few steps, and ONNX Runtime Web's WebGPU EP in headless Chromium
#   (SwiftShader: a correctness path, not a speed figure).
# A missing prerequisite is one row saying what is missing; the script goes on with the rest.
# Prints the summary table last; full logs in build-gpu-check/logs/, and when $OUT is set (the device
# tool) summary.md and gpu-check-logs.tar.gz there.
# Exit status: 0 when every row ran (the CPU mode's SwiftShader row may time out); 1 when the build is
# missing or a step failed or ran out of time.
# Knobs: AVLENS_GPU_CHECK_BUDGET (s, whole run: gpu 450, cpu 240), AVLENS_GPU_CHECK_STEPS (training
# steps: gpu 200, cpu 2), AVLENS_GPU_CHECK_WEBGPU_TIMEOUT (s, cpu: 100).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
MODE=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) MODE="${2:-}"; shift 2 || { echo "run.sh: --mode needs a value" >&2; exit 2; } ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (--mode auto|gpu|cpu)" >&2; exit 2 ;;
  esac
done
case "$MODE" in auto|gpu|cpu) ;; *) echo "run.sh: --mode must be auto, gpu or cpu, not '$MODE'" >&2; exit 2 ;; esac

LOGS="$ROOT/build-gpu-check/logs"
WORK="$ROOT/build-gpu-check/work"
rm -rf "$LOGS"
mkdir -p "$LOGS" "$WORK"
DEPS="$(cd "${AVLENS_GPU_DEPS:-$ROOT/build-gpu-deps}" 2>/dev/null && pwd || echo "${AVLENS_GPU_DEPS:-$ROOT/build-gpu-deps}")"
# python3 with torch (the GPU machine's is its venv's; Debian's is /usr/bin/python3), else python3.
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import torch' 2>/dev/null; then PYTHON="$candidate"; break; fi
  done
  PYTHON="${PYTHON:-python3}"
fi
START=$SECONDS
ROWS=()
FAILED=0
say() { echo "[gpu-check $((SECONDS - START))s] $*"; }
row() {  # NAME VALUE DETAIL
  ROWS+=("| $1 | $2 | $3 |")
  say "$1: $2 ($3)"
}
remaining() { echo $((BUDGET - (SECONDS - START))); }
# run_step NAME LIMIT_S CMD...: output to $LOGS/NAME.log; the limit is cut to what the budget leaves.
run_step() {
  local name="$1" limit="$2"; shift 2
  local left; left="$(remaining)"
  [ "$left" -lt "$limit" ] && limit="$left"
  if [ "$limit" -le 5 ]; then
    say "$name: not run, the ${BUDGET} s budget is spent"
    echo "not run: budget spent" >"$LOGS/$name.log"
    return 124
  fi
  say "$name (limit ${limit} s): $*"
  timeout --kill-after=10 "$limit" "$@" >"$LOGS/$name.log" 2>&1
  local rc=$?
  [ $rc -eq 0 ] || say "$name: exit status $rc (log: $LOGS/$name.log)"
  return $rc
}
why_failed() {  # NAME RC -> short reason
  if [ "$2" -eq 124 ] || [ "$2" -eq 137 ]; then echo "timed out ($(tail -1 "$LOGS/$1.log" 2>/dev/null | cut -c1-80))"
  else echo "failed, exit $2: $(grep -v '^\s*$' "$LOGS/$1.log" | tail -1 | cut -c1-140)"; fi
}
json_field() {  # FILE KEY [LINE_FILTER]: KEY of the last JSON line (containing LINE_FILTER) in FILE
  "$PYTHON" - "$@" <<'EOF'
import json, sys
path, key = sys.argv[1], sys.argv[2]
want = sys.argv[3] if len(sys.argv) > 3 else ""
value = ""
for line in open(path, errors="replace"):
    line = line.strip()
    if line.startswith("{") and want in line:
        try:
            value = json.loads(line).get(key, "")
        except ValueError:
            pass
print(value)
EOF
}

# --- environment ----------------------------------------------------------------------------------
gpu_name=""
if command -v nvidia-smi >/dev/null && gpu_name="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | sed -n 1p)" && [ -n "$gpu_name" ]; then
  row env.gpu "$gpu_name" "nvidia-smi"
else
  gpu_name=""
  row env.gpu none "no nvidia-smi or no GPU"
fi
torch_info=""
if command -v "$PYTHON" >/dev/null; then
  torch_info="$("$PYTHON" -c 'import torch; print(torch.__version__, int(torch.cuda.is_available()), torch.utils.cmake_prefix_path)' 2>/dev/null | tail -1)"
fi
torch_version="" torch_cuda=0 torch_cmake=""
if [ -n "$torch_info" ]; then
  read -r torch_version torch_cuda torch_cmake <<<"$torch_info"
  row env.torch "$torch_version" "$PYTHON; CUDA $([ "$torch_cuda" = 1 ] && echo available || echo 'not available'); LibTorch CMake: $torch_cmake"
else
  row env.torch none "no torch in $PYTHON"
fi
nvcc_bin="$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)"
if [ -n "$nvcc_bin" ]; then
  row env.nvcc "$("$nvcc_bin" --version | grep -o 'release [0-9.]*' | sed -n 1p)" "$nvcc_bin"
else
  row env.nvcc none "no nvcc"
fi
if command -v node >/dev/null; then row env.node "$(node --version)" "$(command -v node)"; else row env.node none "no node on this machine"; fi
CARRIED="$ROOT/build-gpu-carry/gpu-deps.tar.xz"  # what prepare.sh makes to travel
if [ ! -f "$DEPS/avlens-gpu-deps.txt" ] && [ -f "$CARRIED" ]; then
  mkdir -p "$DEPS" && tar -xJf "$CARRIED" -C "$DEPS" && say "unpacked $CARRIED into $DEPS"
fi
if [ -f "$DEPS/avlens-gpu-deps.txt" ]; then
  row env.prefix present "$DEPS ($(du -sm "$DEPS" | cut -f1) MiB; $(grep -c . "$DEPS/avlens-gpu-deps.txt") parts, see avlens-gpu-deps.txt)"
else
  row env.prefix none "$DEPS, or $CARRIED to unpack (bench/gpu/prepare.sh makes it)"
fi

if [ "$MODE" = auto ]; then
  if [ -n "$gpu_name" ] && [ "$torch_cuda" = 1 ]; then MODE=gpu; else MODE=cpu; fi
fi
if [ "$MODE" = gpu ]; then
  BUDGET="${AVLENS_GPU_CHECK_BUDGET:-450}"
  PRESET=paper STEPS="${AVLENS_GPU_CHECK_STEPS:-200}" TRAIN_BATCHES=(8 32) FORWARD_BATCHES=1,8 FORWARD_STEPS=50 DEVICE=cuda
else
  BUDGET="${AVLENS_GPU_CHECK_BUDGET:-240}"
  PRESET=tiny STEPS="${AVLENS_GPU_CHECK_STEPS:-2}" TRAIN_BATCHES=(2) FORWARD_BATCHES=1,2 FORWARD_STEPS=2 DEVICE=cpu
fi
row env.mode "$MODE" "preset $PRESET, device $DEVICE, budget $BUDGET s"

# --- build ----------------------------------------------------------------------------------------
BUILD=""
if [ "$MODE" = cpu ] || [ -n "${AVLENS_BUILD_DIR:-}" ]; then
  BUILD="$(cd "${AVLENS_BUILD_DIR:-$ROOT/build}" 2>/dev/null && pwd || true)"
  if [ -n "$BUILD" ] && [ -x "$BUILD/bin/bench_train_step" ] && [ -x "$BUILD/bin/avlens" ]; then
    row build reused "$BUILD (not rebuilt)"
  else
    row build missing "${AVLENS_BUILD_DIR:-$ROOT/build} has no bin/bench_train_step and bin/avlens (a build with the trainer and benchmarks)"
    BUILD=""; FAILED=1
  fi
else
  missing=()
  [ -n "$torch_cmake" ] || missing+=("python3 torch")
  [ "$torch_cuda" = 1 ] || missing+=("torch with CUDA")
  [ -n "$nvcc_bin" ] || missing+=("nvcc")
  command -v cmake >/dev/null || missing+=("cmake")
  command -v ninja >/dev/null || missing+=("ninja")
  [ -f "$DEPS/avlens-gpu-deps.txt" ] || missing+=("the prefix (bench/gpu/prepare.sh here, then carry build-gpu-carry)")
  if [ ${#missing[@]} -gt 0 ]; then
    row build "not built" "missing: $(printf '%s; ' "${missing[@]}" | sed 's/; $//')"; FAILED=1
  else
    BUILD="$ROOT/build-gpu"
    export PATH="$(dirname "$nvcc_bin"):$PATH" CUDACXX="$nvcc_bin"
    export PKG_CONFIG_PATH="$DEPS/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
    t0=$SECONDS
    # Hopper (compute capability 9.0) only: the CUDA code is LibTorch's; ours is C++ on its API.
    if run_step configure 120 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
         "-DCMAKE_PREFIX_PATH=$torch_cmake;$DEPS" -DAVLENS_BUILD_TRAINER=ON -DAVLENS_BUILD_TESTS=ON \
         -DAVLENS_BUILD_BENCH=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 \
       && grep -q "AVLENS_BUILD_TRAINER:BOOL=ON" "$BUILD/CMakeCache.txt" \
       && ! grep -q "LibTorch not found" "$LOGS/configure.log"; then
      if run_step build 300 ninja -C "$BUILD" -j"$(nproc)" avlens bench_train_step test_model test_train test_export; then
        row build "$((SECONDS - t0)) s" "$BUILD, $(nproc) jobs, LibTorch $torch_version"
      else
        row build FAILED "$(why_failed build $?)"; FAILED=1; BUILD=""
      fi
    else
      reason="$(grep -m1 -iE 'error' "$LOGS/configure.log" | cut -c1-140)"
      if [ -z "$reason" ] && grep -q "LibTorch not found" "$LOGS/configure.log"; then
        # The project looks for LibTorch QUIET: a probe that requires it says why (configure-torch.log).
        run_step configure-torch 60 cmake -S "$ROOT/bench/gpu/torch_probe" -B "$WORK/torch_probe" "-DCMAKE_PREFIX_PATH=$torch_cmake" -DTORCH_CUDA_ARCH_LIST=9.0
        reason="LibTorch not found: $(grep -A3 -m1 -E 'CMake Error' "$LOGS/configure-torch.log" | tr -s ' \n' ' ' | cut -c1-200)"
      fi
      row build FAILED "configure: $reason"; FAILED=1; BUILD=""
    fi
  fi
fi

# --- training and forward on LibTorch -------------------------------------------------------------
if [ -n "$BUILD" ]; then
  for batch in "${TRAIN_BATCHES[@]}"; do
    name="train.b$batch"
    steps=$((STEPS * TRAIN_BATCHES[0] / batch)); [ $steps -ge 20 ] || steps=$((STEPS < 20 ? STEPS : 20))  # same windows per batch size
    if run_step "$name" 150 "$BUILD/bin/bench_train_step" --device "$DEVICE" --preset "$PRESET" --batch "$batch" \
         --steps "$steps" --loader-windows 0 $([ "$MODE" = cpu ] && echo --threads 2); then
      value="$(json_field "$LOGS/$name.log" train_windows_per_second)"
      [ "$(json_field "$LOGS/$name.log" device)" = "$DEVICE" ] || value=""
      if [ -z "$value" ]; then row "$name" FAILED "no result for device $DEVICE in its output (a bench_train_step without --device?)"; FAILED=1; continue; fi
      row "$name" "$value windows/s" \
        "LibTorch $DEVICE, $PRESET, batch $batch, $steps steps, median step $(json_field "$LOGS/$name.log" step_seconds_median) s, generated windows"
    else
      row "$name" FAILED "$(why_failed "$name" $?)"; FAILED=1
    fi
  done
  for batch in ${FORWARD_BATCHES//,/ }; do
    name="forward.libtorch.b$batch"
    if run_step "$name" 90 "$BUILD/bin/bench_train_step" --mode forward --device "$DEVICE" --preset "$PRESET" \
         --batch "$batch" --steps "$FORWARD_STEPS" --loader-windows 0 $([ "$MODE" = cpu ] && echo --threads 2); then
      value="$(json_field "$LOGS/$name.log" ms_per_window)"
      if [ -z "$value" ]; then row "$name" FAILED "no ms_per_window in its output (a bench_train_step without --mode forward?)"; FAILED=1; continue; fi
      row "$name" "$value ms/window" "LibTorch $DEVICE forward (eval, no grad), $PRESET, batch $batch, median of $FORWARD_STEPS"
    else
      row "$name" FAILED "$(why_failed "$name" $?)"; FAILED=1
    fi
  done
else
  row train "not run" "no build"
fi

# --- the exported model under ONNX Runtime --------------------------------------------------------
MODEL="$WORK/untrained-$PRESET.onnx"
rc=1
[ -n "$BUILD" ] && { run_step export 120 "$BUILD/bin/avlens" export --untrained "$PRESET" --out "$MODEL"; rc=$?; }
if [ -n "$BUILD" ] && [ $rc -eq 0 ]; then
  row export "$(($(stat -c %s "$MODEL") / 1048576)) MiB" "avlens export --untrained $PRESET"
  ort_row() {  # NAME LOG DETAIL: one row per batch from ort_bench's JSON lines
    local name="$1" log="$2" skip
    skip="$(json_field "$log" skip)"
    if [ -n "$skip" ]; then row "$name" skipped "$skip"; return; fi
    for batch in ${FORWARD_BATCHES//,/ }; do
      local ms; ms="$(json_field "$log" ms_per_window "\"batch\": $batch,")"
      [ -n "$ms" ] || ms="$(json_field "$log" ms_per_window "\"batch\":$batch,")"
      if [ -n "$ms" ]; then row "$name.b$batch" "$ms ms/window" "$(json_field "$log" runtime), $(json_field "$log" adapter), batch $batch"
      else row "$name.b$batch" FAILED "no batch $batch line in $log"; FAILED=1; fi
    done
  }
  # Native ONNX Runtime: Python's package (CUDA EP when it has one), else onnxruntime-node (CPU).
  runs=3  # a CPU EP on the paper model takes seconds per batch-8 run: only a few
  if [ "$MODE" = gpu ] && "$PYTHON" -c 'import onnxruntime as o, sys; sys.exit("CUDAExecutionProvider" not in o.get_available_providers())' 2>/dev/null; then
    runs=20
  fi
  if "$PYTHON" -c 'import onnxruntime' 2>/dev/null; then
    if run_step forward.ort 120 "$PYTHON" bench/gpu/ort_bench.py --model "$MODEL" --batch "$FORWARD_BATCHES" --runs "$runs"; then
      ort_row forward.ort "$LOGS/forward.ort.log"
    else row forward.ort FAILED "$(why_failed forward.ort $?)"; FAILED=1; fi
  elif command -v node >/dev/null && [ -d "$ROOT/node_modules/onnxruntime-node" ]; then
    if run_step forward.ort 120 node bench/gpu/ort_bench.mjs --model "$MODEL" --backend node-cpu --batch "$FORWARD_BATCHES" --runs "$runs"; then
      ort_row forward.ort "$LOGS/forward.ort.log"
    else row forward.ort FAILED "$(why_failed forward.ort $?)"; FAILED=1; fi
  else
    row forward.ort skipped "neither Python onnxruntime nor onnxruntime-node here"
  fi
  # ONNX Runtime Web's WebGPU EP: Node + Dawn on a GPU machine, headless Chromium (SwiftShader) on a CPU one.
  if ! command -v node >/dev/null; then
    row forward.webgpu skipped "no node on this machine (ONNX Runtime Web's WebGPU EP runs in Node + Dawn or a browser)"
  elif [ ! -d "$ROOT/node_modules/onnxruntime-web" ]; then
    row forward.webgpu skipped "no node_modules/onnxruntime-web (npm ci)"
  elif [ "$MODE" = gpu ]; then
    if run_step forward.webgpu 150 node bench/gpu/ort_bench.mjs --model "$MODEL" --backend node-webgpu --batch "$FORWARD_BATCHES" --runs 20; then
      ort_row forward.webgpu "$LOGS/forward.webgpu.log"
    else row forward.webgpu FAILED "$(why_failed forward.webgpu $?)"; FAILED=1; fi
  else
    limit="${AVLENS_GPU_CHECK_WEBGPU_TIMEOUT:-100}"
    run_step forward.webgpu "$limit" node bench/gpu/ort_bench.mjs --model "$MODEL" --backend chromium-webgpu --batch 1 --runs 1
    rc=$?
    if [ $rc -eq 0 ]; then
      FORWARD_BATCHES=1 ort_row forward.webgpu "$LOGS/forward.webgpu.log"
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
      # SwiftShader emulates the GPU on these cores (docs/BENCHMARKS.md: 14.5 s per tiny window on 2
      # busy cores): on a loaded machine the run may not end in time, which is not a fault.
      row forward.webgpu.b1 "timed out" "SwiftShader (CPU-emulated WebGPU) took over $limit s; AVLENS_GPU_CHECK_WEBGPU_TIMEOUT"
    else
      row forward.webgpu FAILED "$(why_failed forward.webgpu $rc)"; FAILED=1
    fi
  fi
elif [ -n "$BUILD" ]; then
  row export FAILED "$(why_failed export $rc)"; FAILED=1
else
  row export "not run" "no build"
fi

# --- trainer tests (last: the measurements come first within the budget) ---------------------
if [ -n "$BUILD" ]; then
  labels='^(model|train|export)$'
  exclude=()
  if ! command -v ffmpeg >/dev/null; then
    # The tests that make clips with the ffmpeg CLI (tests/support/test_clips.hpp) cannot run here.
    suites="$(grep -l 'test_clips.hpp' tests/model/*.cpp tests/train/*.cpp tests/export/*.cpp 2>/dev/null \
              | xargs -r grep -ohE '^TEST(_F|_P)?\(\w+' | sed -E 's/^TEST(_F|_P)?\(//' | sort -u | paste -sd'|')"
    [ -n "$suites" ] && exclude=(-E "^($suites)\\.")
  fi
  if [ "$MODE" = cpu ]; then
    # CI runs the whole suite (scripts/test.sh); here one quick test of the trainer's binary checks
    # the row (run directly: ctest would write into a build this script only reads).
    run_step tests 60 "$BUILD/tests/test_train" --gtest_filter='DataParallel.BackendIsCheckedBeforeJoining'
    rc=$?
    summary="$(grep -E '^\[  PASSED  \]' "$LOGS/tests.log" | tail -1)"
    note="test_train --gtest_filter=DataParallel.BackendIsCheckedBeforeJoining (CPU mode; CI runs all)"
    if [ $rc -eq 0 ] && [ -n "$summary" ]; then
      row tests "$(grep -oE '[0-9]+ tests?' <<<"$summary") passed" "$note"
    else
      row tests FAILED "$(why_failed tests $rc); $note"; FAILED=1
    fi
  else
    run_step tests 180 ctest --test-dir "$BUILD" -L "$labels" "${exclude[@]}" -j4 --timeout 120 --output-on-failure
    rc=$?
    summary="$(grep -E 'tests passed' "$LOGS/tests.log" | tail -1)"
    note="ctest -L '$labels' on LibTorch $torch_version (CUDA)"
    [ ${#exclude[@]} -gt 0 ] && note="$note; no ffmpeg CLI: the suites that make clips are left out"
    if [ $rc -eq 0 ] && [ -n "$summary" ]; then
      row tests "$(grep -oE '[0-9]+ tests? failed out of [0-9]+' <<<"$summary" | awk '{print $6 - $1 " of " $6 " passed"}')" "$note"
    else
      row tests FAILED "${summary:-$(why_failed tests $rc)}; $note"; FAILED=1
    fi
  fi
else
  row tests "not run" "no build"
fi

# --- summary --------------------------------------------------------------------------------------
{
  echo
  echo "GPU check summary ($MODE mode, $((SECONDS - START)) s, $(date -u +%FT%TZ), $(nproc) cores)"
  echo "| row | value | detail |"
  echo "|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} | tee "$LOGS/summary.md"
if [ -n "${OUT:-}" ]; then  # the device tool brings back at most 8 files from $OUT: two
  mkdir -p "$OUT" && cp "$LOGS/summary.md" "$OUT/" && tar -czf "$OUT/gpu-check-logs.tar.gz" -C "$LOGS" .
fi
exit $FAILED
