// One clip that crashes must not end a batch (issue 17 item 2; docs/RELIABILITY.md §2): `avlens scan`
// and `avlens prep` read each clip in a child process, so a clip that kills the process reading it
// (a signal, an abort, memory exhausted) or hangs is that clip's error, named with its signal, and the
// others are read as in a run of their own. The crashes are real: tests/cli/crash_on_open.c, built
// here and preloaded, makes FFmpeg's avformat_open_input crash for files named crash-*; the same
// clips without that name are ordinary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AVLENS, ROOT, faceClip, workDir } from '../wasm/support.mjs';

const skip = !existsSync(AVLENS) && `${AVLENS} is not built`;
const PRELOAD = join(workDir, 'crash_on_open.so');

function crashLibrary() {
  if (!existsSync(PRELOAD)) {
    const cc = spawnSync('cc', ['-O0', '-shared', '-fPIC', '-o', PRELOAD, join(ROOT, 'tests/cli/crash_on_open.c'), '-ldl'],
      { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
  }
  return PRELOAD;
}

const avlens = (args, { preload = true } = {}) => {
  const env = { ...process.env, AVLENS_MODEL: '' };
  if (preload) env.LD_PRELOAD = crashLibrary();
  const r = spawnSync(AVLENS, args, { encoding: 'utf8', maxBuffer: 1 << 26, env });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
};

// The clips of a batch: two good ones (different lengths), random bytes, and copies of the first
// good clip whose names make the preloaded library crash, abort or hang when they are opened.
async function batchClips() {
  const good = await faceClip('batch_good.mp4', { seconds: 3.3, audio: ['-c:a', 'aac'] });
  const good2 = await faceClip('batch_good2.mkv', { seconds: 4.2, audio: ['-c:a', 'libopus'] });
  const random = join(workDir, 'batch_random.mp4');
  let seed = 12345;
  const bytes = Buffer.alloc(50_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  writeFileSync(random, bytes);
  const named = (kind) => {
    const path = join(workDir, `crash-${kind}.mp4`);
    copyFileSync(good, path);
    return path;
  };
  return { good, good2, random, segfault: named('segfault'), abort: named('abort'), hang: named('hang'),
    oom: named('oom') };
}

test('scan: clips that crash, abort, run out of memory or hang are errors of their own; the others are scored as alone',
  { skip, timeout: 600_000 }, async () => {
    const c = await batchClips();
    const batch = [c.good, c.random, c.segfault, c.abort, c.oom, c.good2];
    const r = avlens(['scan', ...batch, '--json', '--threads', '1', '--clip-memory', '4096']);
    assert.equal(r.code, 1, `exit 1 when some clips failed: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((v) => v.file), batch, 'one result per clip, in order');
    const byFile = Object.fromEntries(lines.map((v) => [v.file, v]));

    // The good clips: exactly what a run of their own gives (which is itself a child), and what
    // reading them in this process gives.
    for (const clip of [c.good, c.good2]) {
      assert.equal(byFile[clip].error, null);
      const alone = JSON.parse(avlens(['scan', clip, '--json', '--threads', '1'], { preload: false }).stdout);
      const inProcess = JSON.parse(avlens(['scan', clip, '--json', '--threads', '1', '--in-process'],
        { preload: false }).stdout);
      assert.deepEqual(byFile[clip], alone, `${clip}: as scored alone`);
      assert.deepEqual(byFile[clip], inProcess, `${clip}: as scored in one process`);
      assert.ok(byFile[clip].windows.length >= 3);
    }
    // Random bytes: the core's own error, as before.
    assert.match(byFile[c.random].error, /^unreadable: /);
    // The crashes, each named by its signal, with the JSON of a clip that has no score.
    assert.match(byFile[c.segfault].error,
      /^crashed: the process reading this clip was killed by SIGSEGV \(Segmentation fault\); the other clips are not affected$/);
    assert.match(byFile[c.abort].error, /^crashed: .* killed by SIGABRT \(Aborted\)/);
    // Memory: bounded by --clip-memory, so careless code that allocates without end crashes
    // (its allocation fails) instead of taking the machine's memory.
    assert.match(byFile[c.oom].error, /^crashed: .* killed by SIGSEGV/);
    for (const clip of [c.random, c.segfault, c.abort, c.oom]) {
      const v = byFile[clip];
      assert.equal(v.score, null);
      assert.equal(v.verdict, null);
      assert.deepEqual(v.windows, []);
      assert.match(r.stderr, new RegExp(`${clip.replaceAll('.', '\\.')}: error: ${v.error.split(':')[0]}`));
    }

    // A clip that never returns is stopped at --clip-timeout (its own run: the limit counts from the
    // start of the clip's process, which a loaded machine can make slow for the good clips too).
    const hang = avlens(['scan', c.hang, '--json', '--threads', '1', '--clip-timeout', '5']);
    assert.equal(hang.code, 1);
    const stopped = JSON.parse(hang.stdout);
    assert.equal(stopped.error, 'timed_out: reading this clip took more than 5 s (--clip-timeout); it was stopped');
    assert.equal(stopped.score, null);
    assert.match(hang.stderr, /crash-hang\.mp4: error: timed_out/);

    // Text output: the good clips' lines, the failures on stderr only.
    const text = avlens(['scan', c.segfault, c.good, '--threads', '1']);
    assert.equal(text.code, 1);
    assert.match(text.stdout, new RegExp(`^${c.good.replaceAll('.', '\\.')}: (FAKE|REAL|SCORE ONLY) \\(score`, 'm'));
    assert.doesNotMatch(text.stdout, /crash-segfault/);
    assert.match(text.stderr, /crash-segfault\.mp4: error: crashed: .*SIGSEGV/);

    // Before (every clip in one process, still available as --in-process): the first crash ends the batch.
    const before = avlens(['scan', c.good, c.segfault, c.good2, '--json', '--threads', '1', '--in-process']);
    assert.equal(before.signal, 'SIGSEGV');
    assert.equal(before.stdout.trim().split('\n').length, 1, 'only the clip before the crash was scored');
  });

test('prep: a video that crashes is skipped with its signal; the others are cached as in one process', { skip,
  timeout: 600_000 }, async () => {
  const c = await batchClips();
  const list = join(workDir, 'batch_list.csv');
  writeFileSync(list, `path,label\n${c.good},0\n${c.random},1\n${c.segfault},1\n${c.abort},0\n${c.good2},1\n`);
  const cache = join(workDir, 'batch_cache');
  const args = ['prep', list, '--out', cache, '--preset', 'tiny', '--workers', '2'];
  const r = avlens(args);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.deepEqual({ videos: summary.videos, cached: summary.cached, skipped: summary.skipped },
    { videos: 5, cached: 2, skipped: 3 });
  assert.match(r.stderr, /crash-segfault\.mp4: skipped \[crashed\]: the process reading this clip was killed by SIGSEGV/);
  assert.match(r.stderr, /crash-abort\.mp4: skipped \[crashed\]: .*SIGABRT/);
  assert.match(r.stderr, /batch_random\.mp4: skipped \[unreadable\]/);
  const skipped = readdirSync(join(cache, 'skipped')).map((f) => JSON.parse(readFileSync(join(cache, 'skipped', f), 'utf8')));
  const crash = skipped.find((s) => s.source === c.segfault);
  assert.deepEqual({ code: crash.code, label: crash.label }, { code: 'crashed', label: 1 });
  assert.match(crash.reason, /SIGSEGV/);
  // Nothing half-written is left behind by the killed processes.
  assert.deepEqual(readdirSync(join(cache, 'items')).filter((f) => !f.endsWith('.avw')), []);

  // The cached windows are byte for byte those of a run in one process (without the crashing clips).
  const goodList = join(workDir, 'batch_good_list.csv');
  writeFileSync(goodList, `path,label\n${c.good},0\n${c.good2},1\n`);
  const reference = join(workDir, 'batch_cache_in_process');
  const ref = avlens(['prep', goodList, '--out', reference, '--preset', 'tiny', '--in-process'], { preload: false });
  assert.equal(ref.code, 0, ref.stderr);
  const items = readdirSync(join(reference, 'items')).sort();
  assert.deepEqual(readdirSync(join(cache, 'items')).sort(), items);
  assert.ok(items.length === 2);
  for (const f of items)
    assert.ok(readFileSync(join(cache, 'items', f)).equals(readFileSync(join(reference, 'items', f))), `${f} differs`);

  // A re-run is resumable as before: everything is already done (the crash is not retried).
  const again = avlens(args);
  assert.equal(again.code, 0);
  assert.equal(JSON.parse(again.stdout).already_cached, 5);
});
