// ROC AUC of held-out scores, and how far it can be trusted: a percentile bootstrap interval that
// resamples the real and the fake clips separately (each set keeps its counts). The model card
// (scripts/model_card.mjs) states both, so a reader sees that 0.73 on 28 + 28 clips may be 0.6.

/** P(a fake scores above a real), ties counting half: the Mann-Whitney form of the ROC AUC. */
export function auc(realScores, fakeScores) {
  if (realScores.length === 0 || fakeScores.length === 0) return NaN;
  const all = [...realScores.map((s) => [s, 0]), ...fakeScores.map((s) => [s, 1])].sort((a, b) => a[0] - b[0]);
  // Midranks (1-based) make ties count half.
  let fakeRankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const midrank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k][1] === 1) fakeRankSum += midrank;
    i = j;
  }
  const nf = fakeScores.length;
  return (fakeRankSum - (nf * (nf + 1)) / 2) / (nf * realScores.length);
}

// A small seeded generator (mulberry32), so a card made twice from the same results is the same.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The central `level` (0.95) percentile interval of the AUC over `resamples` bootstrap draws of
 * the reals and the fakes, each with replacement at its own count: [lo, hi]. With a handful of
 * fakes the bootstrap is too narrow (it never draws a score it has not seen); the card shows the
 * counts beside it.
 */
export function aucInterval(realScores, fakeScores, { resamples = 2000, level = 0.95, seed = 1 } = {}) {
  if (realScores.length === 0 || fakeScores.length === 0) return [NaN, NaN];
  const next = random(seed);
  const draw = (scores) => Array.from(scores, () => scores[Math.floor(next() * scores.length)]);
  const values = Array.from({ length: resamples }, () => auc(draw(realScores), draw(fakeScores))).sort((a, b) => a - b);
  const at = (q) => values[Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))))];
  return [at((1 - level) / 2), at(1 - (1 - level) / 2)];
}
