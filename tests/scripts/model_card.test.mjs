// The model card from held-out results (scripts/model_card.mjs): each set's AUC with its 95 %
// interval; a verdict only when every fake kind is separated (AUC >= 0.7) and better than chance
// with 95 % confidence; the per-video scores must be the ones the AUC came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auc } from '../../scripts/auc.mjs';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/model_card.mjs');
const spread = (n, lo, hi) => Array.from({ length: n }, (_, i) => lo + ((i * 0.618) % 1) * (hi - lo));
const REALS = spread(28, 0, 0.6);

/** An eval folder as `avlens eval` writes it: <set>/metrics.json with per-video scores. */
function evalDir(sets, { tamper } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'avlens-card-'));
  const write = (name, fakes, extra = {}) => {
    const perVideo = [...REALS.map((score, i) => ({ label: 0, score, video: `real_${i}.mp4` })), ...fakes.map((score, i) => ({ label: 1, score, video: `${name}_${i}.mp4` }))];
    const a = fakes.length ? auc(REALS, fakes) + (name === tamper ? 0.01 : 0) : -1; // -1: as avlens eval, one class only
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'metrics.json'), JSON.stringify({ auc: a, accuracy: 0.8, videos: { real: REALS.length, fake: fakes.length }, per_video: perVideo, ...extra }));
  };
  for (const [name, fakes] of Object.entries(sets)) write(name, fakes);
  write('all', Object.values(sets).flat(), { threshold: 0.5 });
  writeFileSync(join(dir, 'base.json'), JSON.stringify({ name: 'test', real_faces: true }));
  return dir;
}

function card(dir) {
  const run = spawnSync(process.execPath, [SCRIPT, '--eval', dir, '--base', join(dir, 'base.json'), '--out', join(dir, 'card.json')], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr, card: run.status === 0 ? JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) : null };
}

test('every kind separated and better than chance: a verdict, calibration, each AUC with its interval', (t) => {
  const dir = evalDir({ voice_swap: spread(28, 0.45, 1), 'shift_0.2': spread(28, 0.4, 1) });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { status, card: c } = card(dir);
  assert.equal(status, 0);
  assert.equal(c.verdict_supported, true, c.verdict_note);
  for (const set of Object.values(c.heldout_real.sets)) {
    const [lo, hi] = set.auc_interval;
    assert.ok(lo > 0.5 && lo <= set.auc && set.auc <= hi && hi <= 1, JSON.stringify(set));
  }
  assert.ok(c.calibration.bins.length > 0);
});

test('a kind whose AUC passes 0.7 on three fakes, one of them scored as real: not shown above chance, no verdict', (t) => {
  const dir = evalDir({ voice_swap: spread(28, 0.45, 1), generator_x: [0.95, 0.97, 0.05] });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { status, card: c } = card(dir);
  assert.equal(status, 0);
  const x = c.heldout_real.sets.generator_x;
  assert.ok(x.auc >= 0.7 && x.auc_interval[0] <= 0.5, JSON.stringify(x));
  assert.equal(c.verdict_supported, false);
  assert.match(c.verdict_note, /generator_x 0\.\d+ \(95 % interval 0\.\d+-1\)/);
  assert.doesNotMatch(c.verdict_note, /voice_swap/);
  assert.equal(c.calibration, null);
});

test('per-video scores that do not give the set\'s AUC are refused, naming the file', (t) => {
  const dir = evalDir({ voice_swap: spread(28, 0.45, 1) }, { tamper: 'voice_swap' });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { status, stderr } = card(dir);
  assert.notEqual(status, 0);
  assert.match(stderr, /voice_swap\/metrics\.json: its per_video scores give AUC/);
});

test('a set whose fakes all went unscored (one class, AUC -1): no interval, named as not measured, no verdict', (t) => {
  const dir = evalDir({ voice_swap: spread(28, 0.45, 1), generator_y: [] });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { status, card: c } = card(dir);
  assert.equal(status, 0);
  assert.equal(c.heldout_real.sets.generator_y.auc_interval, null);
  assert.equal(c.verdict_supported, false);
  assert.match(c.verdict_note, /generator_y not measured/);
});
