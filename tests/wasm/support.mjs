// Shared by the wasm core's tests: the built core, the native CLI, and clips made on the fly with
// Debian's ffmpeg CLI from the public-domain astronaut photo in tests/data.
import { execFile } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WASM_DIR = resolve(process.env.AVLENS_WASM_DIR ?? join(ROOT, 'build-wasm'));
export const AVLENS = resolve(process.env.AVLENS_BIN ?? join(ROOT, 'build', 'bin', 'avlens'));
export const FACE_IMAGE = join(ROOT, 'tests', 'data', 'astronaut.png');

/** The wasm core's module (build-wasm/avlens_core.js), instantiated once per test file. */
let corePromise = null;
export function loadCore() {
  if (!corePromise) {
    const js = join(WASM_DIR, 'avlens_core.js');
    if (!existsSync(js)) throw new Error(`${js} is missing: build it with wasm/build.sh`);
    corePromise = import(pathToFileURL(js).href).then((m) => m.createCore());
  }
  return corePromise;
}

export function requireNative() {
  if (!existsSync(AVLENS)) throw new Error(`${AVLENS} is missing: build the native CLI (scripts/setup.sh) or set AVLENS_BIN`);
}

export const workDir = mkdtempSync(join(tmpdir(), 'avlens-wasm-test-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

/** `ffmpeg -y ARGS OUT` once per name; returns the path. */
export async function makeClip(name, args) {
  const path = join(workDir, name);
  if (!existsSync(path)) {
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args, '-threads', '1', path], { maxBuffer: 1 << 24 });
  }
  return path;
}

/**
 * The astronaut's face on a gray frame (the face sits left of centre), a tone, for `seconds`.
 * video/audio: ffmpeg codec arguments, e.g. ['-c:v', 'libx264'], ['-c:a', 'aac'].
 * rotate: 90 stores the picture turned and a display matrix that turns it back upright.
 */
export async function faceClip(name, { seconds = 2.2, fps = 25, size = [640, 360], video = [], audio = [], extra = [],
  tone = 44100, rotate = 0 } = {}) {
  const [w, h] = size;
  const face = Math.round(h * 0.9);
  const inputs = ['-loop', '1', '-framerate', String(fps), '-i', FACE_IMAGE];
  const maps = ['-map', '[v]'];
  if (audio.length) {
    inputs.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${tone}`);
    maps.push('-map', '1:a');
  }
  if (rotate !== 0 && rotate !== 90) throw new Error('faceClip: rotate is 0 or 90');
  const filter = `[0:v]scale=${face}:${face},crop=${face}:${Math.min(face, h)}:0:0,` +
    // (pad rounds to even sizes in 4:2:0; the last scale gives odd sizes exactly)
    `pad=${w}:${h}:${Math.round(w * 0.15)}:0:color=gray,format=yuv420p,scale=${w}:${h}${rotate ? ',transpose=clock' : ''}[v]`;
  const encoded = await makeClip(rotate ? `unrotated_${name}` : name, [...inputs, '-filter_complex', filter, ...maps,
    '-t', String(seconds), '-r', String(fps), ...video, ...audio, ...extra]);
  if (!rotate) return encoded;
  // Debian's ffmpeg 5.1 writes the display matrix from the `rotate` tag only when stream-copying.
  return makeClip(name, ['-i', encoded, '-c', 'copy', '-metadata:s:v:0', `rotate=${rotate}`]);
}

/** The first `fraction` of a file's bytes, as a new file. */
export function truncatedCopy(path, name, fraction) {
  const bytes = readFileSync(path);
  const out = join(workDir, name);
  writeFileSync(out, bytes.subarray(0, Math.floor(bytes.length * fraction)));
  return out;
}

/**
 * `avlens windows CLIP --out DIR --raw ARGS`: {windows: [{...json, crops: Buffer, audio: Float32Array}], doc}
 * or {error: code, message} when the core refuses the clip.
 */
export async function nativeWindows(clip, args = []) {
  const out = mkdtempSync(join(workDir, 'native-'));
  try {
    await run(AVLENS, ['windows', clip, '--out', out, '--raw', ...args], { maxBuffer: 1 << 24 });
  } catch (err) {
    const m = /error \[(\w+)\]: (.*)/s.exec(err.stderr ?? '');
    if (m) return { error: m[1], message: m[2].trim() };
    throw err;
  }
  const doc = JSON.parse(readFileSync(join(out, 'windows.json'), 'utf8'));
  const windows = doc.windows.map((w) => {
    const f32 = readFileSync(join(out, `${w.file}.f32`));
    return {
      ...w,
      crops: readFileSync(join(out, `${w.file}.rgb`)),
      audio: new Float32Array(f32.buffer, f32.byteOffset, f32.byteLength / 4),
    };
  });
  rmSync(out, { recursive: true, force: true });
  return { windows, doc };
}

/** The same through the wasm core: {windows, report, info} or {error, message}. */
export async function wasmWindows(core, clip, options = {}) {
  let reader;
  try {
    reader = await core.openClip(readFileSync(clip), { name: clip, ...options });
    const windows = [];
    for (let w = reader.next(false); w !== null; w = reader.next(false)) windows.push(w);
    return { windows, report: reader.report(), info: reader.info() };
  } catch (err) {
    if (err.name !== 'AvlensError') throw err;
    return { error: err.code, message: err.message };
  } finally {
    reader?.delete();
  }
}

export function fileSize(path) {
  return statSync(path).size;
}

/**
 * A file as the wasm core reads a File in the page's worker, {size, read(offset, length)}, over a
 * file descriptor (Node has no FileReaderSync). `reads` logs [offset, bytes] of each read; close()
 * when done.
 */
export function fileInput(path) {
  const fd = openSync(path, 'r');
  const reads = [];
  return {
    size: fstatSync(fd).size,
    reads,
    read(offset, length) {
      const bytes = Buffer.allocUnsafe(length);
      const n = readSync(fd, bytes, 0, length, offset);
      reads.push([offset, n]);
      return bytes.subarray(0, n);
    },
    close: () => closeSync(fd),
  };
}
