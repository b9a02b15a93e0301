// The held-out AUC and its bootstrap interval (scripts/auc.mjs), which the model card states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auc, aucInterval } from '../../scripts/auc.mjs';

test('the AUC is the share of (real, fake) pairs the fake wins, ties counting half', () => {
  assert.equal(auc([0.1, 0.2], [0.3, 0.4]), 1);
  assert.equal(auc([0.3, 0.4], [0.1, 0.2]), 0);
  // Pairs: (0.1,0.2) win, (0.1,0.5) win, (0.5,0.2) loss, (0.5,0.5) tie: 2.5 of 4.
  assert.equal(auc([0.1, 0.5], [0.2, 0.5]), 0.625);
  assert.equal(auc([0.5, 0.5, 0.5], [0.5]), 0.5);
  assert.ok(Number.isNaN(auc([], [0.1])));
});

test('the interval holds the AUC, is the same for the same seed, and narrows with more clips', () => {
  // Scores of two overlapping groups, made without randomness.
  const group = (n, shift) => Array.from({ length: n }, (_, i) => ((i * 0.618) % 1) * 0.8 + shift);
  const [reals28, fakes28] = [group(28, 0), group(28, 0.2)];
  const a = auc(reals28, fakes28);
  const [lo, hi] = aucInterval(reals28, fakes28);
  assert.ok(lo < a && a < hi, `${lo} < ${a} < ${hi}`);
  assert.ok(lo > 0.4 && hi < 1, `[${lo}, ${hi}]`);
  assert.deepEqual(aucInterval(reals28, fakes28), [lo, hi], 'seeded: the same card from the same results');
  assert.notDeepEqual(aucInterval(reals28, fakes28, { seed: 2 }), [lo, hi]);
  const [lo280, hi280] = aucInterval(group(280, 0), group(280, 0.2));
  assert.ok(hi280 - lo280 < (hi - lo) / 2, `280 + 280 clips: ${hi280 - lo280}, 28 + 28: ${hi - lo}`);
  // Perfectly separated: every resample separates too.
  assert.deepEqual(aucInterval([0.1, 0.2, 0.3], [0.6, 0.7]), [1, 1]);
  assert.deepEqual(aucInterval([], [0.5]).map(Number.isNaN), [true, true]);
});
