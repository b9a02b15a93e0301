// The verdict rule and the model card (web/src/verdict.js, web/src/model-card.js), in Node: a model
// without a card gets the real-faces notice and no confidence wording; a card that declares real
// faces and held-out calibration gets the calibrated sentence; a card that withholds verdicts gets
// its score without one; a card that cannot be read counts as no card; colour levels follow the
// model's threshold with the same rule as the verdict; a score is called a fake probability only
// where the calibrated sentence would be given; too few scored windows (the core's coverage) give the
// score without a verdict, with the core's reason, and the core's warning goes with any verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calibrationBin, modelCardRows, modelNotice, readModelCard } from '../../web/src/model-card.js';
import { calibrationApplies, coverageShortfall, scoreLevel, scoreLevelFor, scoreWording, thresholdSentence, verdictFor } from '../../web/src/verdict.js';
import { CORE, SHIPPED_MODEL, coreMetadata } from './helpers.mjs';

const BINS = [
  [0, 0.25, 0.05, 400],
  [0.25, 0.5, 0.2, 120],
  [0.5, 0.75, 0.7, 90],
  [0.75, 1, 0.96, 310],
];
const REAL_CARD = {
  name: 'test-real',
  intended_use: 'Checking talking-head clips for dubbed or swapped voices.',
  limits: ['one frontal face', 'English speech only'],
  training_data: 'FakeAVCeleb train split',
  real_faces: true,
  heldout_real: { videos: 500, people: 70, auc: { lipsync: 0.91, audio_swap: 0.97 }, accuracy_at_threshold: 0.88 },
  calibration: { method: 'histogram binning on the held-out split', bins: BINS },
};
const withCard = (card, metrics = { threshold: 0.6 }) => readModelCard({ card: JSON.stringify(card), metrics: JSON.stringify(metrics) });

test('a model without a card: no real faces, no calibration, the notice, no confidence words', () => {
  const card = readModelCard({ name: 'm', training_data: 'synthetic faces' });
  assert.equal(card.hasCard, false);
  assert.equal(card.realFaces, false);
  assert.equal(card.calibration, null);
  assert.equal(card.threshold, 0.5);
  assert.equal(card.thresholdStated, false);
  assert.equal(card.trainingData, 'synthetic faces');
  for (const p of [0, 0.01, 0.3, 0.5, 0.7, 0.99, 1]) {
    const v = verdictFor(p, card);
    assert.equal(v.evidence, null, `p = ${p}`);
    assert.match(v.notice.text, /not meaningful/);
    assert.doesNotMatch(JSON.stringify(v), /confiden|\bhigh\b/i, `p = ${p}: ${JSON.stringify(v)}`);
  }
});

const noShipped = (!existsSync(SHIPPED_MODEL) && 'web/model/avlens.onnx is not there') || (!existsSync(join(CORE, 'avlens_core.js')) && 'the wasm core, which reads the model\'s metadata, is not built');
test('the bundled model (web/model/avlens.onnx): its own threshold, its notice, its card as rows', { skip: noShipped }, async () => {
  const metadata = await coreMetadata(readFileSync(SHIPPED_MODEL));
  const card = readModelCard(metadata);
  assert.deepEqual(card.problems, [], 'the bundled model\'s metadata reads without problems');
  assert.equal(card.hasCard, metadata.card !== undefined);
  assert.equal(card.realFaces, card.hasCard && JSON.parse(metadata.card).real_faces === true);
  assert.equal(card.threshold, JSON.parse(metadata.metrics).threshold);
  // A clip between 0.5 and the model's threshold is on the threshold's side (the popup used 0.5).
  const between = (0.5 + card.threshold) / 2;
  assert.equal(verdictFor(between, card).decision, card.threshold > 0.5 ? 'real' : 'fake');
  assert.equal(Boolean(modelNotice(card)), !card.realFaces || !card.verdictSupported);
  assert.equal(card.verdictSupported, !card.hasCard || JSON.parse(metadata.card).verdict_supported !== false);
  const rows = Object.fromEntries(modelCardRows(card).map((r) => [r.label, r.value]));
  assert.equal(rows['Training data'], card.hasCard ? JSON.parse(metadata.card).training_data ?? metadata.training_data : metadata.training_data);
  assert.match(rows['Real faces in training'], card.realFaces ? /^yes$/ : card.hasCard ? /^no$/ : /not declared/);
  if (!card.calibration) assert.match(rows['Calibration'], /no confidence is stated/);
  assert.match(rows['Decision threshold'], new RegExp(`^${card.threshold.toFixed(3)} \\(chosen on validation clips\\)`));
  assert.match(rows['Validation (clips held out from the training data)'], /AUC [01]\.\d{3}/);
  assert.doesNotMatch(JSON.stringify(rows), /master_addr|master_port/, 'trainer fields stay out of the table');
});

test('a card with real faces and calibration: no notice; the calibrated sentence of the bin the score falls in', () => {
  const card = withCard(REAL_CARD);
  assert.equal(card.hasCard, true);
  assert.equal(card.realFaces, true);
  assert.deepEqual(card.problems, []);
  assert.equal(card.calibration.clips, 920);
  assert.equal(card.threshold, 0.6);
  assert.equal(modelNotice(card), null);
  assert.equal(card.verdictSupported, true);
  const v = verdictFor(0.8, card);
  assert.equal(v.notice, null);
  assert.equal(v.kind, 'fake');
  assert.equal(v.evidence, 'On held-out clips, 96\u202f% of the 310 clips that scored 75\u202f%–100\u202f% were fakes.');
  assert.match(verdictFor(0.3, card).evidence, /20\u202f% of the 120 clips that scored 25\u202f%–50\u202f%/);
  // Bins hold [lo, hi); the last one holds 1.
  assert.equal(calibrationBin(card.calibration, 0.5).lo, 0.5);
  assert.equal(calibrationBin(card.calibration, 0.4999).lo, 0.25);
  assert.equal(calibrationBin(card.calibration, 1).lo, 0.75);
  assert.equal(calibrationBin(card.calibration, NaN), null);
  const rows = Object.fromEntries(modelCardRows(card).map((r) => [r.label, r.value]));
  assert.deepEqual(rows['Limits'], REAL_CARD.limits);
  assert.deepEqual(rows['Held-out real clips'], ['500 videos of 70 people', 'AUC 0.910 on lipsync', 'AUC 0.970 on audio_swap', 'accuracy 0.88 at the threshold']);
  assert.equal(rows['Calibration'][0], 'histogram binning on the held-out split, 920 held-out clips');
  assert.equal(rows['Real faces in training'], 'yes');
});

test('a card that withholds verdicts: the score without a verdict, its note as the notice, no calibrated sentence, each AUC with its interval', () => {
  const heldout = {
    videos: 8, people: 9, fake_videos: 56, real_called_fake: 0, fake_called_fake: 0.107,
    auc: { voice_swap: 0.516, generator_musetalk: 1 },
    // An interval that does not hold its AUC is misread and left out (musetalk's).
    sets: { voice_swap: { real: 8, fake: 8, auc: 0.516, auc_interval: [0.25, 0.781] }, generator_musetalk: { real: 8, fake: 2, auc: 1, auc_interval: [0.2, 0.9] } },
  };
  const note = 'Not shown to work on real people: only 8 held-out real clips (fewer than 20).';
  const card = withCard({ ...REAL_CARD, heldout_real: heldout, verdict_supported: false, verdict_note: note });
  assert.equal(card.verdictSupported, false);
  for (const p of [0.05, 0.5, 0.61, 0.99]) {
    const v = verdictFor(p, card);
    assert.equal(v.kind, 'unsupported', `p ${p}`);
    assert.equal(v.title, 'Score only: no verdict');
    assert.equal(v.decision, p >= 0.6 ? 'fake' : 'real', 'the side of the threshold is still known (avlens scan prints it)');
    assert.equal(v.evidence, null, 'no calibrated sentence under a withheld verdict');
    assert.equal(v.notice.title, 'Score only, no verdict.');
    assert.ok(v.notice.text.endsWith(note), v.notice.text);
    assert.doesNotMatch(`${v.title} ${v.summary}`, /belong together|deepfake|mismatch/i);
  }
  const rows = Object.fromEntries(modelCardRows(card).map((r) => [r.label, r.value]));
  assert.equal(rows.Verdicts, `not given: ${note}`);
  assert.deepEqual(rows['Held-out real clips'], [
    '8 videos of 9 people; 56 fakes',
    'AUC 0.516 (95\u202f% interval 0.25–0.78) on voice_swap (8 real, 8 fake)',
    'AUC 1.000 on generator_musetalk (8 real, 2 fake)',
    '0\u202f% of real clips called fake at the threshold',
    '11\u202f% of fakes called fake at the threshold',
  ]);
  assert.equal(withCard({ ...REAL_CARD, verdict_supported: 'no' }).verdictSupported, true, 'only a JSON false withholds verdicts');
  assert.equal(readModelCard({}).verdictSupported, true, 'no card: verdict words stay, under the real-faces notice');
});

test('calibration without real faces gives no confidence wording; the numbers stay in the card', () => {
  const card = withCard({ ...REAL_CARD, real_faces: false });
  assert.ok(card.calibration);
  assert.equal(verdictFor(0.8, card).evidence, null);
  assert.match(verdictFor(0.8, card).notice.text, /not trained on real faces/);
  assert.equal(Object.fromEntries(modelCardRows(card).map((r) => [r.label, r.value]))['Real faces in training'], 'no');
});

test('a card that cannot be read counts as no card; a malformed calibration counts as none', () => {
  for (const raw of ['{not json', '[1, 2]', '"text"']) {
    const card = readModelCard({ card: raw });
    assert.equal(card.hasCard, false, raw);
    assert.equal(card.realFaces, false, raw);
    assert.equal(card.problems.length, 1, raw);
    assert.ok(verdictFor(0.9, card).notice, raw);
  }
  assert.equal(withCard({ ...REAL_CARD, real_faces: 'true' }).realFaces, false, 'only a JSON true declares real faces');
  const badBins = [
    [[0, 0.5, 0.1]], // three numbers
    [[0.5, 0.5, 0.1, 10]], // empty interval
    [[0, 0.6, 0.1, 10], [0.5, 1, 0.9, 10]], // overlap
    [[0, 1, 1.2, 10]], // rate above 1
    [[0, 1, 0.5, 2.5]], // fractional count
    [],
  ];
  for (const bins of badBins) {
    const card = withCard({ ...REAL_CARD, calibration: { method: 'x', bins } });
    assert.equal(card.calibration, null, JSON.stringify(bins));
    assert.equal(verdictFor(0.8, card).evidence, null, JSON.stringify(bins));
    assert.equal(card.problems.length, 1, JSON.stringify(bins));
  }
  // A bin without clips says nothing.
  assert.equal(verdictFor(0.8, withCard({ ...REAL_CARD, calibration: { method: 'x', bins: [[0, 1, 0.5, 0]] } })).evidence, null);
});

test('the threshold comes from the metrics; absent or out of range, 0.5', () => {
  assert.equal(readModelCard({ metrics: '{"threshold":0.668}' }).threshold, 0.668);
  assert.equal(readModelCard({ metrics: '{"threshold":0.668}' }).thresholdStated, true);
  for (const metrics of [undefined, '{}', '{"threshold":1.5}', '{"threshold":"x"}', 'nope']) {
    assert.equal(readModelCard({ metrics }).threshold, 0.5, String(metrics));
  }
  const card = readModelCard({ metrics: '{"threshold":0.668}' });
  assert.equal(verdictFor(0.668, card).decision, 'fake', 'a score at the threshold is fake, as in avlens scan');
  assert.equal(verdictFor(0.6679, card).decision, 'real');
});

test('colour levels follow the model\'s threshold, with the verdict\'s own rule', () => {
  const T = 0.668;
  assert.equal(scoreLevel(0.1, T), 'real');
  assert.equal(scoreLevel(0.6, T), 'leans-real', 'above 0.5, below the threshold: not a fake colour');
  assert.equal(scoreLevel(0.7, T), 'leans-fake');
  assert.equal(scoreLevel(0.95, T), 'fake');
  assert.equal(scoreLevel(NaN, T), 'none');
  assert.equal(scoreLevel(null, T), 'none');
  assert.equal(scoreLevel(0.45, 0.3), 'fake', 'the level moves with the threshold, not with fixed cut-offs');
  // Every level agrees with the verdict on the same score.
  const kindOf = { real: 'real', fake: 'fake', 'leans-real': 'uncertain', 'leans-fake': 'uncertain' };
  for (const threshold of [0.2, 0.5, 0.668, 0.9]) {
    const card = readModelCard({ metrics: JSON.stringify({ threshold }) });
    for (let p = 0; p <= 1; p += 0.01) {
      const level = scoreLevel(p, threshold);
      const v = verdictFor(p, card);
      assert.equal(kindOf[level], v.kind, `p ${p}, threshold ${threshold}`);
      assert.equal(level.endsWith('fake'), v.decision === 'fake', `p ${p}, threshold ${threshold}`);
    }
  }
});

test('a score is a "fake probability" only where calibration applies (the calibrated sentence\'s rule); a "score" otherwise', () => {
  const cases = [
    ['no card', readModelCard({}), false],
    ['real faces and calibration', withCard(REAL_CARD), true],
    ['calibration, no real faces', withCard({ ...REAL_CARD, real_faces: false }), false],
    ['real faces, no calibration', withCard({ ...REAL_CARD, calibration: null }), false],
    ['calibration that cannot be read', withCard({ ...REAL_CARD, calibration: { method: 'x', bins: [[0.5, 0.2, 0.1, 3]] } }), false],
    ['verdict withheld', withCard({ ...REAL_CARD, verdict_supported: false }), false],
  ];
  for (const [label, card, calibrated] of cases) {
    assert.equal(calibrationApplies(card), calibrated, label);
    const w = scoreWording(card);
    assert.equal(w.calibrated, calibrated, label);
    assert.equal(w.name, calibrated ? 'fake probability' : 'score', label);
    assert.equal(w.title, calibrated ? 'Fake probability' : 'Score', label);
    // The same rule as the calibrated sentence: no probability wording where no sentence is given.
    if (!calibrated) for (const p of [0.1, 0.4, 0.6, 0.9]) assert.equal(verdictFor(p, card).evidence, null, `${label}, p ${p}`);
    else assert.ok(verdictFor(0.9, card).evidence, label);
  }
});

// Coverage objects as the wasm core's coverage() returns them (avlens::clip_coverage); the rule that
// fills verdictWithheld and warning is the core's, tested in tests/wasm/coverage.test.mjs.
const COVERED = { videoSeconds: 4, audioSeconds: 4, scoredSeconds: 4, windows: 4, windowsScored: 4, windowsWithoutFace: 0, decodeErrors: 0, verdictWithheld: null, warning: null, windowsForVerdict: 3 };
const TWO_WINDOWS = { ...COVERED, videoSeconds: 2, audioSeconds: 2, scoredSeconds: 2, windows: 2, windowsScored: 2, verdictWithheld: 'only 2 windows (2.0 s) could be scored; a verdict needs at least 3' };
const SHORT_SOUND = { ...COVERED, videoSeconds: 20, audioSeconds: 3.5, scoredSeconds: 3, windows: 3, windowsScored: 3, warning: "only 3.0 s of the clip's 20 s were scored; the verdict is about that part" };

test('too few windows scored (the core\'s coverage): the score without a verdict, the core\'s reason, no calibrated sentence', () => {
  const card = withCard(REAL_CARD);
  for (const p of [0.05, 0.55, 0.95]) {
    const whole = verdictFor(p, card, COVERED);
    assert.notEqual(whole.kind, 'withheld');
    assert.equal(whole.withheld, null);
    assert.equal(whole.warning, null);
    const v = verdictFor(p, card, TWO_WINDOWS);
    assert.equal(v.kind, 'withheld', `p = ${p}`);
    assert.equal(v.title, 'Score only: no verdict');
    assert.equal(v.summary, 'Only 2 windows (2.0 s) could be scored; a verdict needs at least 3.');
    assert.equal(v.decision, whole.decision, 'the side of the threshold stays in the data');
    assert.equal(v.evidence, null, 'no calibrated sentence about a score from two windows');
    assert.deepEqual(v.withheld, { reason: TWO_WINDOWS.verdictWithheld, scored: 2, needed: 3, short: 'Not enough analysed yet (2 of 3 windows)' });
    assert.doesNotMatch(JSON.stringify(v), /belong together|deepfake|Inconclusive/);
  }
  // The clip's reason comes before a card that withholds verdicts; the card's note stays the notice.
  const noVerdictCard = withCard({ ...REAL_CARD, verdict_supported: false, verdict_note: 'held-out AUC 0.55' });
  const both = verdictFor(0.7, noVerdictCard, TWO_WINDOWS);
  assert.equal(both.kind, 'withheld');
  assert.match(both.notice.text, /held-out AUC 0\.55/);
  // Unknown coverage (null) is too little: a verdict needs the core to have said it may be given.
  const unknown = verdictFor(0.9, card, null);
  assert.equal(unknown.kind, 'withheld');
  assert.equal(unknown.withheld.short, 'Not enough analysed yet (0 windows)');
  assert.equal(coverageShortfall({ ...TWO_WINDOWS, windowsScored: 1 }).short, 'Not enough analysed yet (1 of 3 windows)');
  assert.equal(coverageShortfall(COVERED), null);
});

test('the core\'s warning goes with the verdict, which stays', () => {
  const card = withCard(REAL_CARD);
  const v = verdictFor(0.95, card, SHORT_SOUND);
  assert.equal(v.kind, 'fake');
  assert.equal(v.warning, SHORT_SOUND.warning);
  assert.equal(v.withheld, null);
  assert.equal(verdictFor(0.95, card).warning, null, 'no coverage given (a card\'s rules alone): no warning');
});

test('scoreLevelFor: the colour every view gives a score; neutral ("score") when the card withholds verdicts', () => {
  const backed = withCard({ ...REAL_CARD });
  const scoreOnly = withCard({ ...REAL_CARD, verdict_supported: false });
  for (const p of [0.02, 0.4, 0.6, 0.7, 0.98]) {
    assert.equal(scoreLevelFor(p, backed), scoreLevel(p, backed.threshold), `p = ${p}`);
    assert.equal(scoreLevelFor(p, scoreOnly), 'score', `p = ${p}: no red or green without a verdict`);
  }
  assert.equal(scoreLevelFor(NaN, scoreOnly), 'none');
  assert.equal(scoreLevelFor(null, backed), 'none');
});

test('the threshold sentence of the page, the badge and the popup names the model\'s threshold', () => {
  assert.equal(thresholdSentence(0.668), 'This model calls a video fake from 67\u202f%.');
  assert.equal(thresholdSentence(0.5), 'This model calls a video fake from 50\u202f%.');
});
