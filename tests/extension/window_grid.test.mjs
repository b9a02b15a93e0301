// A stretch of live playback starts on the file's window grid (web/extension/content/window-grid.js),
// so the extension's windows cover the seconds that `avlens scan` scores: from 0 when the sound
// starts there and the first frame read is at most a frame late, else at the next grid point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ON_GRID_SECONDS, stretchStart, windowSeconds } from '../../web/extension/content/window-grid.js';

const mouth = { frames: 8, fps: 8 }; // 1 s windows, as the bundled model's
const half = { frames: 5, fps: 10 }; // 0.5 s windows
const at = (sound, frame, frameInterval = 1 / 30, g = mouth) => stretchStart({ sound, frame, frameInterval }, g);

test('the window length is frames / fps, and a geometry without them is refused', () => {
  assert.equal(windowSeconds(mouth), 1);
  assert.equal(windowSeconds(half), 0.5);
  assert.throws(() => windowSeconds({ fps: 8 }), /bad geometry/);
  assert.throws(() => windowSeconds({ frames: 8, fps: 0 }), /bad geometry/);
});

test('a play from 0 starts at 0, with the first frame read one or two frames late', () => {
  assert.equal(at(0, 0), 0);
  assert.equal(at(0, 1 / 30), 0); // the second frame shown (the callback after a seek)
  assert.equal(at(0, 0.06), 0); // within half a picture of the core (1 / 16 s)
  assert.equal(at(0, 0.07), 1); // later: window 0 would show a wrong first picture
  assert.equal(at(0.001, 0.034), 0); // the sound a few samples late
  assert.equal(at(0, 0.3), 1); // the pictures of the first window were never read
  assert.equal(at(ON_GRID_SECONDS * 2, 0), 1); // the sound starts too late for window 0
});

test('mid-video the stretch waits for the next grid point; on a grid point it starts there', () => {
  assert.equal(at(1.3, 1.31), 2);
  assert.equal(at(1.3, 1.25), 2); // a frame before the sound
  assert.equal(at(2, 2), 2); // a seek to a whole second
  assert.equal(at(1.9996, 2.02), 2); // the sound a hair before the grid point
  assert.equal(at(2.0015, 2.03), 2);
  assert.equal(at(2.01, 2.04), 3);
  assert.equal(at(1.3, 1.31, 1 / 30, half), 1.5);
  assert.equal(at(1.5, 1.6, 0.1, half), 1.5); // a 10 fps video: its frame interval is the tolerance
  assert.equal(at(1.5, 1.62, 0.1, half), 2);
  for (let s = 0; s < 30; s += 0.173) {
    const start = at(s, s + 0.01);
    assert.ok(start >= s - ON_GRID_SECONDS && start < s + 1 + 1e-9, `${s} -> ${start}`);
    assert.ok(Math.abs(start - Math.round(start)) < 1e-12, `${s} -> ${start} is off the grid`);
  }
});
