// From a score to words and colours: the one verdict rule of the page, the extension's popup and
// its badge. The score is the mean of the window scores (a clip) or of the last windows (the
// badge). The decision threshold is the model's own (readModelCard), as in the native
// `avlens scan`. Scores near the threshold read "Inconclusive". How sure a verdict is, is said
// only from the model's calibration on held-out clips, never from the distance to the
// threshold: a sigmoid's distance from the threshold is not a measured confidence. A model whose
// card withholds verdicts (`verdict_supported: false`) gets its score shown without one, and so
// does a clip of which too little was scored: that rule is the core's (avlens::clip_coverage,
// through the wasm core's coverage(); `verdictWithheld` says why), never recomputed here.
import { calibrationBin, modelNotice } from './model-card.js';
import { percent, sentence } from './format.js';

// A score within this share of the room between the threshold and 0 (or 1) is inconclusive.
const INCONCLUSIVE_BAND = 0.2;

/** Which side of the threshold a score is on, and whether it is clear of the inconclusive band. */
function placement(p, threshold) {
  const decision = p >= threshold ? 'fake' : 'real'; // what `avlens scan` prints (FAKE/REAL)
  const margin = decision === 'fake' ? (p - threshold) / (1 - threshold) : (threshold - p) / threshold;
  return { decision, clear: margin >= INCONCLUSIVE_BAND };
}

/**
 * The colour level of a score (a timeline bar, a table cell, the badge), relative to the model's
 * threshold with the verdict's own rule: 'real', 'leans-real', 'leans-fake', 'fake', or 'none'.
 */
export function scoreLevel(p, threshold) {
  if (!Number.isFinite(p)) return 'none';
  const { decision, clear } = placement(p, threshold);
  return clear ? decision : `leans-${decision}`;
}

/**
 * The colour level every view gives a score under a model (its card from readModelCard): the
 * page's per-second bars and window table, the popup's bars, the badge. scoreLevel's level
 * relative to the model's threshold, or 'score' (neutral: no red or green) when the model's card
 * withholds verdicts, since colouring by a threshold the card does not back is a verdict in all
 * but words.
 */
export function scoreLevelFor(p, card) {
  if (!Number.isFinite(p)) return 'none';
  return card.verdictSupported ? scoreLevel(p, card.threshold) : 'score';
}

/**
 * Whether the model's held-out calibration speaks for the clips people check: a card with
 * calibration bins, real faces in training, and verdicts it backs.
 */
export function calibrationApplies(card) {
  return Boolean(card.realFaces && card.verdictSupported && card.calibration);
}

/**
 * What a score may be called wherever it is shown (timeline, window table, heat map, gauge): a
 * "fake probability" only when calibration applies (calibrationApplies); otherwise a "score" — a
 * network's sigmoid output is not a measured probability.
 * { calibrated, name ('score' | 'fake probability'), title (capitalised), unit (under a percentage) }
 */
export function scoreWording(card) {
  return calibrationApplies(card)
    ? { calibrated: true, name: 'fake probability', title: 'Fake probability', unit: 'fake' }
    : { calibrated: false, name: 'score', title: 'Score', unit: 'score' };
}

/** The model's threshold in words, the one sentence the page, the badge and the popup show. */
export function thresholdSentence(threshold) {
  return `This model calls a video fake from ${percent(threshold)}.`;
}

/**
 * What the model's held-out calibration says about clips scoring like this one, or null when it
 * has none that applies. A model that has not shown real faces gets none: its calibration (if
 * any) was measured on clips unlike the real videos people check, so it stays in the model card.
 */
export function calibratedEvidence(p, card) {
  if (!calibrationApplies(card)) return null;
  const bin = calibrationBin(card.calibration, p);
  if (!bin) return null;
  return `On held-out clips, ${percent(bin.fakeRate)} of the ${bin.count} clips that scored ${percent(bin.lo)}–${percent(bin.hi)} were fakes.`;
}

/**
 * Whether what was scored of a clip (the core's coverage: reader.coverage(), maker.coverage(),
 * clipCoverage()) is too little for a verdict: null when a verdict may be given, else
 * { reason (the core's words), scored, needed, short ("Not enough analysed yet (2 of 3 windows)") }.
 * Unknown coverage (null) is too little: a verdict needs the core to have said it may be given.
 */
export function coverageShortfall(coverage) {
  if (coverage && !coverage.verdictWithheld) return null;
  const scored = coverage?.windowsScored ?? 0;
  const needed = coverage?.windowsForVerdict ?? null;
  const reason = coverage?.verdictWithheld ?? 'nothing has been scored yet';
  return { reason, scored, needed, short: `Not enough analysed yet (${scored}${needed === null ? '' : ` of ${needed}`} window${(needed ?? scored) === 1 ? '' : 's'})` };
}

/**
 * The verdict on a score under a model (its card from readModelCard) and, for a clip, what was
 * scored of it (its coverage from the core; omit it only where no clip is judged, as in the tests
 * of the card's rules): { kind: 'fake'|'real'|'uncertain'|'unsupported'|'withheld', decision,
 * threshold, title, label, summary, evidence, notice, withheld, warning }. `decision` is the side of
 * the threshold (what `avlens scan` prints), also when no verdict is worded; `evidence` is the
 * calibrated sentence or null; `notice` the model's notice (modelNotice) or null; `withheld` the
 * coverageShortfall (kind 'withheld': too few windows scored for a verdict) or null; `warning` the
 * core's warning about what the verdict leaves out (under half the clip scored, ...) or null.
 */
export function verdictFor(p, card, coverage) {
  const { threshold } = card;
  const { decision, clear } = placement(p, threshold);
  const withheld = coverage === undefined ? null : coverageShortfall(coverage);
  const common = {
    decision,
    threshold,
    evidence: withheld ? null : calibratedEvidence(p, card),
    notice: modelNotice(card),
    withheld,
    warning: coverage?.warning ?? null,
  };
  if (withheld) {
    // The clip's own reason comes first (as in `avlens scan`'s coverage); the model's notice stays.
    return {
      ...common,
      kind: 'withheld',
      title: 'Score only: no verdict',
      label: 'no verdict yet',
      summary: `${sentence(withheld.reason)}.`,
    };
  }
  if (!card.verdictSupported) {
    return {
      ...common,
      kind: 'unsupported',
      title: 'Score only: no verdict',
      label: 'no verdict',
      summary: 'This model’s results on held-out real clips do not support a verdict, so its score is shown without one.',
    };
  }
  if (!clear) {
    return {
      ...common,
      kind: 'uncertain',
      title: 'Inconclusive',
      label: 'inconclusive',
      summary: `The model can’t tell whether the face and the voice belong together in this clip (it leans ${decision === 'fake' ? 'towards a fake' : 'towards real'}).`,
    };
  }
  if (decision === 'fake') {
    return {
      ...common,
      kind: 'fake',
      title: 'Face and voice don’t seem to belong together',
      label: 'mismatch',
      summary: 'The model finds that the voice and the face move in ways that don’t match, as in an audio-visual deepfake.',
    };
  }
  return {
    ...common,
    kind: 'real',
    title: 'Face and voice seem to belong together',
    label: 'match',
    summary: 'The model found no sign of an audio-visual mismatch in this clip.',
  };
}
