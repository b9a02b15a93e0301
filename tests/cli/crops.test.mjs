// `avlens crops` (issue 13): a corpus carried as face-crop clips. Each crop clip has SIDExSIDE frames,
// the source's duration within a frame and its exact audio (an AAC mono source is copied); windows made
// from the crops whole (--whole-frame, as prep does for face-centred clips) match in count and, up to
// the re-encoding and a second resize, in pixels the windows made from the source with face tracking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AVLENS, faceClip, makeClip, nativeWindows, workDir } from '../wasm/support.mjs';

const skip = !existsSync(AVLENS) && `${AVLENS} is not built`;
// `avlens prep` needs the trainer build (LibTorch); the windows command shares its window maker.
const PREP = process.env.AVLENS_PREP_BIN ?? AVLENS;
const hasPrep = existsSync(PREP) && spawnSync(PREP, ['help', 'prep']).status === 0;

const avlens = (bin, args) => {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

function probe(path) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries',
    'stream=codec_type,codec_name,width,height,pix_fmt,r_frame_rate,nb_read_frames,channels,sample_rate', '-of', 'json', path],
  { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const streams = JSON.parse(r.stdout).streams;
  return { video: streams.find((s) => s.codec_type === 'video'), audio: streams.find((s) => s.codec_type === 'audio') };
}

const decodedAudio = (path) => {
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', path, '-map', '0:a:0', '-f', 'f32le', '-'],
    { maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
};

const meanAbsDiff = (a, b) => {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
};

async function dataset() {
  const mono = await faceClip('crops_mono.mp4', { seconds: 3.2, fps: 25, tone: 48000,
    video: ['-c:v', 'libx264'], audio: ['-c:a', 'aac', '-ac', '1'] });
  const stereo = await faceClip('crops_stereo.mkv', { seconds: 2.6, fps: 30, tone: 44100,
    video: ['-c:v', 'libx264'], audio: ['-c:a', 'libopus', '-ac', '2'] });
  const noFace = await makeClip('crops_noface.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=48000', '-t', '2.4', '-c:a', 'aac']);
  const dir = mkdtempSync(join(workDir, 'crops-'));
  const csv = join(dir, 'list.csv');
  writeFileSync(csv, `path,label,group,kind\n${mono},1,"person, one",lipsync\n${noFace},0,nobody,\n` +
    `${stereo},0,p2,real\n`);
  return { mono, stereo, noFace, csv, dir };
}

test('crops: face-crop clips with the source audio and timeline, labels.csv and skipped.csv', { skip, timeout: 600_000 },
  async (t) => {
    const d = await dataset();
    const out = join(d.dir, 'out');
    const r = avlens(AVLENS, ['crops', d.csv, '--out', out, '--side', '96']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { clips: 3, written: 2, skipped: 1, seconds: JSON.parse(r.stdout).seconds });

    const labels = readFileSync(join(out, 'labels.csv'), 'utf8').trim().split('\n');
    assert.equal(labels[0], 'path,label,group,kind', 'the input columns');
    assert.equal(labels.length, 3, 'the two clips with a face');
    const [monoCrop, stereoCrop] = labels.slice(1).map((l) => l.split(',')[0]);
    assert.match(labels[1], /,1,"person, one",lipsync$/, 'the other columns as given (quoted where needed)');
    assert.match(labels[2], /,0,p2,real$/);
    const skipped = readFileSync(join(out, 'skipped.csv'), 'utf8').trim().split('\n');
    assert.equal(skipped.length, 2);
    assert.ok(skipped[1].startsWith(`${d.noFace},no_face,`), skipped[1]);

    for (const [source, crop, fps] of [[d.mono, monoCrop, 25], [d.stereo, stereoCrop, 30]]) {
      const s = probe(source), c = probe(crop);
      assert.equal(c.video.codec_name, 'h264');
      assert.equal(c.video.pix_fmt, 'yuv420p');
      assert.deepEqual([c.video.width, c.video.height], [96, 96]);
      assert.equal(c.video.r_frame_rate, `${fps}/1`, 'the clip\'s frame rate');
      assert.ok(Math.abs(Number(c.video.nb_read_frames) - Number(s.video.nb_read_frames)) <= 1,
        `${c.video.nb_read_frames} frames for the source's ${s.video.nb_read_frames}`);
      assert.equal(c.audio.codec_name, 'aac');
      assert.equal(c.audio.channels, 1);
      assert.equal(c.audio.sample_rate, s.audio.sample_rate, 'the source\'s sample rate');
    }
    // An AAC mono source: the very same decoded samples. Opus stereo: re-encoded, the same length.
    assert.ok(decodedAudio(monoCrop).equals(decodedAudio(d.mono)), 'the same decoded audio');
    const stereoSeconds = decodedAudio(stereoCrop).length / 4 / 48000;
    assert.ok(Math.abs(stereoSeconds - 2.6) < 0.05, `${stereoSeconds} s of audio`);

    // Windows from the crops whole vs from the source with tracking (tiny: 8 fps, 64x64). Crops made
    // at 8 fps track on the same frames, so only the encoding and the 96 -> 64 resize differ; at the
    // clip's rate the tracker smooths other detections and the box differs by a few pixels.
    const original = await nativeWindows(d.mono, ['--preset', 'tiny']);
    const at8 = join(d.dir, 'out8');
    assert.equal(avlens(AVLENS, ['crops', d.csv, '--out', at8, '--side', '96', '--fps', '8']).code, 0);
    const crop8 = readFileSync(join(at8, 'labels.csv'), 'utf8').split('\n')[1].split(',')[0];
    for (const [name, crop, limit] of [['8 fps', crop8, 6], ['25 fps', monoCrop, 40]]) {
      const whole = await nativeWindows(crop, ['--preset', 'tiny', '--whole-frame']);
      assert.equal(whole.windows.length, original.windows.length, `${name}: as many windows`);
      const diffs = whole.windows.map((w, i) => meanAbsDiff(w.crops, original.windows[i].crops));
      const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
      t.diagnostic(`crops at ${name}: mean |pixel difference| ${mean.toFixed(2)} of 255 (windows: ${diffs.map((x) => x.toFixed(2))})`);
      assert.ok(mean < limit, `${name}: mean absolute difference ${mean} < ${limit}`);
    }
  });

test('crops + prep --whole-frame: as many windows as prep on the sources', { skip: skip || (!hasPrep &&
  'avlens prep is not in this build (trainer off); set AVLENS_PREP_BIN'), timeout: 600_000 }, async () => {
  const d = await dataset();
  const out = join(d.dir, 'out');
  assert.equal(avlens(AVLENS, ['crops', d.csv, '--out', out]).code, 0);
  const prep = (dataset, cache, extra) => {
    const r = avlens(PREP, ['prep', dataset, '--out', cache, '--preset', 'tiny', '--workers', '1', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(readFileSync(join(cache, 'prep_summary.json'), 'utf8'));
  };
  const sources = prep(d.csv, join(d.dir, 'cache-sources'), []);
  const crops = prep(out, join(d.dir, 'cache-crops'), ['--whole-frame']);
  assert.equal(sources.cached, 2);
  assert.equal(crops.cached, 2);
  assert.equal(crops.windows, sources.windows);
});

test('crops: a list without a path column, an odd side or a missing clip are named errors', { skip }, async () => {
  const dir = mkdtempSync(join(workDir, 'crops-bad-'));
  const noPath = join(dir, 'nopath.csv');
  writeFileSync(noPath, 'file,label\na.mp4,0\n');
  let r = avlens(AVLENS, ['crops', noPath, '--out', join(dir, 'out')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /has no 'path' column/);
  const missing = join(dir, 'missing.csv');
  writeFileSync(missing, 'path,label\nnot-there.mp4,0\n');
  r = avlens(AVLENS, ['crops', missing, '--out', join(dir, 'out')]);
  assert.equal(r.code, 1, 'no clip written');
  assert.match(readFileSync(join(dir, 'out', 'skipped.csv'), 'utf8'), /not-there\.mp4,file_not_found,/);
  assert.equal(readFileSync(join(dir, 'out', 'labels.csv'), 'utf8'), 'path,label\n');
  r = avlens(AVLENS, ['crops', missing, '--out', join(dir, 'out'), '--side', '97']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--side must be even/);
});
