#!/usr/bin/env node
// Held-out test sets made from held-out real clips, for docs/MODEL_CARD.md:
//   node scripts/make_mismatch_tests.mjs LIST.csv OUT_DIR [--shifts 0.2,0.4,0.6]
// LIST.csv is a split list (`avlens prep --protocol groups` writes lists/test.csv: path,label,group,kind).
// From its real clips it writes, under OUT_DIR/clips/, with ffmpeg:
//   real_N.mp4        the real clip re-encoded (the fakes below are re-encoded the same way, so the
//                     encoding is not a cue),
//   voice_swap_N.mp4  its face with another held-out person's voice (group differs),
//   shift_S_N.mp4     its face with its own voice S seconds early (even N) or late (odd N), cut so that
//                     no stretch is silent,
// and the lists OUT_DIR/<set>.csv (path,label,group,kind): real + voice_swap, real + shift_S for each
// S, and real + each fake kind of LIST.csv (a generator's fakes as they are). Idempotent: existing clips
// are kept.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCsv } from './csv.mjs';

const quote = (s) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
const writeList = (file, items) =>
  writeFileSync(file, 'path,label,group,kind\n' + items.map((v) => [v.path, v.label, v.group, v.kind].map((x) => quote(String(x))).join(',')).join('\n') + '\n');

function probeDuration(file) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(String(out).trim());
}

function ffmpeg(args, out) {
  if (existsSync(out)) return;
  const tmp = `${out}.tmp.mp4`;
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '1', '-shortest', '-threads', '2', tmp]);
  execFileSync('mv', [tmp, out]);
}

const [listPath, outDir, ...rest] = process.argv.slice(2);
if (!listPath || !outDir) {
  console.error('usage: node scripts/make_mismatch_tests.mjs LIST.csv OUT_DIR [--shifts 0.2,0.4,0.6]');
  process.exit(2);
}
const shiftsArg = rest.indexOf('--shifts');
const shifts = (shiftsArg >= 0 ? rest[shiftsArg + 1] : '0.2,0.4,0.6').split(',').map(Number);
const items = parseCsv(readFileSync(listPath, 'utf8'));
const reals = items.filter((v) => v.label === '0' || v.label === 'real');
if (reals.length < 2) throw new Error(`${listPath}: need at least two real clips of different groups`);
const clips = resolve(outDir, 'clips');
mkdirSync(clips, { recursive: true });

const sets = { voice_swap: [] };
for (const s of shifts) sets[`shift_${s}`] = [];
const realItems = [];
reals.forEach((v, n) => {
  const real = join(clips, `real_${n}.mp4`);
  ffmpeg(['-i', v.path, '-map', '0:v:0', '-map', '0:a:0'], real);
  realItems.push({ path: real, label: 0, group: v.group, kind: 'real' });
  // Another person's voice: the next real clip of another group (the list is in a fixed order).
  for (let k = 1; k < reals.length; k++) {
    const donor = reals[(n + k) % reals.length];
    if (donor.group === v.group) continue;
    const out = join(clips, `voice_swap_${n}.mp4`);
    ffmpeg(['-i', v.path, '-i', donor.path, '-map', '0:v:0', '-map', '1:a:0'], out);
    sets.voice_swap.push({ path: out, label: 1, group: v.group, kind: 'voice_swap' });
    break;
  }
  const duration = probeDuration(v.path);
  for (const s of shifts) {
    if (duration < s + 1.05) continue; // not a whole window left
    const out = join(clips, `shift_${s}_${n}.mp4`);
    // Early voice: the audio input starts s later; late voice: the video input starts s later.
    const args = n % 2 === 0
      ? ['-i', v.path, '-ss', String(s), '-i', v.path]
      : ['-ss', String(s), '-i', v.path, '-i', v.path];
    ffmpeg([...args, '-map', '0:v:0', '-map', '1:a:0'], out);
    sets[`shift_${s}`].push({ path: out, label: 1, group: v.group, kind: `shift_${s}` });
  }
});
for (const v of items.filter((x) => x.label === '1' || x.label === 'fake')) {
  const kind = v.kind || 'fake';
  (sets[`generator_${kind}`] ??= []).push({ path: v.path, label: 1, group: v.group, kind });
}
const all = [...realItems];
for (const [name, fakes] of Object.entries(sets)) {
  if (!fakes.length) continue;
  writeList(join(outDir, `${name}.csv`), [...realItems, ...fakes]);
  all.push(...fakes);
  console.log(`${name}: ${realItems.length} real + ${fakes.length} fake`);
}
writeList(join(outDir, 'all.csv'), all);
