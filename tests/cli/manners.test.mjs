// The CLI from a person's side (issue 16, "a CLI with manners"; issue 17 item 5): --version, help
// for every command, usage errors and per-clip errors on stderr with their exit codes, results on
// stdout, and `scan --json` saying what it scored and what it did not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AVLENS, ROOT, faceClip } from '../wasm/support.mjs';

const skip = !existsSync(AVLENS) && `${AVLENS} is not built`;
const avlens = (...args) => {
  const r = spawnSync(AVLENS, args, { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, AVLENS_MODEL: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const COMMANDS = ['ablate', 'eval', 'export', 'prep', 'scan', 'synth', 'train', 'windows'];

test('--version prints the package version', { skip }, () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const r = avlens('--version');
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), `avlens ${version}`);
});

test('every command answers --help, -h and `avlens help CMD` on stdout with exit 0', { skip }, () => {
  const list = avlens('--help');
  assert.equal(list.code, 0);
  for (const cmd of COMMANDS) {
    assert.match(list.stdout, new RegExp(`^  ${cmd} `, 'm'), `${cmd} is listed`);
    const forms = [[cmd, '--help'], [cmd, '-h'], ['help', cmd]];
    const outputs = forms.map((f) => avlens(...f));
    for (const [i, r] of outputs.entries()) {
      assert.equal(r.code, 0, `${forms[i].join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`usage: avlens ${cmd}`), `${forms[i].join(' ')} prints the usage`);
      assert.equal(r.stderr, '', `${forms[i].join(' ')} writes nothing on stderr`);
    }
    assert.equal(outputs[1].stdout, outputs[0].stdout, `${cmd}: -h is --help`);
    // Commands that load checkpoints say which ones are safe and how old ones load (docs/RELIABILITY.md §11).
    const help = outputs[0].stdout.replace(/\s+/g, ' ');
    if (cmd === 'scan' || cmd === 'eval') {
      assert.match(help, /loading it runs nothing it carries/, `${cmd}: says a checkpoint runs nothing`);
      assert.match(help, /LibTorch archives, which can run code they carry: they load only with --legacy-checkpoint/, `${cmd}: names the legacy opt-in`);
    }
    if (cmd === 'export') assert.match(help, /--legacy-checkpoint: .*which can run code it carries/, 'export: names the legacy opt-in');
    assert.equal(outputs[2].stdout, outputs[0].stdout, `${cmd}: help ${cmd} is --help`);
  }
});

test('usage errors go to stderr with exit 2; nothing on stdout', { skip }, () => {
  for (const args of [[], ['frobnicate'], ['help', 'frobnicate'], ['scan'], ['scan', 'x.mp4', '--no-such-flag'],
    ['scan', 'x.mp4', '--threshold', 'nan'], ['windows']]) {
    const r = avlens(...args);
    assert.equal(r.code, 2, `avlens ${args.join(' ')}: exit ${r.code}`);
    assert.equal(r.stdout, '', `avlens ${args.join(' ')}: stdout is empty`);
    assert.ok(r.stderr.length > 0, `avlens ${args.join(' ')}: says why on stderr`);
  }
});

test('train: one key spelt two ways (--a_b and --a-b) is refused naming both values', { skip }, () => {
  const r = avlens('train', '--max_steps_per_epoch', '5', '--max-steps-per-epoch', '6', '--data', '/nonexistent');
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /--max_steps_per_epoch \('5'\) and --max-steps-per-epoch \('6'\) are the same option/);
});

test('scan: a clip that fails is named on stderr, exit 1; the good clip is still scored on stdout', { skip }, async () => {
  const good = await faceClip('manners_good.mp4', { seconds: 3.3, audio: ['-c:a', 'aac'] });
  const text = avlens('scan', '/nonexistent/clip.mp4', good, '--threads', '1');
  assert.equal(text.code, 1);
  assert.match(text.stderr, /\/nonexistent\/clip\.mp4: error: file_not_found/);
  assert.doesNotMatch(text.stdout, /nonexistent/);
  assert.match(text.stdout, new RegExp(`${good.replaceAll('.', '\\.')}: (FAKE|REAL|SCORE ONLY) \\(score`));
  const json = avlens('scan', '/nonexistent/clip.mp4', good, '--json', '--threads', '1');
  assert.equal(json.code, 1);
  const [bad, ok] = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.match(bad.error, /^file_not_found/);
  assert.equal(bad.score, null);
  assert.equal(ok.error, null);
  assert.match(json.stderr, /\/nonexistent\/clip\.mp4: error: file_not_found/);
});

test('scan --json carries the verdict, the threshold, the timeline and what was scored', { skip }, async () => {
  const clip = await faceClip('manners_whole.mp4', { seconds: 4.3, audio: ['-c:a', 'aac'] });
  const r = avlens('scan', clip, '--json', '--threads', '1', '--progress');
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.equal(typeof v.threshold, 'number');
  assert.ok(v.threshold > 0 && v.threshold < 1);
  // A verdict, or the reason there is none (the bundled model's card may withhold it).
  if (v.verdict === null) assert.ok(v.verdict_withheld.length > 10, 'the reason is given');
  else assert.equal(v.verdict, v.score >= v.threshold ? 'fake' : 'real');
  assert.equal(v.timeline.length, 5);  // 4.3 s: seconds 0..4
  assert.equal(v.timeline[4], null);  // no window covers the last partial second
  for (let s = 0; s < 4; s++) assert.ok(Math.abs(v.timeline[s] - v.windows[s].score) < 1e-9);
  assert.deepEqual(
    { ...v.coverage, video_seconds: Math.round(v.coverage.video_seconds), audio_seconds: Math.round(v.coverage.audio_seconds) },
    { video_seconds: 4, audio_seconds: 4, scored_seconds: 4, windows: 4, windows_scored: 4, windows_without_face: 0,
      decode_errors: 0, verdict_withheld: null },
  );
  assert.equal(v.warning, null);
  assert.match(r.stderr, /scored/, 'a progress line on stderr');
});

test('scan --json says when most of the clip went unscored, and gives no verdict from two windows', { skip }, async () => {
  // 20 s of picture with 3.5 s of sound: 3 windows scored of 20 s.
  const long = await faceClip('manners_short_sound.mkv', { seconds: 20,
    audio: ['-c:a', 'pcm_s16le', '-af', 'atrim=0:3.5'] });
  const a = JSON.parse(avlens('scan', long, '--json', '--threads', '1').stdout);
  assert.equal(a.error, null);
  assert.equal(a.coverage.windows_scored, 3);
  assert.equal(a.coverage.scored_seconds, 3);
  assert.ok(a.coverage.video_seconds >= 19.9, `video ${a.coverage.video_seconds}`);
  assert.ok(Math.abs(a.coverage.audio_seconds - 3.5) < 0.1, `audio ${a.coverage.audio_seconds}`);
  assert.match(a.warning, /only 3\.0 s of the clip's 20 s were scored/);
  assert.match(a.warning, /picture 20 s but sound 3\.5 s/);

  const short = await faceClip('manners_two_windows.mp4', { seconds: 2.4, audio: ['-c:a', 'aac'] });
  const b = JSON.parse(avlens('scan', short, '--json', '--threads', '1', '--threshold', '0.5').stdout);
  assert.equal(b.coverage.windows_scored, 2);
  assert.equal(b.verdict, null);
  assert.match(b.coverage.verdict_withheld, /only 2 windows \(2\.0 s\) could be scored; a verdict needs at least 3/);
  assert.ok(b.verdict_withheld.length > 0);
  const t = avlens('scan', short, '--threads', '1');
  assert.match(t.stdout, /SCORE ONLY/);
  assert.doesNotMatch(t.stdout, /: (FAKE|REAL) /);
});
