// The content script: finds the videos that play in this frame, reads their pictures (canvas,
// requestVideoFrameCallback) and sound (the element's captured audio track, read with
// MediaStreamTrackProcessor: live-sound.js; Web Audio where that is missing), sends both
// with their media times to the analysis worker, and shows each video's rolling fake
// probability on a badge. A video that cannot be read says why; it never gets a score.
import { percent } from '../../src/format.js';
import { readModelCard } from '../../src/model-card.js';
import { median } from '../../src/statistics.js';
import { scoreLevelFor, thresholdSentence, verdictFor } from '../../src/verdict.js';
import { Badge } from './badge.js';
import { Analyser } from './analyser.js';
import { LiveSound, TAP_SUPPORTED } from './live-sound.js';
import { PictureClock } from './picture-clock.js';
import { stretchStart } from './window-grid.js';
import { LIMITS } from './protocol.js';

const ROLLING_WINDOWS = 5; // the badge shows the mean of the last five scored windows
const MAX_FRAMES_IN_FLIGHT = 12; // frames sent but not yet taken by the core; more are dropped
// How long one frame of a video is shown, until two callbacks have measured it; and the range a
// measurement is held to (a stall or a jump must not make one frame stand for seconds).
const DEFAULT_FRAME_INTERVAL = 1 / 30;
const MIN_FRAME_INTERVAL = 1 / 240;
const MAX_FRAME_INTERVAL = 0.25;
const AUDIO_CHUNK_SECONDS = 0.25;
const RESYNC_SECONDS = 0.15; // sound and picture clocks further apart than this: start again
const SILENCE_SECONDS = 3;
const BLACK_SECONDS = 2;
// The placed stream's trace (what the core is given, kept for the last seconds of the last few
// stretches): each frame's time and mean brightness, and the sound's peak per millisecond. It is
// what measures the sound-to-picture placement (tests/extension/placement.test.mjs); it goes out
// only in a report asked for with `trace: true`.
const TRACE_SECONDS = 30;
const TRACE_SEGMENTS = 3;
// Scored windows whose lag behind the playhead on arrival is kept for the report (an hour's).
const ARRIVALS_KEPT = 3600;

export const REASONS = {
  cross_origin: 'the video comes from another site that does not allow reading it (no CORS)',
  drm: 'the video is protected (DRM): the browser gives extensions a black picture',
  no_audio_track: 'the video has no sound track',
  silent: 'no sound reaches the extension (the video is silent, or its sound cannot be read)',
  audio_blocked: 'this page does not let the extension listen to the video',
  audio_format: 'the video\'s sound comes at a sample rate the extension cannot convert to the model\'s',
  audio_suspended: 'click the page once so that the extension may listen to the sound',
  speed: 'analysis needs normal playback speed (1×)',
  hidden: 'paused while the tab is in the background',
  no_face: 'no face found in the video',
  engine: 'the analysis engine could not start',
  no_picture: 'the browser shows no picture for this video (no picture track, or a format it cannot decode, such as MPEG-4 Part 2), so there is nothing to analyse',
  slow: 'this computer is too slow for this video: most frames were dropped, so the scores rest on few pictures',
};
// Why the sound's placement against the picture is approximate (report.placement, the badge's
// data-placement and title, the popup): a sync-aware model's scores move with it.
export const PLACEMENT_NOTES = {
  web_audio: 'this browser cannot read the sound\'s samples directly (no MediaStreamTrackProcessor), so the sound is placed against the picture to within tens of milliseconds; scores may lean towards fake',
  timestamps: 'the sound is placed against the picture by its timestamps (the video was already playing, or it stalled), to within a few milliseconds to tens; it is exact again after the next seek',
};
// Reasons that still hold once playback stops: they say what the scores (or their absence) rest on.
const LASTING_REASONS = new Set(['no_face', 'silent', 'slow']);
// Over the whole video, more frames dropped than this share: the badge and the popup say so.
const SLOW_SHARE = 0.5;

const analyser = new Analyser();
const watches = new Map(); // HTMLVideoElement -> Watch
let nextWatchId = 1;

/** The running model's card (threshold, real faces, calibration), once the engine has said which model it runs. */
function modelCard() {
  const metadata = analyser.status?.model?.metadata;
  return metadata ? readModelCard(metadata) : null;
}

/**
 * The longer side frames are scaled down to before they are sent: the one the core asked for
 * (the worker's status.frameSide, what its face tracking and cropping use for the model), within
 * the protocol's limit. Larger frames would only cost copying them to the core.
 */
function frameSideOf(status) {
  const side = status.frameSide;
  return Number.isInteger(side) && side >= 1 ? Math.min(side, LIMITS.maxSide) : LIMITS.maxSide;
}

/** A window scored by the model, or a window that could not be scored (score null, skipped). */
function rollingScore(windows) {
  const scored = windows.filter((w) => w.score !== null && w.hasFace).slice(-ROLLING_WINDOWS);
  if (scored.length === 0) return null;
  return scored.reduce((s, w) => s + w.score, 0) / scored.length;
}

class Watch {
  /** `knownStart`: the media time at which the video starts rendering sound (it does not yet), or null. */
  constructor(video, knownStart = null) {
    this.video = video;
    this.id = `v${nextWatchId++}`;
    this.badge = new Badge(video);
    this.windows = []; // in arrival order: { startTime, duration, score, hasFace, skipped? }
    this.aggregate = null;
    // What the video's scores rest on (the core's coverage, from the worker): no verdict without it.
    this.coverage = null;
    this.resetStream();
    this.state = 'idle';
    this.reason = null;
    this.detail = '';
    this.blocked = false;
    this.segment = null;
    this.segments = 0;
    this.audio = null; // Web Audio fallback: { context, node, stream } once built
    this.sound = null; // LiveSound: the captured track read directly (where MediaStreamTrackProcessor exists)
    this.soundError = null; // why the captured track could not be opened
    this.placement = null; // once sound was placed: 'exact' (counted), else a key of PLACEMENT_NOTES
    this.audioStart = null; // the pending startAudio(), shared by concurrent callers
    this.inFlight = 0;
    this.droppedFrames = 0; // pictures the core takes (Segment.pick) that got no frame of their own: missed, or too many in flight
    this.sentFrames = 0;
    this.frameSide = LIMITS.maxSide; // set from the engine's status when a segment begins
    this.frameSize = null; // { width, height } of the last frame read
    this.lastPresented = null; // { count, media }: rVFC's presentedFrames and mediaTime of the previous callback
    this.frameInterval = DEFAULT_FRAME_INTERVAL; // seconds one frame of the video is shown (measured)
    this.clock = null; // { perf, media } of the last presented frame
    this.timing = []; // per segment: { start, firstFrame, firstSound } in media seconds
    this.traces = []; // per segment (the last TRACE_SEGMENTS): see Segment.trace
    this.source = video.currentSrc;
    this.canvas = null;
    this.onFrame = this.onFrame.bind(this);
    for (const type of ['play', 'playing', 'pause', 'seeking', 'seeked', 'waiting', 'ended', 'ratechange', 'emptied', 'loadstart', 'loadedmetadata', 'resize']) {
      video.addEventListener(type, () => this.update(type));
    }
    video.requestVideoFrameCallback(this.onFrame);
    // The tap opens now, before the element renders (the play event), so that its samples can be
    // counted from a known position; the model's rate follows when the engine is ready.
    if (TAP_SUPPORTED) this.openTap(knownStart);
  }

  /** How the analysis keeps up with this video: see streamReport. */
  resetStream() {
    this.stream = null; // the library's stream state (web/src/detector.d.ts StreamState), as last sent
    this.received = { scored: 0, skipped: { silent: 0, no_face: 0, slow: 0 } }; // window messages that reached this tab
    this.lastScored = null; // the scored window that arrived last
    this.arrivals = []; // [window end, playhead] when each scored window arrived (media seconds)
    this.lagAtEnd = null;
  }

  /** The playhead now minus the end of the scored window that arrived last (seconds), or null. */
  lag() {
    return this.lastScored ? this.video.currentTime - (this.lastScored.startTime + this.lastScored.duration) : null;
  }

  openTap(knownStart) {
    let track;
    try {
      const stream = this.video.captureStream();
      // Only the sound is read from the stream: its picture track would be fed every frame for nothing.
      for (const t of stream.getVideoTracks()) t.stop();
      track = stream.getAudioTracks()[0];
    } catch (err) {
      this.soundError = err;
      return;
    }
    if (!track) {
      // No sound track yet (the video started before its metadata): open when it has one, before it renders.
      if (knownStart !== null && this.video.readyState < HTMLMediaElement.HAVE_METADATA) {
        this.video.addEventListener('loadedmetadata', () => !this.forgotten && !this.sound && this.openTap(this.video.currentTime), { once: true });
      }
      return;
    }
    this.sound = new LiveSound(this.video, track, {
      knownStart,
      onChunk: (samples, media, exact) => this.onSound(samples, media, exact),
      onError: (err) => this.block('audio_format', err.message),
    });
  }

  /** A chunk of sound from the tap, at the model's rate, placed on the media time. */
  onSound(samples, media, exact) {
    const placement = exact ? 'exact' : 'timestamps';
    if (placement !== this.placement) {
      this.placement = placement;
      this.render();
    }
    if (this.segment) this.segment.audio(samples, media, placement);
  }

  set(state, reason = null, detail = '') {
    this.state = state;
    this.reason = reason;
    this.detail = detail;
    this.render();
  }

  block(reason, detail = '') {
    this.blocked = true;
    this.endSegment(false);
    this.set('blocked', reason, detail);
  }

  render() {
    const score = rollingScore(this.windows);
    const scored = this.windows.filter((w) => w.score !== null).length;
    const card = modelCard();
    const showsScore = score !== null && this.state !== 'blocked' && this.state !== 'problem';
    const ended = this.state === 'ended';
    // The popup's and the page's rule, on the mean of the last windows; none from fewer windows
    // than the core's coverage rule allows (over the whole video).
    const verdict = showsScore && card ? verdictFor(score, card, this.coverage) : null;
    const withheld = verdict?.kind === 'withheld';
    let text;
    if (this.state === 'blocked') text = `cannot analyse: ${REASONS[this.reason] ?? this.reason}`;
    else if (this.state === 'problem') text = `stopped: ${this.detail}`;
    else if (withheld) text = verdict.withheld.short.replace(/^N/, 'n');
    else if (showsScore) text = verdict ? `${percent(score)} fake · ${verdict.label}` : `${percent(score)} fake`;
    else if (this.state === 'running') text = this.reason ? REASONS[this.reason] : 'listening… (first score after 1 s)';
    else if (this.state === 'paused') text = this.reason ? REASONS[this.reason] : 'paused';
    else if (ended) text = `video ended: ${this.reason ? REASONS[this.reason] : 'nothing could be analysed'}`;
    else text = 'waiting for the video to play';
    if (ended && score !== null) text += ` · video ended, ${this.analysedText()}${this.reason ? ` (${REASONS[this.reason]})` : ''}`;
    else if (ended && this.reason === 'slow' && scored > 0) text += ` (${this.analysedText()})`;
    else if (score !== null && this.state !== 'running' && this.state !== 'blocked') text += this.reason ? ` (${REASONS[this.reason]})` : ' (paused)';
    this.badge.show({
      text,
      state: this.state,
      reason: this.reason,
      score,
      level: score === null || !card || withheld ? 'none' : scoreLevelFor(score, card),
      verdict: verdict?.kind ?? '',
      threshold: card?.threshold ?? null,
      notice: verdict?.notice ?? null,
      windows: scored,
      coverage: this.coverage,
      placement: this.placement,
      title: score === null ? '' : withheld ? `${verdict.withheld.short}: ${verdict.withheld.reason}.` : [
        `Mean fake score of the last ${Math.min(ROLLING_WINDOWS, scored)} analysed seconds (avlens).`,
        card && card.verdictSupported && thresholdSentence(card.threshold),
        verdict?.evidence,
        verdict?.warning && `Warning: ${verdict.warning}.`,
        verdict?.notice?.text,
        PLACEMENT_NOTES[this.placement] && `The ${PLACEMENT_NOTES[this.placement]}.`,
      ].filter(Boolean).join(' '),
    });
  }

  /** What was scored of the video, in words: "4 s of 6 analysed". */
  analysedText() {
    const scored = this.coverage?.scoredSeconds ?? this.windows.filter((w) => w.score !== null).reduce((s, w) => s + w.duration, 0);
    const duration = Number.isFinite(this.video.duration) ? ` of ${Math.round(this.video.duration)}` : '';
    return `${Math.round(scored)} s${duration} analysed`;
  }

  /** The state of a video that does not play now: ended (at its end), else paused. */
  stoppedState() {
    return this.video.ended ? 'ended' : 'paused';
  }

  /** Whether most pictures the core needed while analysing got no frame (a slow machine). */
  mostlyDropped() {
    const presented = this.sentFrames + this.droppedFrames;
    return presented >= 10 && this.droppedFrames > SLOW_SHARE * presented;
  }

  shouldRun() {
    const v = this.video;
    return !this.blocked && !v.paused && !v.seeking && !v.ended && v.readyState >= 3 && v.playbackRate === 1 && document.visibilityState === 'visible';
  }

  async update(event) {
    if (this.forgotten) return;
    if (event === 'ended') this.lagAtEnd = this.lag();
    if (event === 'emptied' || event === 'loadstart') {
      if (this.video.currentSrc !== this.source) this.reset();
      return;
    }
    const v = this.video;
    // A picture the browser cannot show (MPEG-4 Part 2, an audio-only file): nothing to read, say so.
    const noPicture = v.readyState >= HTMLMediaElement.HAVE_METADATA && (!v.videoWidth || !v.videoHeight);
    if (this.blocked && this.reason === 'no_picture' && !noPicture) {
      this.blocked = false;
      this.set('idle');
    }
    if (this.blocked) return;
    if (noPicture && (event === 'loadedmetadata' || !v.paused)) {
      this.block('no_picture');
      return;
    }
    if (event === 'loadedmetadata' || event === 'resize') {
      if (this.state === 'idle') return;
    }
    if (this.shouldRun()) {
      if (!this.segment) await this.beginSegment();
      return;
    }
    this.endSegment(true);
    if (this.state === 'blocked' || this.state === 'problem') return;
    const lasting = LASTING_REASONS.has(this.reason) ? this.reason : null;
    if (v.playbackRate !== 1 && !v.paused) this.set('paused', 'speed');
    else if (document.visibilityState !== 'visible' && !v.paused) this.set('paused', 'hidden');
    else if (v.ended && this.state !== 'idle') this.set('ended', this.mostlyDropped() ? 'slow' : lasting);
    else if (this.state !== 'idle') this.set('paused', lasting === 'no_face' ? lasting : null);
  }

  reset() {
    this.endSegment(false);
    analyser.send({ type: 'forget', video: this.id });
    // A new source has new tracks: count its samples from its start.
    this.sound?.close();
    this.sound = null;
    this.placement = null;
    if (TAP_SUPPORTED) this.openTap(this.video.currentTime);
    this.source = this.video.currentSrc;
    this.windows = [];
    this.aggregate = null;
    this.coverage = null;
    this.resetStream();
    this.blocked = false;
    this.sentFrames = 0;
    this.droppedFrames = 0;
    this.set('idle');
  }

  async beginSegment() {
    const status = await analyser.ready();
    if (!status.ready) {
      this.block('engine', status.error?.message ?? '');
      return;
    }
    if (this.forgotten || this.segment || !this.shouldRun()) return;
    if (!(await this.startAudio(status.geometry))) return;
    if (this.forgotten || this.segment || !this.shouldRun()) return;
    this.frameSide = frameSideOf(status);
    this.segment = new Segment(this, ++this.segments, status.geometry);
    this.set('running', this.mostlyDropped() ? 'slow' : this.reason === 'no_face' ? 'no_face' : null);
  }

  endSegment(flush) {
    if (!this.segment) return;
    // The tap's last, partial chunk belongs to this stretch (the end of a clip, a pause, a seek).
    if (flush) this.sound?.flush();
    this.segment.end(flush);
    this.segment = null;
  }

  /**
   * Builds the sound path once. The play and playing events (and watch()) start segments at the
   * same time: they share one build, else each would add its own AudioContext and worklet, whose
   * chunks (on different clocks) would end every segment as out of sync and no window would be made.
   */
  startAudio(g) {
    this.audioStart ??= this.openAudio(g).finally(() => {
      this.audioStart = null;
    });
    return this.audioStart;
  }

  /** The tap (or, without MediaStreamTrackProcessor, Web Audio) set to the model's rate; false when it cannot run now. */
  async openAudio(g) {
    if (TAP_SUPPORTED) {
      if (this.soundError) {
        this.block(this.soundError.name === 'SecurityError' ? 'cross_origin' : 'audio_blocked', this.soundError.message);
        return false;
      }
      if (!this.sound) {
        // No audio track when the video started (a video with sound gets one when it loads: look again).
        this.openTap(null);
        if (this.soundError) return this.openAudio(g);
        if (!this.sound) {
          this.block('no_audio_track');
          return false;
        }
      }
      this.sound.rate ??= g.sampleRate;
      this.sound.chunkSamples ??= Math.round(g.sampleRate * AUDIO_CHUNK_SECONDS);
      return true;
    }
    return this.openWebAudio(g);
  }

  /** Captured stream -> AudioContext at the model's rate -> worklet; false when it cannot run now. */
  async openWebAudio(g) {
    if (this.audio) {
      if (this.audio.context.state === 'suspended') await this.audio.context.resume().catch(() => {});
      if (this.audio.context.state !== 'running') {
        this.set('paused', 'audio_suspended');
        return false;
      }
      return true;
    }
    let stream;
    try {
      stream = this.video.captureStream();
    } catch (err) {
      this.block(err.name === 'SecurityError' ? 'cross_origin' : 'audio_blocked', err.message);
      return false;
    }
    const tracks = stream.getAudioTracks();
    if (tracks.length === 0) {
      this.block('no_audio_track');
      return false;
    }
    const context = new AudioContext({ sampleRate: g.sampleRate, latencyHint: 'interactive' });
    try {
      await context.audioWorklet.addModule(chrome.runtime.getURL('extension/capture-worklet.js'));
    } catch (err) {
      await context.close();
      this.block('audio_blocked', err.message);
      return false;
    }
    const source = context.createMediaStreamSource(new MediaStream(tracks));
    const node = new AudioWorkletNode(context, 'avlens-capture', {
      numberOfInputs: 1,
      channelCount: 1,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
      processorOptions: { chunk: Math.round(g.sampleRate * AUDIO_CHUNK_SECONDS) },
    });
    node.port.onmessage = ({ data }) => this.onAudio(data.samples, data.time);
    source.connect(node);
    this.audio = { context, node, source, stream };
    if (context.state !== 'running') await context.resume().catch(() => {});
    if (context.state !== 'running') {
      // Without a user gesture on the page the browser keeps the context suspended.
      const resume = () => context.resume().then(() => this.update('play'));
      document.addEventListener('pointerdown', resume, { once: true, capture: true });
      document.addEventListener('keydown', resume, { once: true, capture: true });
      this.set('paused', 'audio_suspended');
      return false;
    }
    return true;
  }

  /** The media time of the sound the worklet captured at context time `contextTime`. */
  mediaTimeOfAudio(contextTime) {
    if (!this.clock) return null;
    const context = this.audio.context;
    const ts = context.getOutputTimestamp();
    // Perf time at which this sample is (or would be) heard; the element plays the same sound at the
    // same moment it shows the frame of that media time. What the capture path adds between the
    // element and this context is not seen here: tests/extension/placement.test.mjs measures it.
    const perf = ts.performanceTime > 0 ? ts.performanceTime + (contextTime - ts.contextTime) * 1000 : performance.now() - (context.currentTime - contextTime) * 1000;
    return this.clock.media + (perf - this.clock.perf) / 1000;
  }

  onAudio(samples, contextTime) {
    if (!this.segment) return;
    if (this.placement !== 'web_audio') {
      this.placement = 'web_audio';
      this.render();
    }
    const media = this.mediaTimeOfAudio(contextTime);
    if (media === null) return; // no frame yet: nothing to align the sound to
    this.segment.audio(samples, media, 'web_audio');
  }

  onFrame(now, metadata) {
    if (this.forgotten || !this.video.isConnected) return; // forgotten: stop the loop
    this.video.requestVideoFrameCallback(this.onFrame);
    this.clock = { perf: metadata.expectedDisplayTime ?? now, media: metadata.mediaTime };
    // How long one frame of this video is shown: media time over frames presented since the last
    // callback (callbacks can skip frames when the page's thread is busy).
    const last = this.lastPresented;
    if (last && metadata.presentedFrames > last.count && metadata.mediaTime > last.media) {
      const interval = (metadata.mediaTime - last.media) / (metadata.presentedFrames - last.count);
      this.frameInterval = Math.min(MAX_FRAME_INTERVAL, Math.max(MIN_FRAME_INTERVAL, interval));
    }
    this.lastPresented = { count: metadata.presentedFrames, media: metadata.mediaTime };
    if (!this.segment) return;
    // Only the frames the core will use are read (PictureClock).
    const pick = this.segment.pick(metadata.mediaTime, this.frameInterval);
    if (!pick) return;
    if (this.inFlight >= MAX_FRAMES_IN_FLIGHT) return; // its pictures count as missed when the next frame is taken
    const frame = this.readFrame(metadata.mediaTime);
    if (frame) this.segment.frame(frame, frame.media, pick);
  }

  /** The core's pictures got no frame; says so once most of them did (mostlyDropped). */
  noteDropped(n) {
    this.droppedFrames += n;
    if (this.state === 'running' && this.reason !== 'slow' && this.mostlyDropped()) this.set('running', 'slow');
  }

  /**
   * The element's current picture and its own media time. The picture is taken as one VideoFrame so
   * that its pixels and its timestamp cannot disagree: drawing the element itself can, on a loaded
   * machine, give the picture one frame before the callback's `mediaTime` (a CI run: a flash frame
   * drawn at 4.0997 s, one frame after the flash). `mediaTime` is used only where VideoFrame is missing.
   */
  readFrame(mediaTime) {
    const v = this.video;
    if (!v.videoWidth || !v.videoHeight) return null;
    const scale = Math.min(1, this.frameSide / Math.max(v.videoWidth, v.videoHeight));
    const width = Math.round(v.videoWidth * scale);
    const height = Math.round(v.videoHeight * scale);
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas = new OffscreenCanvas(width, height);
      this.canvasContext = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false });
    }
    let picture = null;
    try {
      picture = typeof VideoFrame === 'function' ? new VideoFrame(v) : null;
      this.canvasContext.drawImage(picture ?? v, 0, 0, width, height);
      const media = picture ? picture.timestamp / 1e6 : mediaTime;
      this.frameSize = { width, height };
      return { pixels: this.canvasContext.getImageData(0, 0, width, height).data, width, height, media };
    } catch (err) {
      if (err.name === 'InvalidStateError') return null; // no picture yet (the element has none decoded)
      this.block(err.name === 'SecurityError' ? 'cross_origin' : 'drm', err.message);
      return null;
    } finally {
      picture?.close();
    }
  }

  onWindow(window, aggregate, coverage, stream) {
    if (stream) this.stream = stream;
    if (window.score === null) this.received.skipped[window.skipped] = (this.received.skipped[window.skipped] ?? 0) + 1;
    else {
      this.received.scored++;
      this.lastScored = window;
      this.arrivals.push([window.startTime + window.duration, this.video.currentTime]);
      if (this.arrivals.length > ARRIVALS_KEPT) this.arrivals.shift();
    }
    // Watching a part again replaces its earlier window (as the worker does for the timeline).
    this.windows = this.windows.filter((w) => Math.abs(w.startTime - window.startTime) >= window.duration / 2);
    this.windows.push(window);
    if (aggregate) this.aggregate = aggregate;
    // Every window message carries the video's coverage as of then (null: unknown, no verdict).
    this.coverage = coverage ?? null;
    if (this.state === 'running' && !window.hasFace) this.set('running', 'no_face');
    else if (this.state === 'running' && window.score !== null) this.set('running', this.mostlyDropped() ? 'slow' : null);
    else this.render();
  }

  onProblem(code, message) {
    if (code === 'no_face') this.set(this.segment ? 'running' : this.stoppedState(), 'no_face');
    else {
      this.endSegment(false);
      this.set('problem', code, message);
    }
  }

  /**
   * How the analysis keeps up with playback (measured, not estimated): the library's stream state
   * (made, scored, skipped by reason, failed; `waiting`, the backlog, with its maximum `maxWaiting`
   * and bound `waitingLimit`), the window messages that reached this tab (`received`), and the lag
   * of the scores behind the playhead, in media seconds: `lag` is the playhead now minus the end of
   * the scored window that arrived last, `lagAtEnd` that when the video ended, `lagOnArrival` the
   * playhead when each scored window arrived minus its end (the last ARRIVALS_KEPT; after a seek
   * back a window of the earlier part arrives ahead of the playhead: negative). With `trace`, the
   * pairs themselves: `arrivals` [window end, playhead].
   */
  streamReport(trace) {
    const lags = this.arrivals.map(([end, playhead]) => playhead - end);
    return {
      ...(this.stream ?? {}),
      received: { scored: this.received.scored, skipped: { ...this.received.skipped } },
      lag: this.lag(),
      lagAtEnd: this.lagAtEnd,
      lagOnArrival: {
        count: lags.length,
        last: lags.length ? lags[lags.length - 1] : null,
        median: median(lags),
        max: lags.length ? Math.max(...lags) : null,
      },
      ...(trace ? { arrivals: this.arrivals.map((a) => [...a]) } : {}),
    };
  }

  report({ trace = false } = {}) {
    const v = this.video;
    return {
      id: this.id,
      source: v.currentSrc,
      duration: Number.isFinite(v.duration) ? v.duration : null,
      currentTime: v.currentTime,
      playing: !v.paused,
      state: this.state,
      reason: this.reason,
      reasonText: this.state === 'blocked' ? REASONS[this.reason] ?? this.reason : this.reason ? REASONS[this.reason] ?? '' : '',
      ended: v.ended,
      detail: this.detail,
      rolling: rollingScore(this.windows),
      windows: this.windows,
      aggregate: this.aggregate,
      coverage: this.coverage,
      // inFlight: frames sent and not yet taken by the core (at most MAX_FRAMES_IN_FLIGHT): the
      // part of the lag upstream of the windows' backlog.
      // side: the longer side the core asked for; size: the last frame read, as sent (scaled to it).
      // dropped: the core's pictures that got no frame of their own (PictureClock), not frames.
      frames: { sent: this.sentFrames, dropped: this.droppedFrames, inFlight: this.inFlight, side: this.frameSide, size: this.frameSize },
      stream: this.streamReport(trace),
      segments: this.timing.slice(-10),
      size: { width: v.videoWidth, height: v.videoHeight },
      placement: this.placement,
      placementNote: PLACEMENT_NOTES[this.placement] ?? '',
      sound: this.sound?.state() ?? null,
      ...(trace ? { traces: this.traces } : {}),
    };
  }

  forget() {
    this.forgotten = true;
    this.endSegment(false);
    analyser.send({ type: 'forget', video: this.id });
    this.badge.remove();
    this.sound?.close();
    if (this.audio) {
      this.audio.source.disconnect();
      for (const t of this.audio.stream.getTracks()) t.stop();
      this.audio.context.close();
    }
  }
}

/**
 * One uninterrupted stretch of playback. Pictures and sound are both placed on the video's media
 * time; the segment starts at the first point of the file's window grid (window-grid.js) at or after
 * the first media time that has both, and the core sees times from there.
 */
class Segment {
  constructor(watch, number, geometry) {
    this.watch = watch;
    this.number = number;
    this.rate = geometry.sampleRate;
    this.fps = geometry.fps;
    this.geometry = geometry;
    this.start = null; // media time of time 0 for the core
    this.frames = []; // frames before the start is known
    this.chunks = []; // sound before the start is known
    this.anchor = null; // { media, samples }: media time of the first sample, samples received since
    this.lastSound = null;
    this.soundSent = false; // whether any sound went to the core yet
    this.blackSince = null;
    this.lastFrameTime = null; // the latest frame time sent (seconds from the start)
    this.pictures = new PictureClock(geometry.fps); // which frames the core will use
    this.early = null; // { origin, clock }: counts the pictures missed before the start is known (pick)
    this.open = true;
    // What the core is given, in the core's times (seconds from `start`): frames [time, mean
    // brightness 0-255] and the sound's peak |sample| per block of `blockSamples` (1 ms).
    const blockSamples = Math.max(1, Math.round(this.rate / 1000));
    this.trace = { segment: number, start: null, blockSamples, rate: this.rate, frames: [], envelope: [], envelopeStart: 0, residuals: [] };
    this.block = { peak: 0, filled: 0 };
    watch.traces.push(this.trace);
    if (watch.traces.length > TRACE_SEGMENTS) watch.traces.shift();
  }

  send(msg, transfer) {
    if (!this.open && msg.type !== 'close') return;
    analyser.send({ ...msg, video: this.watch.id, segment: this.number }, transfer);
  }

  /**
   * Whether the core will use the frame presented at `media`, on screen for about `interval` s
   * (PictureClock): null, or { last, missed, interval }. Until the stretch's start is known every
   * frame is kept (tryStart picks among them), and the pictures missed meanwhile (a page too busy to
   * hand over frames, while the sound that would start the stretch waits) are counted at once, on a
   * grid from the first frame read; tryStart does not count them again.
   */
  pick(media, interval) {
    if (this.start === null) {
      this.early ??= { origin: media, clock: new PictureClock(this.fps) };
      const early = this.early.clock.pick(media - this.early.origin, interval);
      if (early) {
        this.early.clock.take(early);
        if (early.missed > 0) this.dropped(early.missed);
      }
      return { interval };
    }
    const pick = this.pictures.pick(media - this.start, interval);
    return pick && { ...pick, interval };
  }

  frame({ pixels, width, height }, media, pick) {
    if (!this.open) return;
    const luma = this.checkBlack(pixels, media);
    if (!this.open) return;
    if (this.start === null) {
      this.frames.push({ pixels, width, height, media, luma, interval: pick.interval });
      while (this.frames.length > 2 * this.fps + 30) this.frames.shift();
      this.tryStart();
    } else this.take(pick, { pixels, width, height, media }, luma);
  }

  /** Sends a picked frame; the pictures before it that it stands in for count as dropped. */
  take(pick, frame, luma) {
    this.pictures.take(pick);
    if (pick.missed > 0) this.dropped(pick.missed);
    this.sendFrame(frame, luma);
  }

  /** `n` pictures of the core got no frame of their own (not read in time, or too many in flight). */
  dropped(n) {
    if (this.open) this.watch.noteDropped(n);
  }

  sendFrame({ pixels, width, height, media }, luma) {
    if (!this.open || media < this.start - 0.5 / this.fps) return;
    const time = Math.max(0, media - this.start);
    // The bridge and the worker refuse a frame far after the previous one (the core would repeat the
    // previous picture over the gap): after a long stall, start again as for any other resync.
    const limit = this.lastFrameTime === null ? LIMITS.maxFirstFrameSeconds : this.lastFrameTime + LIMITS.maxFrameGapSeconds;
    if (time > limit) {
      this.watch.endSegment(true);
      this.watch.update('resync');
      return;
    }
    this.lastFrameTime = Math.max(this.lastFrameTime ?? 0, time);
    const frames = this.trace.frames;
    frames.push([time, luma]);
    if (frames.length > TRACE_SECONDS * this.fps * 4) frames.splice(0, frames.length - TRACE_SECONDS * this.fps * 2);
    this.watch.inFlight++;
    this.watch.sentFrames++;
    this.send({ type: 'frame', pixels: pixels.buffer, width, height, time }, [pixels.buffer]);
  }

  /**
   * Sound from `media` on, placed as `placement` says (Watch.placement). The tap's placements are
   * counted in samples from an anchor, so a gap or an overlap against the sound before is real (lost
   * buffers; silence the element rendered in a stall, which the timestamps see); Web Audio's jitter
   * by a display frame from chunk to chunk, so its sound is kept contiguous.
   */
  audio(samples, media, placement) {
    if (!this.open) return;
    // The stretch's placement, for the report: the least exact of its sound's.
    const order = ['exact', 'timestamps', 'web_audio'];
    if (this.placement === undefined || order.indexOf(placement) > order.indexOf(this.placement)) this.placement = placement;
    this.trace.placement = this.placement;
    if (this.timing) this.timing.placement = this.placement;
    if (this.anchor === null) this.anchor = { media, samples: 0 };
    let expected = this.anchor.media + this.anchor.samples / this.rate;
    if (placement !== 'web_audio' && Math.abs(media - expected) <= RESYNC_SECONDS) {
      // Samples lost on the way (a gap: silence in their place) or given twice (an overlap: skipped).
      const shift = Math.round((media - expected) * this.rate);
      if (shift > 0) {
        this.audio(new Float32Array(shift), expected, placement);
        if (!this.open) return;
      } else if (shift < 0) {
        if (-shift >= samples.length) return;
        samples = samples.slice(-shift);
      }
      media = expected = this.anchor.media + this.anchor.samples / this.rate;
    }
    if (Math.abs(media - expected) > RESYNC_SECONDS) {
      // A stall or a hidden seek: sound and picture no longer line up. Start a new segment.
      this.watch.endSegment(true);
      this.watch.update('resync');
      return;
    }
    // Each chunk's own estimate of where it lies, against the contiguous placement (ms): the
    // jitter and drift of the sound's clock mapping, for the trace.
    if (this.trace.residuals.length < 240) this.trace.residuals.push(Number(((media - expected) * 1000).toFixed(1)));
    this.anchor.samples += samples.length;
    this.checkSilence(samples, expected);
    if (!this.open) return;
    if (this.start === null) {
      this.chunks.push({ samples, media: expected });
      this.tryStart();
    } else this.sendFrom(samples, expected);
  }

  /**
   * Sound whose first sample lies at media time `media`: what lies before the stretch's start (a
   * grid point ahead, mid-video) is not sent; a start just before the sound's first sample
   * (ON_GRID_SECONDS) gets silence until it.
   */
  sendFrom(samples, media) {
    const skip = Math.round((this.start - media) * this.rate);
    if (skip >= samples.length) return;
    if (skip < 0 && !this.soundSent) this.sendAudio(new Float32Array(-skip));
    this.sendAudio(skip > 0 ? samples.slice(skip) : samples);
  }

  /** Sends sound that follows the sound sent before without a gap, noting its envelope in the trace. */
  sendAudio(samples) {
    this.soundSent = true;
    const t = this.trace;
    for (let i = 0; i < samples.length; i++) {
      const a = Math.abs(samples[i]);
      if (a > this.block.peak) this.block.peak = a;
      if (++this.block.filled === t.blockSamples) {
        t.envelope.push(Number(this.block.peak.toFixed(4)));
        this.block.peak = 0;
        this.block.filled = 0;
      }
    }
    const keep = TRACE_SECONDS * 1000;
    if (t.envelope.length > 2 * keep) {
      t.envelopeStart += t.envelope.length - keep;
      t.envelope.splice(0, t.envelope.length - keep);
    }
    this.send({ type: 'audio', samples }, [samples.buffer]);
  }

  tryStart() {
    if (this.start !== null || this.frames.length === 0 || this.anchor === null) return;
    // On the file's window grid (window-grid.js). The first frame read can be the second one shown
    // (the callback came after the first was presented, as after a seek): the core then shows it
    // from the start, so the windows fall on the same seconds as the file's in `avlens scan` (a
    // 33 ms later grid alone moved the test clip's windows by a median 0.038). Mid-video, the frames
    // and sound before the next grid point are not sent (pick() and sendFrom() leave them out).
    const first = this.frames[0];
    this.start = stretchStart({ sound: this.anchor.media, frame: first.media, frameInterval: first.interval }, this.geometry);
    this.trace.start = this.start;
    this.timing = { start: this.start, firstFrame: first.media, firstSound: this.anchor.media, placement: this.placement };
    this.watch.timing.push(this.timing);
    this.send({ type: 'open', start: this.start });
    for (const f of this.frames) {
      const pick = this.pictures.pick(f.media - this.start, f.interval);
      if (pick) this.take({ ...pick, missed: 0 }, f, f.luma); // missed ones were counted in pick()
    }
    this.frames = [];
    for (const c of this.chunks) this.sendFrom(c.samples, c.media);
    this.chunks = [];
  }

  checkSilence(samples, media) {
    let peak = 0;
    for (let i = 0; i < samples.length; i += 4) peak = Math.max(peak, Math.abs(samples[i]));
    if (peak > 1e-4 || this.lastSound === null) this.lastSound = media;
    const silent = media - this.lastSound > SILENCE_SECONDS;
    if (silent && this.watch.reason !== 'silent') this.watch.set('running', 'silent');
    else if (!silent && this.watch.reason === 'silent') this.watch.set('running');
  }

  /** Blocks a DRM video whose frames stay black; returns the frame's mean brightness (0-255, sampled). */
  checkBlack(pixels, media) {
    let peak = 0;
    let sum = 0;
    let n = 0;
    for (let i = 0; i < pixels.length; i += 4 * 97) {
      peak = Math.max(peak, pixels[i], pixels[i + 1], pixels[i + 2]);
      sum += pixels[i] + pixels[i + 1] + pixels[i + 2];
      n += 3;
    }
    if (peak > 16) this.blackSince = null;
    else {
      this.blackSince ??= media;
      if (media - this.blackSince > BLACK_SECONDS && this.watch.video.mediaKeys) this.watch.block('drm');
    }
    return n ? Math.round(sum / n) : 0;
  }

  end(flush) {
    if (!this.open) return;
    this.open = false;
    if (this.start !== null) this.send({ type: 'close', flush });
  }
}

analyser.onMessage = (msg) => {
  if (msg.type === 'status' && !msg.ready) {
    for (const w of watches.values()) w.block('engine', msg.error?.message ?? '');
    return;
  }
  const watch = [...watches.values()].find((w) => w.id === msg.video);
  if (!watch) return;
  if (msg.type === 'ack') watch.inFlight = Math.max(0, watch.inFlight - 1);
  else if (msg.type === 'window') watch.onWindow(msg.window, msg.aggregate, msg.coverage, msg.stream);
  else if (msg.type === 'stream') watch.stream = msg.stream;
  else if (msg.type === 'problem') watch.onProblem(msg.code, msg.message);
};

// Scanning can be switched off per site (the popup's switch, kept in chrome.storage.local as the
// list SITES_OFF_KEY of host names). The site is the tab's: a frame's top-level page (its last
// ancestor origin), else its own. Until the setting is read, and while it is off, no video is watched.
const SITES_OFF_KEY = 'scanOffSites';
const SITE = (() => {
  const ancestors = location.ancestorOrigins;
  try {
    return ancestors?.length ? new URL(ancestors[ancestors.length - 1]).hostname : location.hostname;
  } catch {
    return location.hostname;
  }
})();
let scanning = null; // null until the setting is read

function applySetting(off) {
  const on = !(Array.isArray(off) && off.includes(SITE));
  if (on === scanning) return;
  scanning = on;
  if (!on) {
    for (const [video, w] of watches) {
      w.forget();
      watches.delete(video);
    }
  } else scanPage();
}

/** `knownStart`: where the video starts rendering sound, when it does not render yet (its play event). */
function watch(video, knownStart = null) {
  if (!scanning || !(video instanceof HTMLVideoElement) || watches.has(video)) return;
  watches.set(video, new Watch(video, knownStart));
  watches.get(video).update('play');
}

// Media events do not bubble, but they can be caught on the way down. A video that could play
// soon starts the analysis engine, so that it is ready when playback starts.
document.addEventListener('loadedmetadata', (e) => scanning && e.target instanceof HTMLVideoElement && analyser.connect(), true);
document.addEventListener('playing', (e) => watch(e.target), true);
// In its play event a video does not render sound yet: its samples are counted from where it is.
document.addEventListener('play', (e) => e.target instanceof HTMLVideoElement && watch(e.target, e.target.currentTime), true);
function scanPage() {
  for (const v of document.querySelectorAll('video')) {
    if (!v.paused) watch(v);
    else if (v.readyState >= 1) analyser.connect();
  }
}
chrome.storage.local.get(SITES_OFF_KEY).then(
  (items) => applySetting(items[SITES_OFF_KEY]),
  () => applySetting([]), // no storage (it should not happen): scan, as before the switch existed
);
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && changes[SITES_OFF_KEY]) applySetting(changes[SITES_OFF_KEY].newValue);
});
document.addEventListener('visibilitychange', () => {
  for (const w of watches.values()) w.update('visibility');
});
new MutationObserver(() => {
  for (const [video, w] of watches) {
    if (!video.isConnected) {
      w.forget();
      watches.delete(video);
    }
  }
}).observe(document, { childList: true, subtree: true });

/** The current video of this frame: the one playing (the largest if several), else the last watched. */
function currentWatch() {
  const list = [...watches.values()];
  const area = (w) => w.video.clientWidth * w.video.clientHeight;
  return list.filter((w) => !w.video.paused).sort((a, b) => area(b) - area(a))[0] ?? list[list.length - 1] ?? null;
}

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  // The popup asks the tab's top frame which site it is on, and whether it is scanned.
  if (msg?.type === 'avlens:site') {
    if (window !== window.top) return false;
    reply({ site: SITE, scanning: scanning !== false });
    return false;
  }
  if (msg?.type !== 'avlens:report' || watches.size === 0) return false;
  const trace = msg.trace === true;
  const current = currentWatch();
  // The model's metadata goes with the report, so that the popup words its verdict from the same card.
  const model = analyser.status?.ready ? { name: analyser.status.model.name, metadata: analyser.status.model.metadata } : null;
  reply({ frame: location.href, current: current?.id ?? null, model, videos: [...watches.values()].map((w) => w.report({ trace })) });
  return false;
});
