// What the built module must be to ship: small enough (issue 6: <= 3 MB gzipped, with every decoder
// and the face detector), loadable under an extension's CSP (no eval, no new Function), and an ES
// module whose createCore() works without any Emscripten option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WASM_DIR, loadCore } from './support.mjs';

const MAX_GZIPPED = 3 * 1000 * 1000;

test('avlens_core.wasm is at most 3 MB gzipped', () => {
  const wasm = readFileSync(join(WASM_DIR, 'avlens_core.wasm'));
  const gz = gzipSync(wasm, { level: 9 }).length;
  assert.ok(gz <= MAX_GZIPPED, `${gz} bytes gzipped (${wasm.length} raw)`);
});

test('avlens_core.js runs under a CSP without unsafe-eval', () => {
  const js = readFileSync(join(WASM_DIR, 'avlens_core.js'), 'utf8');
  assert.doesNotMatch(js, /\beval\s*\(/);
  assert.doesNotMatch(js, /new\s+Function\s*\(/);
  assert.match(js, /export\s+async\s+function\s+createCore\b/);
  assert.match(js, /export\s+default\s+createAvlensModule\b/);
});

test('createCore() instantiates the module with no options', async () => {
  const core = await loadCore();
  for (const name of ['openClip', 'createWindowMaker', 'aggregateScores', 'readOnnxMetadata', 'geometry', 'memoryStats', 'version']) {
    assert.equal(typeof core[name], 'function', name);
  }
});
