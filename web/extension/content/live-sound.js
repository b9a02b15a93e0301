// The video's sound, read from its captured audio track with MediaStreamTrackProcessor, mixed to
// mono, resampled to the model's rate and placed on the video's media time by counting samples.
//
// Why counting (docs/EXTENSION.md, "Sound-to-picture placement, measured"): the element hands the
// capture every sample it renders, in order, none added while it plays and none lost across a pause,
// so the n-th sample after a known position lies exactly n / rate later. A seek gives the known
// position (the target, `currentTime` in the `seeking` event); so does opening the tap before the
// element renders (paused, or in its `play` event). The Web Audio path this replaces placed the sound
// by this tab's clocks, which do not see the capture's own delay (tens of milliseconds, growing
// under load). Where no position is known (the tap opened while the video was already playing, a
// stall that may have let the element render silence, a change of format), the sound is placed by
// the AudioData timestamps against the element's clock, with the offset between them measured
// while the placement was exact (else a typical one), and the placement is reported approximate.

import { median } from '../../src/statistics.js';

/** Whether this browser can read a captured track's samples (else the Web Audio path places the sound, approximately). */
export const TAP_SUPPORTED = typeof MediaStreamTrackProcessor === 'function';

// AudioData stamp minus the perf time the element's clock gives the same sound, before one is
// measured: -127.9 to -128.0 ms in three runs, six pages (headless Chromium 156, as it was and loaded;
// docs/EXTENSION.md). It depends on the output device, so a measured one replaces it.
const TYPICAL_STAMP_OFFSET_MS = -128;
const OFFSET_SAMPLES = 64; // the offset is the median of the last this many buffers of an exact placement
// The processor drops the oldest buffers once this many wait unread (Chromium's default for audio is
// 10, about 0.2 s, which a busy page thread outlasts): 10 s of 1024-sample buffers.
const MAX_BUFFERED = 480;
// A buffer stamped later than the previous one's end by this much, with no pause, seek or stall in
// between: buffers lost on the way, or (far more often, the queue being long) the audio thread
// starved on a loaded machine, which delays the rendering and the element's clock alike. The
// timestamps tell them apart (LOST_CHECK_SECONDS).
const LOST_GAP_SHARE = 0.6;
// Counted and timestamp placements further apart than this after such a gap: samples were lost,
// and the timestamps place the sound from there (they agree to about a millisecond otherwise).
const LOST_CHECK_SECONDS = 0.008;
const CALIBRATED_BUFFERS = 8; // offsets measured before the timestamps are trusted over the count

/**
 * Streaming band-limited resampler: a Blackman-windowed sinc, one kernel per phase of the rational
 * rate ratio (one phase for 48 kHz -> 16 kHz, 160 for 44.1 kHz -> 16 kHz). Output sample j lies at
 * input position j * inRate / outRate from the first input sample, exactly, so placing the first
 * input sample places every output sample. Input before the first sample counts as silence.
 */
export class Resampler {
  constructor(inRate, outRate, zeroCrossings = 16) {
    const gcd = (a, b) => (b ? gcd(b, a % b) : a);
    const g = gcd(inRate, outRate);
    this.p = inRate / g; // input samples per `q` output samples
    this.q = outRate / g;
    if (!Number.isInteger(this.p) || !Number.isInteger(this.q) || this.q > 4000) throw new Error(`cannot resample ${inRate} Hz to ${outRate} Hz`);
    const cutoff = 0.95 * Math.min(1, outRate / inRate); // of the input's Nyquist frequency
    const half = Math.ceil(zeroCrossings / cutoff);
    this.half = half;
    this.kernels = [];
    for (let r = 0; r < this.q; r++) {
      const frac = r / this.q;
      const k = new Float32Array(2 * half + 2);
      let sum = 0;
      for (let j = -half; j <= half + 1; j++) {
        const t = j - frac;
        const w = Math.abs(t) >= half + 1 ? 0 : 0.42 + 0.5 * Math.cos((Math.PI * t) / (half + 1)) + 0.08 * Math.cos((2 * Math.PI * t) / (half + 1));
        const x = Math.PI * cutoff * t;
        const v = (t === 0 ? 1 : Math.sin(x) / x) * w;
        k[j + half] = v;
        sum += v;
      }
      for (let i = 0; i < k.length; i++) k[i] /= sum; // unit gain at DC
      this.kernels.push(k);
    }
    this.base = -half; // input samples from absolute index `base`; silence before the first sample
    this.buffer = new Float32Array(half);
    this.received = 0; // input samples pushed
    this.produced = 0; // output samples given
  }

  /** Feeds input samples; returns the output samples they complete (possibly none). */
  push(input) {
    const kept = this.buffer;
    const buf = new Float32Array(kept.length + input.length);
    buf.set(kept);
    buf.set(input, kept.length);
    this.received += input.length;
    const out = [];
    for (;;) {
      const pos = this.produced * this.p; // input position times q
      const i0 = Math.floor(pos / this.q);
      if (i0 + this.half + 1 >= this.received) break;
      const k = this.kernels[pos % this.q];
      const from = i0 - this.half - this.base;
      let s = 0;
      for (let j = 0; j < k.length; j++) s += k[j] * buf[from + j];
      out.push(s);
      this.produced++;
    }
    // Keep what the next output still needs.
    const next = Math.floor((this.produced * this.p) / this.q) - this.half;
    const drop = Math.max(0, Math.min(buf.length, next - this.base));
    this.buffer = buf.slice(drop);
    this.base += drop;
    return Float32Array.from(out);
  }
}

/** The mean of an AudioData's channels, as 32-bit float samples. */
function monoOf(data) {
  const n = data.numberOfFrames;
  const channels = data.numberOfChannels;
  const mono = new Float32Array(n);
  const plane = channels > 1 ? new Float32Array(n) : mono;
  for (let c = 0; c < channels; c++) {
    data.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
    if (channels > 1) for (let i = 0; i < n; i++) mono[i] += plane[i] / channels;
  }
  return mono;
}

/**
 * Reads `track` (the video's captured sound) and calls `onChunk(samples, media, exact)` with chunks
 * of `chunkSamples` mono samples at `rate`, `media` being the media time of the first sample and
 * `exact` whether it was counted from a known position (`rate` and `chunkSamples` may be set once
 * the model is known; until then the samples are only counted). `knownStart`: the media time at which the
 * element will start rendering (it does not render yet), or null if it may already render.
 */
export class LiveSound {
  constructor(video, track, { rate = null, chunkSamples = null, knownStart, onChunk, onError }) {
    this.video = video;
    this.track = track;
    this.rate = rate;
    this.chunkSamples = chunkSamples;
    this.onChunk = onChunk;
    this.onError = onError; // the sound cannot be read on (a sample rate the resampler refuses)
    this.count = 0; // input samples read since the anchor's format began
    this.anchor = knownStart === null ? null : { media: knownStart, count: 0, speed: 1, exact: true };
    this.reanchor = knownStart === null; // place the next buffer by its timestamp
    this.inRate = null;
    this.resampler = null;
    this.chunk = null;
    this.offsets = []; // stamp minus the element's clock, ms, measured while exact
    this.buffers = 0;
    this.timestampAnchors = 0; // times the sound was placed by its timestamps
    this.closed = false;
    this.stopped = true; // a pause, seek or stall since the last buffer: a gap in the stamps is no loss
    this.lastStampEnd = null; // ms
    this.renderLag = []; // receipt minus stamp (ms) of recent buffers: the least is the stamp's lag behind rendering
    this.seek = null; // { target, at: perf ms of the seeking event, speed }: applies from the first buffer rendered after it
    this.listeners = {
      // Buffers rendered before the seek may still be on their way: the target applies from the first
      // buffer rendered after this event (its stamp says), counted from there.
      // What was not sent of the old position is dropped: a segment begun after the seek must not get it.
      seeking: () => {
        this.seek = { target: video.currentTime, at: performance.now(), speed: video.playbackRate };
        this.stopped = true;
        this.chunk = null;
        this.resampler = null;
      },
      pause: () => {
        this.stopped = true;
      },
      ratechange: () => this.anchor && this.setAnchor({ ...this.anchor, media: this.inRate ? this.mediaAt(this.count) : this.anchor.media, count: this.count, speed: video.playbackRate }),
      // A stall: the element may render silence while its media time stands still.
      waiting: () => {
        this.stopped = true;
        // Nothing rendered since the known position (a play that waits for data): it still holds.
        if (this.anchor?.exact && this.count === this.anchor.count && !this.resampler) return;
        this.reanchor = true;
      },
    };
    for (const [type, f] of Object.entries(this.listeners)) video.addEventListener(type, f);
    this.reader = new MediaStreamTrackProcessor({ track, maxBufferSize: MAX_BUFFERED }).readable.getReader();
    this.read();
  }

  /** How the sound is placed now: 'exact' (counted), 'approximate' (timestamps) or null (no sound yet). */
  get placement() {
    return this.anchor ? (this.anchor.exact ? 'exact' : 'approximate') : null;
  }

  /** For the report: what the placement rests on. */
  state() {
    return { buffers: this.buffers, stampOffsetMs: this.offsets.length ? Number(median(this.offsets).toFixed(1)) : null, timestampAnchors: this.timestampAnchors };
  }

  mediaAt(count) {
    return this.anchor.media + ((count - this.anchor.count) / this.inRate) * this.anchor.speed;
  }

  setAnchor(anchor) {
    this.flush();
    this.anchor = anchor;
    this.reanchor = false;
    this.resampler = null;
  }

  async read() {
    for (;;) {
      let result;
      try {
        result = await this.reader.read();
      } catch {
        return;
      }
      if (result.done || this.closed) {
        result.value?.close();
        return;
      }
      const data = result.value;
      try {
        this.take(data);
      } catch (err) {
        this.close();
        this.onError?.(err);
        return;
      } finally {
        data.close();
      }
    }
  }

  take(data) {
    const stampMs = data.timestamp / 1000;
    const now = performance.now();
    const clock = this.video.currentTime; // the element's media time now: the sound heard at `now`
    if (data.sampleRate !== this.inRate) {
      // A new format (or the first buffer): the count restarts; its position comes from the stamp
      // unless a known start is waiting for it.
      if (this.inRate !== null) this.reanchor = true;
      this.inRate = data.sampleRate;
      this.count = 0;
      if (this.anchor) this.anchor = { ...this.anchor, count: 0 };
      this.resampler = null;
    }
    this.buffers++;
    const duration = (data.numberOfFrames / data.sampleRate) * 1000;
    if (this.buffers > 1) {
      this.renderLag.push(now - stampMs);
      if (this.renderLag.length > OFFSET_SAMPLES) this.renderLag.shift();
    }
    const gap = this.lastStampEnd === null ? 0 : stampMs - this.lastStampEnd;
    this.lastStampEnd = stampMs + duration;
    if (this.seek && (this.buffers <= 1 || stampMs + Math.min(...this.renderLag) > this.seek.at || gap > LOST_GAP_SHARE * duration)) {
      // The first buffer rendered after the seek: its first sample is the target.
      this.setAnchor({ media: this.seek.target, count: this.count, speed: this.seek.speed, exact: true });
      this.seek = null;
    } else if (!this.seek && !this.stopped && this.anchor && gap > LOST_GAP_SHARE * duration && this.offsets.length >= CALIBRATED_BUFFERS) {
      const stamped = clock + (stampMs - median(this.offsets) - now) / 1000;
      if (Math.abs(stamped - this.mediaAt(this.count)) > LOST_CHECK_SECONDS) {
        this.setAnchor({ media: stamped, count: this.count, speed: this.video.playbackRate, exact: false });
        this.timestampAnchors++;
      }
    }
    this.stopped = false;
    if (this.seek) {
      this.count += data.numberOfFrames; // rendered before the seek: counted, not sent
      return;
    }
    if (!this.anchor) {
      // No known position at all: the timestamps, with the offset measured so far (else a typical one).
      const offset = this.offsets.length ? median(this.offsets) : TYPICAL_STAMP_OFFSET_MS;
      this.setAnchor({ media: clock + (stampMs - offset - now) / 1000, count: this.count, speed: this.video.playbackRate, exact: false });
      this.timestampAnchors++;
    } else if (this.reanchor) {
      // After a stall: the timestamps once their offset is measured; before that the count goes on
      // (a typical offset can be further off than the silence a stall renders), reported approximate.
      const media = this.offsets.length >= CALIBRATED_BUFFERS ? clock + (stampMs - median(this.offsets) - now) / 1000 : this.mediaAt(this.count);
      this.setAnchor({ media, count: this.count, speed: this.video.playbackRate, exact: false });
      this.timestampAnchors++;
    }
    const media = this.mediaAt(this.count);
    // While the placement is exact, measure how the stamps lie against the element's clock (the first
    // buffer's stamp is out of line in Chromium: skip it).
    if (this.anchor.exact && this.anchor.speed === 1 && this.buffers > 1 && !this.video.paused) {
      this.offsets.push(stampMs - (now + (media - clock) * 1000));
      if (this.offsets.length > OFFSET_SAMPLES) this.offsets.shift();
    }
    if (this.rate === null) {
      this.count += data.numberOfFrames; // the model's rate is not known yet: count only
      return;
    }
    const mono = monoOf(data);
    this.count += mono.length;
    this.resampler ??= { r: new Resampler(this.inRate, this.rate), media, exact: this.anchor.exact };
    const out = this.resampler.r.push(mono);
    this.append(out);
  }

  /** Adds resampled samples to the current chunk; a full chunk goes out with its media time. */
  append(samples) {
    let i = 0;
    while (i < samples.length) {
      if (!this.chunk) {
        const r = this.resampler;
        // The resampler's first output lies at the anchor; its output j at j / rate after it.
        this.chunk = { samples: new Float32Array(this.chunkSamples), filled: 0, media: r.media + (r.r.produced - (samples.length - i)) / this.rate, exact: r.exact };
      }
      const c = this.chunk;
      const n = Math.min(samples.length - i, c.samples.length - c.filled);
      c.samples.set(samples.subarray(i, i + n), c.filled);
      c.filled += n;
      i += n;
      if (c.filled === c.samples.length) this.flush();
    }
  }

  /** Sends the current chunk, full or not (a new anchor follows). */
  flush() {
    const c = this.chunk;
    this.chunk = null;
    if (!c || c.filled === 0 || this.closed) return;
    this.onChunk(c.filled === c.samples.length ? c.samples : c.samples.slice(0, c.filled), c.media, c.exact);
  }

  close() {
    this.closed = true;
    for (const [type, f] of Object.entries(this.listeners)) this.video.removeEventListener(type, f);
    this.reader.cancel().catch(() => {});
    this.track.stop();
  }
}
