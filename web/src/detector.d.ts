// Types of the avlens detector library (detector.js); docs/LIBRARY.md shows it in use.

export type ErrorCode =
  | 'file_not_found' | 'unreadable' | 'no_video_stream' | 'no_audio_stream' | 'unsupported_codec'
  | 'too_short' | 'no_face' | 'invalid_argument' | 'aborted' | 'internal';

/** Every failure of the core; a model the library refuses is an Error with code 'bad_model', a build without the core 'core_missing'. */
export class CoreError extends Error {
  constructor(code: ErrorCode, message: string);
  readonly name: 'CoreError';
  readonly code: ErrorCode;
}

export interface Backend {
  name: 'webgpu' | 'wasm';
  label: string;
  threads: number;
  adapter: string | null;
}

/** The model's window geometry, read by the wasm core from its metadata. */
export interface Geometry {
  frames: number; height: number; width: number; fps: number;
  sampleRate: number; samples: number;
  videoMean: number; videoStd: number; audioNorm: string;
  /** The face crop: cropScale x the face box's side, centred cropShiftDown box sides below its centre. */
  cropScale: number; cropShiftDown: number;
  videoShape: [1, 3, number, number, number];
  audioShape: [1, 1, number];
}

/** The model's card as read from its metadata (model-card.js readModelCard). */
export interface ModelCard {
  threshold: number;
  thresholdStated: boolean;
  verdictSupported: boolean;
  realFaces: boolean;
  [field: string]: unknown;
}

export interface ModelInfo {
  name: string;
  bytes: number;
  metadata: Record<string, string>;
  geometry: Geometry;
  card: ModelCard;
  /** The model's own decision threshold (its metadata's metrics.threshold). */
  threshold: number;
  /** False when the model's card withholds verdicts: scores are shown without one. */
  verdictSupported: boolean;
  inputs: { name: string; shape: (number | string)[]; type: string }[];
  outputs: string[];
  heatMaps: boolean;
  loadMs: number;
  warmupMs: number;
}

/** What a clip's score rests on, by the core's one rule (avlens::clip_coverage). */
export interface Coverage {
  videoSeconds: number; audioSeconds: number; scoredSeconds: number;
  windows: number; windowsScored: number; windowsWithoutFace: number; decodeErrors: number;
  /** Why no verdict may be given (too little scored), or null. */
  verdictWithheld: string | null;
  /** What the score leaves out (most of the clip unscored, ...), or null. */
  warning: string | null;
  windowsForVerdict: number;
}

/** verdict.js verdictFor: the one verdict rule of the page, the popup, the badge and this library. */
export interface Verdict {
  kind: 'fake' | 'real' | 'uncertain' | 'unsupported' | 'withheld';
  /** The side of the threshold the score is on (what `avlens scan` prints), also when no verdict is worded. */
  decision: 'fake' | 'real';
  threshold: number;
  title: string;
  label: string;
  summary: string;
  evidence: string | null;
  notice: { title: string; text: string } | null;
  withheld: { reason: string; scored: number; needed: number | null; short: string } | null;
  warning: string | null;
}

/** A heat map of docs/METHOD.md §2 (row-major height × width). */
export interface HeatMap { data: Float32Array; height: number; width: number }

export interface ScoredWindow {
  index: number;
  startTime: number;
  duration: number;
  /** The network's score for this window, in [0, 1]. */
  score: number;
  hasFace: boolean;
  framesWithoutFace: number;
  boxes: number[] | null;
  maps: { M: HeatMap | null; A: HeatMap | null; Mhat: HeatMap | null };
  /** The face crop the network saw (middle frame, PNG), or null with `crops: false`. */
  crop: Blob | null;
}

export interface Aggregate {
  mean: number;
  max: number;
  windows: number;
  /** One value per second of the clip; NaN where no window was scored. */
  timeline: number[];
}

export interface ScanResult {
  file: { name: string | null; bytes: number; type: string };
  clip: Record<string, unknown> & { duration: number };
  declaredDuration: number;
  windows: ScoredWindow[];
  /** The clip score: the mean of the window scores. */
  score: number;
  max: number;
  threshold: number;
  verdict: Verdict;
  timeline: number[];
  aggregate: Aggregate;
  coverage: Coverage;
  report: Record<string, unknown>;
  /**
   * Milliseconds: windows is the core's own time (reading, decoding, face tracking, windows),
   * inference the network's; with overlap they run at the same time and total (the wall clock
   * from the file to the verdict) is less than their sum.
   */
  timings: { windows: number; inference: number; heatmaps: number; aggregate: number; total: number };
  pipeline: PipelineStats;
}

/** How the core and the network shared the scan (null fields: they took turns, overlap false). */
export interface PipelineStats {
  overlap: boolean;
  /** Windows the core may make ahead of the network. */
  queueLimit: number | null;
  /** The most windows that were made and not yet scored at one time (never above queueLimit). */
  maxQueued: number | null;
  /** Time the core waited for the network (the queue was full), ms. */
  coreWaitedMs: number | null;
  /** Time the network waited for the core's next window, ms. */
  networkWaitedMs: number | null;
}

export interface Progress {
  stage: 'runtime' | 'core' | 'model' | 'warmup' | 'analyse' | 'aggregate';
  fraction: number;
  done?: number;
  expected?: number;
  elapsedMs?: number;
}

export interface ScanOptions {
  /** Anything with an `aborted` boolean (an AbortSignal); the scan rejects with code 'aborted'. */
  signal?: { readonly aborted: boolean };
  onWindow?: (window: ScoredWindow) => void;
  onClip?: (clip: { info: Record<string, unknown>; expectedWindows: number }) => void;
  onProgress?: (progress: Progress) => void;
  /** Give each window its face crop (default true). */
  crops?: boolean;
  /**
   * Make the windows in a worker of the core's own while the network scores the ones before
   * (default true where workers exist; false: the core and the network take turns on this thread).
   */
  overlap?: boolean;
  /** With overlap: windows the core may make ahead of the network, 1 to 16 (default 3). */
  queueLimit?: number;
}

export interface StreamWindow {
  startTime: number;
  duration: number;
  hasFace: boolean;
  framesWithoutFace: number;
  /** null when the window was not scored; `skipped` says why. */
  score: number | null;
  skipped?: 'silent' | 'no_face' | 'slow';
}

/**
 * Where a video's windows are (VideoStream.streamState): at every moment
 * made = scored + skipped.silent + skipped.no_face + skipped.slow + failed + waiting + scoring.
 */
export interface StreamState {
  made: number;
  scored: number;
  skipped: { silent: number; no_face: number; slow: number };
  /** Windows whose scoring failed (reported through onProblem). */
  failed: number;
  /** The backlog: windows made and waiting for the network (not the one it scores now). */
  waiting: number;
  /** 1 while the network scores one of this video's windows, else 0. */
  scoring: number;
  /** The most windows that waited at once since the video was opened. */
  maxWaiting: number;
  /** MAX_WAITING_WINDOWS: the bound on the waiting windows of all videos together. */
  waitingLimit: number;
  /** Stretches not yet closed (0: every window the video will make so far has been made). */
  openStretches: number;
}

export interface StreamUpdate {
  window: StreamWindow;
  /** After each scored window: the video's scores so far (timeline: null where unscored). */
  aggregate?: { mean: number; max: number; windows: number; timeline: (number | null)[] };
  coverage: Coverage | null;
  verdict: Verdict | null;
  /** The video's stream state after this window. */
  stream: StreamState;
}

export interface Stretch {
  readonly start: number;
  /** RGBA (or RGB) bytes of a frame `time` seconds after the stretch's start. */
  pushFrame(pixels: Uint8Array, width: number, height: number, time: number): void;
  /** Mono samples at the model's sample rate, contiguous from the stretch's start. */
  pushAudio(samples: Float32Array): void;
  /** Ends the stretch; flush (default true) makes its last windows first. */
  close(options?: { flush?: boolean }): void;
}

export interface VideoStream {
  /** A stretch of playback from media time `start` seconds (a seek or a pause ends one). */
  openStretch(start?: number): Stretch;
  aggregate(): { mean: number; max: number; windows: number; timeline: (number | null)[] };
  coverage(): Coverage;
  /** Where the video's windows are now: counts, the backlog and its maximum. */
  streamState(): StreamState;
  close(): void;
}

export interface VideoOptions {
  onWindow?: (update: StreamUpdate) => void;
  /** A window of this video joined the waiting ones (the backlog grew, or one was dropped for it). */
  onBacklog?: (stream: StreamState) => void;
  onProblem?: (error: Error & { code: string }, stretch: Stretch | undefined) => void;
  /** Scored windows kept for the timeline (the earliest go past it); default 14 400. */
  maxScores?: number;
}

export interface Detector {
  readonly backend: Backend;
  readonly model: ModelInfo;
  /** The verdict on a score under this model (its threshold, its card) and a coverage. */
  verdict(score: number, coverage?: Coverage | null): Verdict;
  scanFile(file: Blob & { name?: string }, options?: ScanOptions): Promise<ScanResult>;
  /** Starts the core's worker for scanFile now, so that the first scan does not wait for it to load. */
  prepareScans(): void;
  openVideo(options?: VideoOptions): VideoStream;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** 'auto' (WebGPU on a hardware adapter, else WebAssembly), 'webgpu' or 'wasm'. */
  backend?: 'auto' | 'webgpu' | 'wasm';
  /** WebAssembly threads for ONNX Runtime (1 unless the page is cross-origin isolated). */
  threads?: number;
  onProgress?: (progress: Progress) => void;
  /** URL of avlens_core.js (default: core/ of the built site); null: no core. */
  coreUrl?: string | URL | null;
  /** URL of the folder of ONNX Runtime Web's files (default: vendor/ort/ of the built site). */
  ortUrl?: string | URL;
}

export interface DetectorOptions extends EngineOptions {
  /** The model: a URL, its bytes or a Blob (default: model/avlens.onnx of the built site). */
  model?: string | URL | ArrayBuffer | Uint8Array | Blob;
  name?: string;
}

export interface Engine {
  readonly backend: Backend;
  readonly ortVersion: string | null;
  readonly coreStatus: { kind: 'wasm' | 'missing' | 'broken'; version?: string | null; message: string };
  loadDetector(model: string | URL | ArrayBuffer | Uint8Array | Blob, options?: { name?: string }): Promise<Detector>;
}

export function createDetector(options?: DetectorOptions): Promise<Detector>;
export function createEngine(options?: EngineOptions): Promise<Engine>;
/**
 * Streaming: the most windows (of all open videos together) that wait for the network; when one
 * more is made, the oldest is dropped and reported as skipped 'slow'.
 */
export declare const MAX_WAITING_WINDOWS: number;
