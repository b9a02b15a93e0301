// The wasm core reads a clip slice by slice through {size, read(offset, length)} (issue 17 item 10):
// in the page's worker over a File with FileReaderSync, here over a file descriptor (the same
// interface). What it must give: the windows of the whole file held in the heap, byte for byte,
// whether the MP4's index is at the end (a seek to the end and back) or at the start; a clear
// `unreadable` error when a read fails (a File deleted or changed while it is read), after which
// the core goes on working; and a heap that does not grow with the file.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FACE_IMAGE, WASM_DIR, faceClip, fileInput, fileSize, loadCore, makeClip } from './support.mjs';

const H264_AAC = { video: ['-c:v', 'libx264', '-preset', 'ultrafast'], audio: ['-c:a', 'aac'] };

async function rejects(promiseOrFn, code, pattern) {
  await assert.rejects(async () => (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn), (err) => {
    assert.equal(err.name, 'AvlensError', String(err));
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

/** Every window of a clip, with its float video tensor, and the reader's report. */
async function allWindows(core, source, options) {
  const reader = await core.openClip(source, { preset: 'tiny', name: 'clip.mp4', ...options });
  try {
    const windows = [];
    for (let w = reader.next(true); w !== null; w = reader.next(true)) windows.push(w);
    return { windows, report: reader.report(), info: reader.info() };
  } finally {
    reader.delete();
  }
}

const bytesOf = (typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);

function assertIdentical(got, want) {
  assert.ok(want.windows.length >= 2, `the reference made ${want.windows.length} windows`);
  assert.equal(got.windows.length, want.windows.length, 'window count');
  assert.deepEqual(got.report, want.report, 'report');
  assert.deepEqual(got.info, want.info, 'info');
  for (let i = 0; i < want.windows.length; i++) {
    const [g, w] = [got.windows[i], want.windows[i]];
    for (const key of ['index', 'firstFrame', 'startTime', 'framesWithoutFace', 'hasFace']) assert.equal(g[key], w[key], `window ${i}: ${key}`);
    for (const key of ['video', 'audio', 'crops', 'boxes', 'faceFound']) {
      assert.ok(bytesOf(g[key]).equals(bytesOf(w[key])), `window ${i}: ${key} differs`);
    }
  }
}

describe('reading a clip slice by slice', () => {
  let core;
  const clips = {};
  before(async () => {
    core = await loadCore();
    clips.moovAtEnd = await faceClip('h264_aac.mp4', H264_AAC);  // ffmpeg's default: the index after the media
    clips.faststart = await faceClip('h264_aac_faststart.mp4', { ...H264_AAC, extra: ['-movflags', '+faststart'] });
  });

  for (const [kind, index] of [['moov at the end', 'moovAtEnd'], ['faststart', 'faststart']]) {
    test(`${kind}: the same windows, byte for byte, as the whole file in the heap`, async () => {
      const path = clips[index];
      const bytes = readFileSync(path);
      const [moov, mdat] = [bytes.indexOf('moov'), bytes.indexOf('mdat')];
      assert.equal(moov > mdat, index === 'moovAtEnd', `moov at ${moov}, mdat at ${mdat}`);
      // The old path: the whole file copied into the heap and read from there in one piece.
      const whole = await allWindows(core, bytes, { readChunkBytes: bytes.length });
      for (const readChunkBytes of [undefined, 4099]) {
        const input = fileInput(path);
        try {
          assertIdentical(await allWindows(core, input, { readChunkBytes }), whole);
          const largest = Math.max(...input.reads.map(([, n]) => n));
          assert.ok(largest <= (readChunkBytes ?? 1 << 20), `a read of ${largest} bytes`);
          const backwards = input.reads.some(([offset], i) => i > 0 && offset < input.reads[i - 1][0]);
          if (index === 'moovAtEnd' && readChunkBytes < bytes.length) assert.ok(backwards, 'the index at the end was read before the media');
        } finally {
          input.close();
        }
      }
    });
  }

  test('a read that fails (the File was deleted) is an unreadable clip that says so; the core goes on', async () => {
    // A reader whose reads past `from` throw, as FileReaderSync does once the File is gone.
    const failingFrom = (path, from, error) => {
      const input = fileInput(path);
      const readFile = input.read;
      input.read = (offset, length) => {
        if (offset + length > from) throw error;
        return readFile(offset, length);
      };
      return input;
    };
    const notReadable = Object.assign(new Error('The requested file could not be read'), { name: 'NotReadableError' });
    // Moov at the end: the failure comes while the clip is opened (the index is read first).
    const atOpen = failingFrom(clips.moovAtEnd, fileSize(clips.moovAtEnd) / 2, notReadable);
    await rejects(core.openClip(atOpen, { preset: 'tiny', name: 'gone.mp4' }), 'unreadable',
      /^gone\.mp4: could not be read at byte \d+ of \d+ \(NotReadableError: The requested file could not be read\): was the file changed or removed while it was read\?$/);
    atOpen.close();
    // Faststart: the clip opens, the failure comes while its media is decoded.
    const midway = failingFrom(clips.faststart, fileSize(clips.faststart) / 2, notReadable);
    const reader = await core.openClip(midway, { preset: 'tiny', name: 'gone.mp4', readChunkBytes: 4096 });
    await rejects(() => { while (reader.next(false) !== null); }, 'unreadable', /^gone\.mp4: could not be read at byte \d+ .*NotReadableError/);
    reader.delete();
    midway.close();
    // The core is not poisoned: the next clip is read as usual.
    const input = fileInput(clips.faststart);
    assert.ok((await allWindows(core, input, {})).windows.length >= 2);
    input.close();
  });

  test('a file that shrank while it was read, or a reader that returns no bytes, is unreadable', async () => {
    const bytes = readFileSync(clips.faststart);
    const shrunk = { size: bytes.length, read: (offset, length) => bytes.subarray(offset, Math.min(offset + length, bytes.length / 2)) };
    const reader = await core.openClip(shrunk, { preset: 'tiny', name: 'shrunk.mp4', readChunkBytes: 4096 });
    await rejects(() => { while (reader.next(false) !== null); }, 'unreadable', /could not be read at byte \d+ .*the file ended at byte \d+ although it has \d+ bytes/);
    reader.delete();
    await rejects(core.openClip({ size: bytes.length, read: () => 'nope' }, { preset: 'tiny' }), 'unreadable', /not a Uint8Array/);
  });

  test('bad readers are invalid arguments; bad bytes keep their messages', async () => {
    await rejects(core.openClip({ size: -1, read: () => null }), 'invalid_argument', /size/);
    await rejects(core.openClip({ size: 1.5, read: () => null }), 'invalid_argument', /size/);
    await rejects(core.openClip({ size: 10 }), 'invalid_argument');
    const clip = readFileSync(clips.faststart);
    await rejects(core.openClip(clip, { preset: 'tiny', readChunkBytes: 0 }), 'invalid_argument', /readChunkBytes/);
    await rejects(core.openClip(clip, { preset: 'tiny', readChunkBytes: 2 ** 30 }), 'invalid_argument', /readChunkBytes/);
    const junk = new Uint8Array(5000).map((_, i) => (i * 7919) % 251);
    await rejects(core.openClip({ size: junk.length, read: (o, n) => junk.subarray(o, o + n) }), 'unreadable', /not a readable media file/);
    await rejects(core.openClip({ size: 0, read: () => new Uint8Array(0) }, { name: 'empty.mp4' }), 'unreadable', /^empty\.mp4: the file is empty$/);
  });
});

// The point of reading slice by slice: a clip much larger than what the core holds. A 300 MB MP4
// (4 s of lossless intra-only video over noise, repeated with -c copy; its index at the end) is
// opened and its first windows read: the wasm memory stays a small fraction of the file, where
// copying the file in made the heap larger than the file.
test('a large clip does not grow the heap: a 300 MB file in a fraction of it', async () => {
  const base = await makeClip('noisy_lossless_4s.mp4', ['-loop', '1', '-framerate', '25', '-i', FACE_IMAGE,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-filter_complex',
    '[0:v]scale=324:324,pad=640:360:96:0:color=gray,format=yuv420p,noise=alls=40:allf=t[v]', '-map', '[v]', '-map', '1:a',
    '-t', '4', '-r', '25', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-g', '1', '-c:a', 'aac']);
  const loops = Math.ceil(300e6 / fileSize(base)) - 1;
  const big = await makeClip('big.mp4', ['-stream_loop', String(loops), '-i', base, '-c', 'copy']);
  const size = fileSize(big);
  assert.ok(size >= 300e6, `the big clip has ${size} bytes`);
  const { createCore } = await import(pathToFileURL(join(WASM_DIR, 'avlens_core.js')).href);
  const core = await createCore();  // a fresh instance: wasm memory never shrinks
  const input = fileInput(big);
  try {
    const reader = await core.openClip(input, { preset: 'tiny', name: 'big.mp4' });
    assert.ok(reader.info().duration >= 4 * (loops + 1) - 0.1, `duration ${reader.info().duration}`);
    for (let i = 0; i < 3; i++) assert.notEqual(reader.next(false), null);
    reader.delete();
  } finally {
    input.close();
  }
  const { heapBytes, peakBytes } = core.memoryStats();
  assert.ok(heapBytes < size / 4, `wasm memory ${heapBytes} bytes for a ${size}-byte file (peak malloc ${peakBytes})`);
});
