// What the page shows, read back from its result view, and the check that it is what the native
// `avlens scan` gives for the same clip with the same weights (scan runs the LibTorch model on the
// native core's windows; the page runs the exported .onnx on the wasm core's windows).
import assert from 'node:assert/strict';

export const TOLERANCE = 1e-3;

/**
 * The page's result: clip score, decision, whether the verdict was withheld for too little scored
 * and whether the result warns about what was left out, windows [{ start, score }], timeline (null: unscored).
 */
export async function pageResult(page) {
  return page.evaluate(() => {
    const card = document.getElementById('verdict-card');
    return {
      score: Number(card.dataset.pfake),
      decision: card.dataset.decision,
      threshold: Number(card.dataset.threshold),
      withheld: card.dataset.withheld === 'true',
      warning: card.dataset.warning === 'true',
      windows: [...document.querySelectorAll('#windows-table tbody tr')].map((r) => ({ start: Number(r.dataset.start), score: Number(r.dataset.score) })),
      timeline: [...document.querySelectorAll('#timeline .tl-bar')].map((b) => (b.dataset.score === undefined ? null : Number(b.dataset.score))),
      backend: document.body.dataset.backend,
    };
  });
}

/**
 * Asserts page = scan (same windows, scores within TOLERANCE, same side of the threshold, a verdict
 * withheld and a warning given for the same clips by the core's coverage); returns the largest difference.
 */
export function assertSameAsScan(got, scan, label) {
  assert.equal(scan.error, null, `${label}: avlens scan failed: ${scan.error}`);
  assert.deepEqual(got.windows.map((w) => w.start), scan.windows.map((w) => w.start), `${label}: window starts`);
  let maxDiff = Math.abs(got.score - scan.score);
  got.windows.forEach((w, i) => {
    const d = Math.abs(w.score - scan.windows[i].score);
    maxDiff = Math.max(maxDiff, d);
    assert.ok(d <= TOLERANCE, `${label}: window at ${w.start} s: page ${w.score} vs scan ${scan.windows[i].score}`);
  });
  assert.ok(Math.abs(got.score - scan.score) <= TOLERANCE, `${label}: clip score: page ${got.score} vs scan ${scan.score}`);
  assert.ok(Math.abs(got.threshold - scan.threshold) <= 5e-4, `${label}: decision threshold: page ${got.threshold} vs scan ${scan.threshold}`);
  assert.equal(got.decision, scan.decision, `${label}: decision (score ${got.score}, threshold ${scan.threshold})`);
  assert.equal(got.withheld, scan.coverage.verdict_withheld !== null, `${label}: verdict withheld for too little scored (scan: ${scan.coverage.verdict_withheld})`);
  assert.equal(got.warning, scan.warning !== null, `${label}: warning (scan: ${scan.warning})`);
  return maxDiff;
}
