// The content script reads only the frames the core will use (web/extension/content/picture-clock.js):
// for each picture the core takes (k / fps s from the stretch's start) the frame nearest to it, as
// the core's constant-rate step chooses (native/core/src/frame_rate.cpp: a frame stands from the
// midpoint with the frame before, included, to the midpoint with the frame after, excluded). Checked
// here against that rule on frame times of common rates, with every frame seen and with callbacks
// missed at random, in Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PictureClock } from '../../web/extension/content/picture-clock.js';

/** For each picture k < count, the index of the frame the core shows (frame_rate.cpp's rule). */
function coreChoice(times, fps, count) {
  const out = [];
  let i = 0;
  for (let k = 0; k < count; k++) {
    while (i + 1 < times.length && k / fps >= (times[i] + times[i + 1]) / 2 - 1e-9) i++;
    out.push(i);
  }
  return out;
}

/** Runs the clock over the frames `seen` (indexes into times), each on screen `interval`; the frames taken and the pictures counted missed. */
function run(times, seen, fps, interval) {
  const clock = new PictureClock(fps);
  const taken = [];
  let missed = 0;
  for (const i of seen) {
    const pick = clock.pick(times[i], interval);
    if (!pick) continue;
    clock.take(pick);
    taken.push(i);
    missed += pick.missed;
  }
  return { taken, missed, next: clock.next };
}

const frameTimes = (rate, seconds) => Array.from({ length: Math.round(rate * seconds) }, (_, i) => i / rate);

for (const modelFps of [8, 25]) {
  for (const rate of [24, 25, 29.97, 30, 50, 60].filter((r) => r >= modelFps)) {
    test(`every frame seen: a ${rate} fps video at the model's ${modelFps} pictures a second reads exactly the frames the core shows, once each`, () => {
      const times = frameTimes(rate, 6);
      const { taken, missed, next } = run(times, times.map((_, i) => i), modelFps, 1 / rate);
      const count = Math.floor((times.at(-1) + 0.5 / rate) * modelFps - 1e-6) + 1; // pictures the last frame reaches
      assert.equal(next, count);
      assert.deepEqual(taken, [...new Set(coreChoice(times, modelFps, count))]);
      assert.equal(missed, 0);
      // Only about the model's rate of frames is read, not the video's.
      assert.ok(taken.length <= count && taken.length >= count - 1, `${taken.length} frames for ${count} pictures`);
    });
  }
}

test('a video slower than the model (5 fps, 8 pictures a second): every frame is read, none is missed', () => {
  const times = frameTimes(5, 6);
  const { taken, missed } = run(times, times.map((_, i) => i), 8, 1 / 5);
  assert.deepEqual(taken, times.map((_, i) => i));
  assert.equal(missed, 0);
});

test('callbacks missed at random: each picture whose nearest frame was seen gets it; the others are counted missed, once', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const [rate, share] of [[30, 0.3], [30, 0.7], [60, 0.5], [25, 0.9]]) {
    const times = frameTimes(rate, 20);
    const seen = times.map((_, i) => i).filter(() => random() < share);
    const { taken, missed, next } = run(times, seen, 8, 1 / rate);
    const choice = coreChoice(times, 8, next);
    const seenSet = new Set(seen);
    // The core's choice among the frames sent, for each picture the clock passed.
    const sentChoice = coreChoice(taken.map((i) => times[i]), 8, next).map((j) => taken[j]);
    let unseen = 0;
    for (let k = 0; k < next; k++) {
      if (seenSet.has(choice[k])) assert.equal(sentChoice[k], choice[k], `${rate} fps, ${share} seen: picture ${k}`);
      else unseen++;
    }
    assert.equal(missed, unseen, `${rate} fps, ${share} seen: pictures counted missed`);
    assert.ok(new Set(taken).size === taken.length);
  }
});

test('a frame far past the pictures (a stall) is taken, and the pictures it jumped count as missed', () => {
  const clock = new PictureClock(8);
  clock.take(clock.pick(0, 1 / 30));
  const pick = clock.pick(1.0, 1 / 30);
  assert.deepEqual(pick, { last: 8, missed: 7 });
  clock.take(pick);
  assert.equal(clock.pick(1 + 1 / 30, 1 / 30), null);
  assert.throws(() => new PictureClock(0), /bad fps/);
});
