// What a model says about itself, read from its ONNX metadata_props: what it was trained on,
// what it is for, what it was shown to do on held-out clips, and its decision threshold. The
// page, the extension's popup and its badge learn about a model only through readModelCard(), so
// none of them can word a verdict more strongly than the model's card backs.
//
// The card is the metadata key `card`, a JSON object written by the exporter:
//   { name, intended_use, limits: [str], training_data, real_faces: bool,
//     heldout_real: { videos, people, auc: { <fake kind>: number }, accuracy_at_threshold,
//                     fake_videos?, real_called_fake?, fake_called_fake?,
//                     sets?: { <fake kind>: { real, fake, auc_interval?: [lo, hi], ... } } } | null,
//     calibration: { method, bins: [[lo, hi, observed_fake_rate, count], ...] } | null,
//     verdict_supported?: bool, verdict_note?: str }
// A model without a card, or with a card that cannot be read, counts as a model that has never
// seen a real face and has no calibration: nothing it says may sound more certain than that. A
// card with `verdict_supported: false` (held-out results that do not back a verdict) gets its
// score shown without a verdict.
// The threshold is `threshold` in the `metrics` key (chosen on validation clips), as `avlens scan`
// reads it; 0.5 when absent.

export const DEFAULT_THRESHOLD = 0.5;

function parseJsonObject(text, what, problems) {
  if (text === undefined || text === '') return null;
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
    problems.push(`${what} is not a JSON object`);
  } catch (err) {
    problems.push(`${what} is not valid JSON (${err.message})`);
  }
  return null;
}

const text = (v) => (typeof v === 'string' ? v.trim() : '');
const isFraction = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
const isCount = (v) => Number.isInteger(v) && v >= 0;
const isInterval = (v, inside) => Array.isArray(v) && v.length === 2 && isFraction(v[0]) && isFraction(v[1]) && v[0] <= inside && inside <= v[1];

/** The model's own threshold, or null when its metrics give none. */
function readThreshold(metrics) {
  const t = Number(metrics?.threshold);
  return Number.isFinite(t) && t > 0 && t < 1 ? t : null;
}

/** Validation results from the trainer's metrics: { auc, accuracy } (null where not recorded). */
function readValidation(metrics) {
  if (!metrics) return null;
  const last = metrics.last_epoch ?? {};
  const auc = [metrics.best_val_auc, metrics.val_auc, last.val_auc].find(isFraction) ?? null;
  const accuracy = [metrics.val_accuracy, last.val_accuracy].find(isFraction) ?? null;
  return auc === null && accuracy === null ? null : { auc, accuracy };
}

function readHeldoutReal(h, problems) {
  if (h === undefined || h === null) return null;
  const auc = Object.entries(h.auc && typeof h.auc === 'object' ? h.auc : {}).filter(([, v]) => isFraction(v));
  if (!isCount(h.videos) || h.videos === 0) {
    problems.push('heldout_real has no number of videos');
    return null;
  }
  const sets = h.sets && typeof h.sets === 'object' ? h.sets : {};
  return {
    videos: h.videos,
    people: isCount(h.people) ? h.people : null,
    fakeVideos: isCount(h.fake_videos) ? h.fake_videos : null,
    auc: Object.fromEntries(auc),
    // How many clips each AUC rests on, where the card says: [real, fake].
    clipsPerKind: Object.fromEntries(auc.filter(([k]) => isCount(sets[k]?.real) && isCount(sets[k]?.fake)).map(([k]) => [k, [sets[k].real, sets[k].fake]])),
    // The AUC's 95 % interval (scripts/auc.mjs), where the card gives one that holds the AUC.
    aucInterval: Object.fromEntries(auc.filter(([k, v]) => isInterval(sets[k]?.auc_interval, v)).map(([k]) => [k, [...sets[k].auc_interval]])),
    accuracyAtThreshold: isFraction(h.accuracy_at_threshold) ? h.accuracy_at_threshold : null,
    realCalledFake: isFraction(h.real_called_fake) ? h.real_called_fake : null,
    fakeCalledFake: isFraction(h.fake_called_fake) ? h.fake_called_fake : null,
  };
}

// Calibration is used as a whole or not at all: one malformed or overlapping bin and no
// confidence wording is shown, rather than wording built on a misread table.
function readCalibration(c, problems) {
  if (c === undefined || c === null) return null;
  const bins = Array.isArray(c.bins) ? c.bins : [];
  const ok =
    bins.length > 0 &&
    bins.every((b) => Array.isArray(b) && b.length === 4 && isFraction(b[0]) && isFraction(b[1]) && b[0] < b[1] && isFraction(b[2]) && isCount(b[3]));
  if (!ok) {
    problems.push('calibration.bins is not a list of [lo, hi, observed_fake_rate, count] with 0 ≤ lo < hi ≤ 1');
    return null;
  }
  const sorted = bins.map(([lo, hi, fakeRate, count]) => ({ lo, hi, fakeRate, count })).sort((a, b) => a.lo - b.lo);
  if (sorted.some((b, i) => i > 0 && b.lo < sorted[i - 1].hi)) {
    problems.push('calibration.bins overlap');
    return null;
  }
  return { method: text(c.method), bins: sorted, clips: sorted.reduce((n, b) => n + b.count, 0) };
}

/**
 * Everything the page and the extension may say about a model, from its metadata_props:
 * { hasCard, name, intendedUse, limits, trainingData, realFaces, heldoutReal, calibration,
 *   verdictSupported, verdictNote, threshold, thresholdStated, validation, problems }.
 */
export function readModelCard(metadata = {}) {
  const problems = [];
  const card = parseJsonObject(metadata.card, 'the model card (metadata "card")', problems);
  const metrics = parseJsonObject(metadata.metrics, 'the metrics (metadata "metrics")', problems);
  const threshold = readThreshold(metrics);
  return {
    hasCard: card !== null,
    name: text(card?.name) || text(metadata.name),
    intendedUse: text(card?.intended_use),
    limits: Array.isArray(card?.limits) ? card.limits.map(text).filter(Boolean) : [],
    trainingData: text(card?.training_data) || text(metadata.training_data) || text(metadata.data),
    // Only an explicit `true` counts: anything else is a model that has not shown real faces.
    realFaces: card?.real_faces === true,
    heldoutReal: card ? readHeldoutReal(card.heldout_real, problems) : null,
    calibration: card ? readCalibration(card.calibration, problems) : null,
    // Only an explicit `false` withholds the verdict; a model without a card keeps its verdict
    // words, under the real-faces notice.
    verdictSupported: card?.verdict_supported !== false,
    verdictNote: text(card?.verdict_note),
    threshold: threshold ?? DEFAULT_THRESHOLD,
    thresholdStated: threshold !== null,
    validation: readValidation(metrics),
    problems,
  };
}

/**
 * The notice every result of a model carries (page, popup, badge) when the model has not shown
 * that its verdicts hold on real videos: { title, text, short }, or null. A model without real
 * faces in its training data gets one, and so does a model whose card withholds verdicts.
 */
export function modelNotice(card) {
  if (!card.realFaces) {
    const text = card.hasCard
      ? 'This model was not trained on real faces (its model card says so): its verdict on a real video is not meaningful.'
      : 'This model has no model card that declares real faces in its training data, so treat it as trained on synthetic faces only: its verdict on a real video is not meaningful.';
    return { title: 'Not for real videos.', text, short: 'model not trained on real faces: not meaningful on real videos' };
  }
  if (!card.verdictSupported) {
    const why = card.verdictNote || 'its results on held-out real clips do not support a verdict.';
    return { title: 'Score only, no verdict.', text: `This model’s card says its score is not a verdict. ${why}`, short: 'not shown to work on real people: score only, no verdict' };
  }
  return null;
}

/** The calibration bin a score falls in ({ lo, hi, fakeRate, count }), or null. */
export function calibrationBin(calibration, score) {
  if (!calibration || !Number.isFinite(score)) return null;
  return calibration.bins.find((b) => b.count > 0 && b.lo <= score && (score < b.hi || (score === b.hi && b.hi === 1))) ?? null;
}

const fixed = (v, digits = 3) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
const pct = (v) => `${Math.round(v * 100)}\u202f%`;

/**
 * The model card as rows for a reader: [{ label, value }] where value is a string or a list of
 * strings. What the model has shown on held-out clips is stated, and so is what it has not.
 */
export function modelCardRows(card) {
  const rows = [];
  const row = (label, value) => rows.push({ label, value });
  row('Training data', card.trainingData || 'not stated');
  row('Real faces in training', card.realFaces ? 'yes' : card.hasCard ? 'no' : 'not declared (the model has no model card)');
  row('Intended use', card.intendedUse || 'not stated');
  row('Limits', card.limits.length ? card.limits : 'not stated');
  const h = card.heldoutReal;
  if (h) {
    const who = `${h.videos} videos${h.people !== null ? ` of ${h.people} people` : ''}${h.fakeVideos !== null ? `; ${h.fakeVideos} fakes` : ''}`;
    const auc = Object.entries(h.auc).map(([kind, v]) => {
      const n = h.clipsPerKind[kind];
      const interval = h.aucInterval[kind];
      return `AUC ${fixed(v)}${interval ? ` (95\u202f% interval ${fixed(interval[0], 2)}–${fixed(interval[1], 2)})` : ''} on ${kind}${n ? ` (${n[0]} real, ${n[1]} fake)` : ''}`;
    });
    const acc = h.accuracyAtThreshold !== null ? [`accuracy ${fixed(h.accuracyAtThreshold, 2)} at the threshold`] : [];
    const called = [
      h.realCalledFake !== null && `${pct(h.realCalledFake)} of real clips called fake at the threshold`,
      h.fakeCalledFake !== null && `${pct(h.fakeCalledFake)} of fakes called fake at the threshold`,
    ].filter(Boolean);
    row('Held-out real clips', [who, ...auc, ...acc, ...called]);
  } else {
    row('Held-out real clips', 'none reported: the model has not been measured on real videos');
  }
  const c = card.calibration;
  row(
    'Calibration',
    c
      ? [`${c.method || 'method not named'}, ${c.clips} held-out clips`, ...c.bins.map((b) => `scores ${pct(b.lo)}–${pct(b.hi)}: ${pct(b.fakeRate)} fakes of ${b.count}`)]
      : 'none: no confidence is stated for this model’s verdicts',
  );
  const v = card.validation;
  if (v) {
    const parts = [v.auc !== null && `AUC ${fixed(v.auc)}`, v.accuracy !== null && `accuracy ${fixed(v.accuracy, 2)}`].filter(Boolean);
    row('Validation (clips held out from the training data)', parts.join(' · '));
  }
  row('Decision threshold', card.thresholdStated ? `${fixed(card.threshold)} (chosen on validation clips)` : `${card.threshold} (the model states none)`);
  if (!card.verdictSupported) row('Verdicts', `not given: ${card.verdictNote || 'the card says its held-out results do not support them'}`);
  if (card.problems.length) row('Could not be read', card.problems);
  return rows;
}
