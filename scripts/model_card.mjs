#!/usr/bin/env node
// The model card that `avlens export --card` puts into a model's metadata (the page shows it beside
// every verdict), assembled from `avlens eval` results on held-out test sets:
//   node scripts/model_card.mjs --eval EVAL_DIR --base BASE.json --out CARD.json \
//     [--train-list lists/train.csv --test-list lists/test.csv]
// EVAL_DIR/<set>/metrics.json per test set (scripts/make_mismatch_tests.mjs names them: voice_swap,
// shift_S, generator_G, all). BASE.json holds the hand-written fields (name, intended_use, limits,
// training_data); the measured ones are added: heldout_real (per set: AUC with its 95 % bootstrap
// interval (scripts/auc.mjs), counts; the share of held-out real clips called fake at the threshold)
// and calibration (from the "all" set: per score bin, the share of held-out clips in it that were
// fakes).
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auc, aucInterval } from './auc.mjs';
import { parseCsv } from './csv.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
for (const k of ['eval', 'base', 'out']) {
  if (!args[k]) {
    console.error('usage: node scripts/model_card.mjs --eval EVAL_DIR --base BASE.json --out CARD.json [--train-list LIST.csv]');
    process.exit(2);
  }
}
const card = JSON.parse(readFileSync(args.base, 'utf8'));
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

const sets = {};
let all = null;
for (const name of readdirSync(args.eval).sort()) {
  const file = join(args.eval, name, 'metrics.json');
  if (!existsSync(file)) continue;
  const m = JSON.parse(readFileSync(file, 'utf8'));
  if (name === 'all') {
    all = m;
    continue;
  }
  const scores = (label) => m.per_video.filter((v) => v.label === label).map((v) => v.score);
  const [reals, fakes] = [scores(0), scores(1)];
  // The interval is resampled from the per-video scores: they must be the ones the AUC came from.
  // A set left with one class (every fake without a face) has no AUC (-1) and no interval.
  const measured = reals.length > 0 && fakes.length > 0;
  if (measured && !(Math.abs(auc(reals, fakes) - m.auc) < 1e-6)) throw new Error(`${file}: its per_video scores give AUC ${auc(reals, fakes)}, not its auc ${m.auc}`);
  const interval = measured ? aucInterval(reals, fakes).map((x) => round(x)) : null;
  sets[name] = { auc: round(m.auc), auc_interval: interval, real: m.videos.real, fake: m.videos.fake, accuracy: round(m.accuracy) };
}
if (!all) throw new Error(`${args.eval}/all/metrics.json is missing: evaluate the "all" set too`);

const threshold = all.threshold;
const reals = all.per_video.filter((v) => v.label === 0);
const fakes = all.per_video.filter((v) => v.label === 1);
card.heldout_real = {
  videos: reals.length,
  fake_videos: fakes.length,
  threshold: round(threshold, 4),
  real_called_fake: round(reals.filter((v) => v.score >= threshold).length / Math.max(1, reals.length)),
  fake_called_fake: round(fakes.filter((v) => v.score >= threshold).length / Math.max(1, fakes.length)),
  auc: Object.fromEntries(Object.entries(sets).map(([k, v]) => [k, v.auc])),
  sets,
};
// People (groups with a real clip) on each side, from the split lists (path,label,group,kind).
const groupsOf = (file, label) => new Set(parseCsv(readFileSync(file, 'utf8'))
  .filter((r) => label === undefined || r.label === String(label)).map((r) => r.group));
if (args['train-list']) card.heldout_real.training_people = groupsOf(args['train-list'], 0).size;
if (args['test-list']) card.heldout_real.people = groupsOf(args['test-list'], 0).size;

// Whether the held-out results support showing a verdict at all: enough held-out real clips, and
// every fake kind of the held-out sets separated from them: AUC >= 0.7, and better than chance
// with 95 % confidence (its interval above 0.5). The page shows no verdict wording for a model
// whose card says no, only its score and this reason.
const MIN_REAL = 20;
const MIN_AUC = 0.7;
const weak = Object.entries(sets)
  .filter(([, v]) => !(v.auc >= MIN_AUC && v.auc_interval?.[0] > 0.5))
  .map(([k, v]) => (v.auc_interval ? `${k} ${v.auc} (95 % interval ${v.auc_interval[0]}-${v.auc_interval[1]})` : `${k} not measured`));
const supported = reals.length >= MIN_REAL && weak.length === 0;
card.verdict_supported = supported;
card.verdict_note = supported
  ? `On ${reals.length} held-out real clips of unseen people, every held-out fake kind was separated (AUC >= ${MIN_AUC}, its 95 % interval above chance).`
  : `Not shown to work on real people: ${reals.length < MIN_REAL ? `only ${reals.length} held-out real clips (fewer than ${MIN_REAL})` : ''}` +
    `${reals.length < MIN_REAL && weak.length ? '; ' : ''}${weak.length ? `held-out AUC below ${MIN_AUC} or not above chance: ${weak.join(', ')}` : ''}.`;

// Calibration: four bins around the threshold, each with the observed share of fakes among the
// held-out clips scoring in it. A bin with fewer than 5 clips says nothing and is left out; with
// fewer than MIN_REAL real clips, or a verdict the results do not support, there is no calibration.
const edges = [0, threshold / 2, threshold, threshold + (1 - threshold) / 2, 1.0000001];
const bins = [];
for (let i = 0; i + 1 < edges.length; i++) {
  const inBin = all.per_video.filter((v) => v.score >= edges[i] && v.score < edges[i + 1]);
  if (inBin.length < 5) continue;
  bins.push([round(edges[i], 4), round(Math.min(1, edges[i + 1]), 4), round(inBin.filter((v) => v.label === 1).length / inBin.length), inBin.length]);
}
card.calibration = supported
  ? { method: `observed share of fakes per score range on held-out clips (${reals.length} real, ${fakes.length} fake: ${Object.keys(sets).join(', ')})`, bins }
  : null;
writeFileSync(args.out, JSON.stringify(card, null, 2) + '\n');
console.log(JSON.stringify(card.heldout_real, null, 2));
