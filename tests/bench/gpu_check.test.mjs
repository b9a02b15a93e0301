// The GPU check (bench/gpu/run.sh, issue 14 item 5) in its CPU mode, as CI runs it: against the
// existing build (AVLENS_BUILD_DIR, default build/; nothing is rebuilt), the `tiny` preset, a few
// steps. Checks the summary table: the environment rows, and a positive number in every
// measurement row (training windows/s, LibTorch and ONNX Runtime ms per window). The WebGPU row runs
// on headless Chromium's SwiftShader (CPU-emulated, minutes per window on a busy machine): it must
// be a number, a timeout within its limit, or a skip that says why, never a failure.
// Also prepare.sh's argument handling (its real run builds FFmpeg: too slow for CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const build = path.resolve(process.env.AVLENS_BUILD_DIR ?? path.join(root, 'build'));
const missing = ['bin/bench_train_step', 'bin/avlens', 'tests/test_train'].filter((f) => !existsSync(path.join(build, f)));
const skip = missing.length ? `${build} lacks ${missing.join(', ')} (a build with the trainer and benchmarks)` : false;

/** { name: { value, detail } } from the summary table's rows. */
function summaryRows(text) {
  const start = text.lastIndexOf('GPU check summary');
  assert.ok(start >= 0, `no summary in:\n${text.slice(-3000)}`);
  const rows = {};
  for (const line of text.slice(start).split('\n')) {
    const m = /^\| (\S+) \| (.*?) \| (.*) \|$/.exec(line);
    if (m && m[1] !== 'row' && !m[1].startsWith('-')) rows[m[1]] = { value: m[2], detail: m[3] };
  }
  return rows;
}

function positive(rows, name, unit) {
  assert.ok(rows[name], `no row ${name} in ${JSON.stringify(Object.keys(rows))}`);
  const m = new RegExp(`^([0-9.]+) ${unit}$`).exec(rows[name].value);
  assert.ok(m, `${name}: "${rows[name].value}" (${rows[name].detail}) is not a number of ${unit}`);
  assert.ok(Number(m[1]) > 0, `${name}: ${m[1]} is not positive`);
  return Number(m[1]);
}

test('bench/gpu/run.sh --mode cpu: environment and every measurement row', { skip, timeout: 900_000 }, () => {
  const out = mkdtempSync(path.join(tmpdir(), 'avlens-gpu-check-'));
  try {
    const r = spawnSync(path.join(root, 'bench/gpu/run.sh'), ['--mode', 'cpu'], {
      encoding: 'utf8',
      env: { ...process.env, OUT: out, AVLENS_BUILD_DIR: build, AVLENS_GPU_CHECK_BUDGET: '780', AVLENS_GPU_CHECK_WEBGPU_TIMEOUT: '120' },
    });
    const text = r.stdout + r.stderr;
    const rows = summaryRows(r.stdout);
    assert.equal(r.status, 0, `run.sh failed:\n${text.slice(-4000)}`);
    assert.equal(rows['env.mode']?.value, 'cpu');
    for (const name of ['env.gpu', 'env.torch', 'env.nvcc', 'env.node', 'env.prefix']) assert.ok(rows[name]?.value, `row ${name}`);
    assert.equal(rows.build.value, 'reused');
    assert.match(rows.tests.value, /^1 test passed$/);
    positive(rows, 'train.b2', 'windows/s');
    assert.match(rows['train.b2'].detail, /LibTorch cpu, tiny, batch 2/);
    const b1 = positive(rows, 'forward.libtorch.b1', 'ms/window');
    positive(rows, 'forward.libtorch.b2', 'ms/window');
    assert.match(rows.export.value, /^\d+ MiB$/);
    // Native ONNX Runtime on the exported model: Python's package or onnxruntime-node.
    positive(rows, 'forward.ort.b1', 'ms/window');
    positive(rows, 'forward.ort.b2', 'ms/window');
    assert.ok(b1 > 0);
    const webgpu = rows['forward.webgpu.b1'] ?? rows['forward.webgpu'];
    assert.ok(webgpu, 'a WebGPU row');
    if (/ms\/window$/.test(webgpu.value)) {
      positive(rows, 'forward.webgpu.b1', 'ms/window');
      assert.match(webgpu.detail, /onnxruntime-web \(chromium\)/);
    } else {
      assert.match(webgpu.value, /^(timed out|skipped)$/, `WebGPU row: ${JSON.stringify(webgpu)}`);
      assert.ok(webgpu.detail.length > 10, 'a timeout or skip says why');
    }
    // What the device tool brings back: the summary and the logs.
    assert.equal(readFileSync(path.join(out, 'summary.md'), 'utf8').trim(), r.stdout.slice(r.stdout.lastIndexOf('GPU check summary')).trim());
    assert.ok(existsSync(path.join(out, 'gpu-check-logs.tar.gz')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bench/gpu/run.sh refuses an unknown mode', () => {
  const r = spawnSync(path.join(root, 'bench/gpu/run.sh'), ['--mode', 'tpu'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--mode must be auto, gpu or cpu, not 'tpu'/);
});

test('bench/gpu/prepare.sh: --dry-run prints the plan and builds nothing; bad arguments are refused', () => {
  const prefix = path.join(mkdtempSync(path.join(tmpdir(), 'avlens-gpu-deps-')), 'prefix');
  try {
    const r = spawnSync(path.join(root, 'bench/gpu/prepare.sh'), ['--dry-run', prefix], { encoding: 'utf8' });
    if (r.status === 1 && /missing here:/.test(r.stderr)) return; // a machine without the build tools: the line says which
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /FFmpeg 7:5\.1\.9-0\+deb12u1 static: h264 hevc/);
    assert.match(r.stdout, /dry run: nothing built/);
    assert.ok(!existsSync(path.join(prefix, 'lib')), 'nothing installed');
    const bad = spawnSync(path.join(root, 'bench/gpu/prepare.sh'), ['--fast'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --fast/);
  } finally {
    rmSync(path.dirname(prefix), { recursive: true, force: true });
  }
});
