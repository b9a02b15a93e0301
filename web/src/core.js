// The one place that knows the wasm core's JavaScript API (build-wasm/avlens_core.js, made from
// wasm/embind.cpp + wasm/post.js; see wasm/README.md). The worker uses the small interface below, so a change in the core's
// bindings changes this file only.
//
//   const core = await loadCore(moduleUrl)
//   const clip = await core.openClip(source, name, metadata, { onProgress(fraction), signal })
//       source:   a File or Blob (in a worker the core reads it slice by slice as it decodes, so a
//                 long clip never sits whole in memory), bytes, or any {size, read(offset, length)}
//       metadata: the model's metadata_props (the core reads the window geometry from them)
//       signal:   anything with an `aborted` boolean the core can poll between frames
//   clip.info            -> { duration, width, height, rotation, sourceFps, container, videoCodec, audioCodec, ... }
//                           as the container declares them when the clip is opened (duration: anything)
//   clip.readInfo()      -> the same, now: once the clip has been read to the end, its duration is
//                           no more than 1 s past what was decoded (size results from this one)
//   clip.next()          -> null at the end, or a window { index, startTime, duration, video: Float32Array(3*T*H*W),
//                           audio: Float32Array(S), crops: Uint8Array(T*H*W*3), boxes: Float32Array(4*T),
//                           faceFound: Uint8Array(T), framesWithoutFace, hasFace }
//   clip.report()        -> { frames, framesWithoutFace, framesWithoutFaceList, windows, windowsWithoutFace, decodeErrors, ... }
//   clip.coverage(scored) -> what the clip's score rests on, by the core's one rule (avlens::clip_coverage):
//                           { videoSeconds, audioSeconds, scoredSeconds, windows, windowsScored, windowsWithoutFace,
//                             decodeErrors, verdictWithheld: null | why, warning: null | what was left out,
//                             windowsForVerdict }; scored: [{ startTime, duration, score }] of the scored windows
//   clip.close()
//   core.geometry(metadata) -> the window geometry the core reads from a model's metadata, by its one
//                           validation (integers written as digits, ranges, a per-window memory budget):
//                           { frames, height, width, fps, sampleRate, samples, videoMean, videoStd, audioNorm,
//                             cropScale, cropShiftDown,
//                             videoShape: [1, 3, T, H, W], audioShape: [1, 1, S] }; a CoreError invalid_argument
//                           with the core's reason when the metadata cannot be used
//   core.readOnnxMetadata(bytes) -> { key: value } of a model's metadata_props (Uint8Array of the .onnx file),
//                           read by the core's own reader (the one the native tools use); a CoreError
//                           invalid_argument when the bytes are not an ONNX model
//   core.aggregate([{ startTime, duration, score }], clipDuration) -> { mean, max, windows, timeline: number[] (NaN: none) }
//   core.coverage(report, scored, metadata) -> the same rule on a report ({ frames, audioSamples, windows,
//                           windowsWithoutFace, decodeErrors }: a maker's that is closed, or a sum of several)
//
// Push API (the extension: the browser decodes, the core tracks faces and makes the windows):
//   const maker = core.createWindowMaker(metadata)
//   core.pushFrameSide(metadata) -> the longer side (pixels) to scale frames to before pushFrame: what
//                           the core's face tracking and cropping use (avlens::push_frame_side)
//   maker.pushFrame(rgba, width, height, timeSeconds)  RGBA or RGB bytes, times from 0
//   maker.pushAudio(float32Mono)                        at the model's sample rate, contiguous from time 0
//   maker.pop()          -> null or a window (as clip.next())
//   maker.finish(endTime)   flush; throws too_short / no_face when nothing could be made
//   maker.report(), maker.coverage(scored), maker.close()
//
// Every failure is thrown as a CoreError whose `code` is one of the core's stable error names
// (avlens::error_code_name).

export const CORE_ERROR_CODES = [
  'file_not_found',
  'unreadable',
  'no_video_stream',
  'no_audio_stream',
  'unsupported_codec',
  'too_short',
  'no_face',
  'invalid_argument',
  'aborted',
  'internal',
];

export class CoreError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'CoreError';
    this.code = CORE_ERROR_CODES.includes(code) ? code : 'internal';
  }
}

// The core throws Error { name: 'AvlensError', code, message }; anything else (a trap, an
// Emscripten abort, a bug in the glue) is `internal`.
export function toCoreError(err) {
  if (err instanceof CoreError) return err;
  if (err && typeof err === 'object' && typeof err.code === 'string') return new CoreError(err.code, String(err.message ?? err.code));
  if (err instanceof WebAssembly.RuntimeError) return new CoreError('internal', `the analysis core crashed (${err.message})`);
  if (err instanceof Error) return new CoreError('internal', err.message);
  return new CoreError('internal', `the analysis core failed (${String(err)})`);
}

function guarded(f) {
  try {
    return f();
  } catch (err) {
    throw toCoreError(err);
  }
}

export async function loadCore(moduleUrl) {
  let mod;
  try {
    mod = await import(moduleUrl);
  } catch (err) {
    throw new CoreError('internal', `the analysis core (${moduleUrl}) could not be loaded: ${err.message}`);
  }
  const factory = mod.createCore ?? mod.default;
  if (typeof factory !== 'function') throw new CoreError('internal', 'the analysis core module has no createCore factory');
  const base = new URL('.', moduleUrl).href;
  // A core built before coverage existed cannot say what a score rests on: no verdict can be given from it.
  const noCoverage = () => new CoreError('internal', 'this build of the analysis core cannot report coverage (rebuild it: wasm/build.sh)');
  const coverageOf = (object, scored) => {
    if (typeof object.coverage !== 'function') throw noCoverage();
    return guarded(() => object.coverage(scored));
  };
  let native;
  try {
    native = await factory({ locateFile: (path) => new URL(path, base).href });
  } catch (err) {
    throw toCoreError(err);
  }
  if (typeof native.openClip !== 'function' || typeof native.aggregateScores !== 'function') {
    throw new CoreError('internal', 'the analysis core module does not have the expected API (openClip, aggregateScores)');
  }

  return {
    // A string: the real core has a version() function (a function cannot be posted to the page).
    version: typeof native.version === 'function' ? guarded(() => native.version()) : null,
    async openClip(source, name, metadata, { onProgress, signal } = {}) {
      let reader;
      try {
        reader = await native.openClip(source, { name, metadata, onProgress, signal });
      } catch (err) {
        throw toCoreError(err);
      }
      let info;
      try {
        info = guarded(() => reader.info());
      } catch (err) {
        reader.delete();
        throw err;
      }
      return {
        info,
        readInfo: () => guarded(() => reader.info()),
        next: () => guarded(() => reader.next(true)),
        coverage: (scored) => coverageOf(reader, scored),
        report: () => {
          const r = guarded(() => reader.report());
          return { ...r, framesWithoutFaceList: Array.from(r.framesWithoutFaceList ?? []) };
        },
        close: () => reader.delete(),
      };
    },
    createWindowMaker(metadata) {
      if (typeof native.createWindowMaker !== 'function') {
        throw new CoreError('internal', 'this build of the analysis core has no push API (createWindowMaker)');
      }
      const maker = guarded(() => native.createWindowMaker({ metadata }));
      return {
        pushFrame: (pixels, width, height, time) => guarded(() => maker.pushFrame(pixels, width, height, time)),
        pushAudio: (samples) => guarded(() => maker.pushAudio(samples)),
        pop: () => guarded(() => maker.pop(true)),
        finish: (endTime = -1) => guarded(() => maker.finish(endTime)),
        report: () => guarded(() => maker.report()),
        coverage: (scored) => coverageOf(maker, scored),
        close: () => maker.delete(),
      };
    },
    pushFrameSide(metadata) {
      if (typeof native.pushFrameSide !== 'function') throw new CoreError('internal', 'this build of the analysis core cannot say what frame size it uses (rebuild it: wasm/build.sh)');
      return guarded(() => native.pushFrameSide({ metadata }));
    },
    geometry(metadata) {
      if (typeof native.geometry !== 'function') throw new CoreError('internal', 'this build of the analysis core cannot read a model\'s geometry (rebuild it: wasm/build.sh)');
      const g = guarded(() => native.geometry({ metadata }));
      return { ...g, videoShape: Array.from(g.videoShape), audioShape: Array.from(g.audioShape) };
    },
    readOnnxMetadata(bytes) {
      if (typeof native.readOnnxMetadata !== 'function') throw new CoreError('internal', 'this build of the analysis core cannot read a model\'s metadata (rebuild it: wasm/build.sh)');
      return { ...guarded(() => native.readOnnxMetadata(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))) };
    },
    coverage(report, scored, metadata) {
      if (typeof native.clipCoverage !== 'function') throw noCoverage();
      return guarded(() => native.clipCoverage(report, scored, { metadata }));
    },
    aggregate(scores, clipDuration) {
      const r = guarded(() => native.aggregateScores(scores, clipDuration));
      return { mean: r.mean, max: r.max, windows: r.windows, timeline: Array.from(r.timeline) };
    },
  };
}
