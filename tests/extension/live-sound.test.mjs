// The content script's resampler (web/extension/content/live-sound.js), which turns the captured
// sound (48 or 44.1 kHz) into the model's rate: the sound's placement rests on output sample j lying
// exactly at input position j * inRate / outRate, however the input is cut into buffers. Checked
// against the ideal band-limited signal, in plain Node (no browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resampler } from '../../web/extension/content/live-sound.js';

const OUT = 16000;

/** Resamples `input` fed in pieces of `piece` samples. */
function resample(input, inRate, piece) {
  const r = new Resampler(inRate, OUT);
  const out = [];
  for (let i = 0; i < input.length; i += piece) out.push(...r.push(input.subarray(i, i + piece)));
  return Float32Array.from(out);
}

for (const inRate of [48000, 44100, 22050, 16000]) {
  test(`${inRate} Hz -> ${OUT} Hz: a tone keeps its phase and level, a click lands on its sample, whatever the buffers`, () => {
    const seconds = 2;
    const n = inRate * seconds;
    const tone = new Float32Array(n).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / inRate));
    for (const piece of [1024, 441, 7]) {
      const out = resample(tone, inRate, piece);
      // All but the kernel's reach at the end is given (the end waits for more input).
      assert.ok(out.length > OUT * seconds - 60 && out.length <= OUT * seconds, `${out.length} samples`);
      let worst = 0;
      for (let j = 100; j < out.length - 100; j++) worst = Math.max(worst, Math.abs(out[j] - 0.5 * Math.sin((2 * Math.PI * 1000 * j) / OUT)));
      assert.ok(worst < 2e-3, `${piece}-sample buffers: off the ideal tone by ${worst}`);
    }
    // A click (one input sample) at 1.25 s: its peak at output 1.25 s, to the sample.
    const click = new Float32Array(n);
    click[Math.round(1.25 * inRate)] = 1;
    const out = resample(click, inRate, 1024);
    const peak = out.reduce((best, v, j) => (v > out[best] ? j : best), 0);
    assert.equal(peak, 1.25 * OUT);
  });
}

test('above the model\'s Nyquist frequency nothing folds back (48 kHz -> 16 kHz)', () => {
  const inRate = 48000;
  const tone = new Float32Array(inRate).map((_, i) => Math.sin((2 * Math.PI * 11000 * i) / inRate)); // would alias to 5 kHz
  const out = resample(tone, inRate, 1024);
  const rms = Math.sqrt(out.slice(200, -200).reduce((s, v) => s + v * v, 0) / (out.length - 400));
  assert.ok(rms < 1e-3, `an 11 kHz tone comes out at rms ${rms}`);
});

test('a rate pair without a small common period is refused with the rates named', () => {
  assert.throws(() => new Resampler(44099, 16000), /44099 Hz to 16000 Hz/);
});
