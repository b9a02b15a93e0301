#!/usr/bin/env bash
# Does all set-up (scripts/setup.sh) and runs every test: the native suites (CTest: core, model,
# trainer, synthetic data, exporter), a short fuzzing run of every reader of outside input, the wasm core's
# node tests, the exported model's parity with LibTorch, and the web page's and the browser
# extension's Playwright tests. Exits non-zero when anything fails.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/setup.sh"

BUILD="${AVLENS_BUILD_DIR:-$ROOT/build}"
failed=()

echo "== native tests (ctest)"
ctest --test-dir "$BUILD" -j"$(nproc)" --output-on-failure --timeout 900 || failed+=("ctest")

echo "== fuzzing every reader of outside input (short run: media, ONNX metadata, push API, dataset lists, checkpoints)"
if out="$("$ROOT/scripts/fuzz.sh" "${AVLENS_FUZZ_SECONDS:-48}" 2>&1)"; then
  echo "$out" | grep -E "^(==|Done|stat::number_of_executed_units)" || true
else
  echo "$out" | tail -40
  failed+=("fuzz")
fi

if [ -d "$ROOT/tests/wasm" ] && ls "$ROOT"/tests/wasm/*.test.mjs >/dev/null 2>&1; then
  echo "== wasm core tests (node --test)"
  node --test --test-concurrency=1 "$ROOT"/tests/wasm/*.test.mjs || failed+=("wasm")
fi

echo "== the model-making scripts' own logic (the model card's AUC intervals and verdict gate)"
node --test --test-concurrency=1 "$ROOT"/tests/scripts/*.test.mjs || failed+=("scripts")

echo "== avlens scan on the bundled model vs the page's pipeline (wasm core + ONNX Runtime)"
node --test --test-concurrency=1 "$ROOT"/tests/cli/*.test.mjs || failed+=("cli")

echo "== GPU check, CPU mode (bench/gpu/run.sh on this build: tiny preset, SwiftShader WebGPU)"
node --test --test-concurrency=1 "$ROOT"/tests/bench/*.test.mjs || failed+=("bench")

echo "== exported model vs LibTorch (ONNX Runtime WASM and CPU backends)"
node --test --test-concurrency=1 "$ROOT"/tests/export/*.test.mjs || failed+=("export")

if [ -d "$ROOT/tests/web" ] && ls "$ROOT"/tests/web/*.test.mjs >/dev/null 2>&1; then
  echo "== web page tests (Playwright + Chromium)"
  npm run --silent test:web || failed+=("web")
fi

echo "== browser extension tests (Playwright + Chromium)"
node --test --test-concurrency=1 "$ROOT"/tests/extension/*.test.mjs || failed+=("extension")

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all test suites passed"
