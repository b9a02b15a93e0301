// JavaScript glue inside the Emscripten module (--post-js): only what is about JavaScript itself
// (Blob/ArrayBuffer inputs, AbortSignal, async iteration, stack bookkeeping). The API and all the
// work are C++ (wasm/embind.cpp over native/core).

// Embind registers the classes while the runtime starts; the API is completed right after.
{
  const userOnRuntimeInitialized = Module['onRuntimeInitialized'];
  Module['onRuntimeInitialized'] = () => {
    avlensCompleteApi();
    if (userOnRuntimeInitialized) userOnRuntimeInitialized();
  };
}

function avlensCompleteApi() {
  // A failing call throws an AvlensError from inside wasm (embind.cpp), which skips the wasm
  // frames' epilogues and leaves the wasm stack pointer moved: each entry point puts it back.
  const restoreStackOnThrow = (fn) =>
    function (...args) {
      const sp = stackSave();
      try {
        return fn.apply(this, args);
      } catch (error) {
        stackRestore(sp);
        throw error;
      }
    };
  const ClipReader = Module['ClipReader'];
  const WindowMaker = Module['WindowMaker'];
  for (const name of ['next', 'info', 'report', 'coverage', 'geometry']) {
    ClipReader.prototype[name] = restoreStackOnThrow(ClipReader.prototype[name]);
  }
  for (const name of ['setAudioRange', 'pushFrame', 'pushAudio', 'finish', 'pop', 'report', 'coverage', 'geometry']) {
    WindowMaker.prototype[name] = restoreStackOnThrow(WindowMaker.prototype[name]);
  }
  ClipReader['open'] = restoreStackOnThrow(ClipReader['open']);
  WindowMaker['create'] = restoreStackOnThrow(WindowMaker['create']);
  for (const name of ['geometry', 'aggregateScores', 'clipCoverage', 'readOnnxMetadata']) {
    Module[name] = restoreStackOnThrow(Module[name]);
  }

  // The errors of the JavaScript side look like the core's (embind.cpp).
  const invalidArgument = (message) => {
    throw Object.assign(new Error(message), { name: 'AvlensError', code: 'invalid_argument' });
  };

  // The core polls `signal.aborted` between frames. The caller's AbortSignal and shouldAbort()
  // are merged into one such object; a throwing onProgress or shouldAbort also stops the work, and
  // that error (not "aborted") is what the caller then sees.
  const callbacks = (options) => {
    const { signal, shouldAbort, onProgress } = options;
    if (shouldAbort !== undefined && typeof shouldAbort !== 'function') invalidArgument('shouldAbort must be a function');
    if (signal !== undefined && signal !== null && (typeof signal !== 'object' || !('aborted' in signal))) {
      invalidArgument('signal must be an AbortSignal');
    }
    const state = { callbackError: null };
    const merged = {
      get aborted() {
        if (state.callbackError === null && shouldAbort) {
          try {
            if (shouldAbort()) return true;
          } catch (error) {
            state.callbackError = error;  // a JS throw must not cross the wasm frames
          }
        }
        return state.callbackError !== null || Boolean(signal && signal.aborted);
      },
    };
    const progress =
      typeof onProgress === 'function'
        ? (fraction) => {
            try {
              onProgress(fraction);
            } catch (error) {
              if (state.callbackError === null) state.callbackError = error;
            }
          }
        : onProgress;
    const rethrow = (error) => {
      throw state.callbackError !== null && error && error.code === 'aborted' ? state.callbackError : error;
    };
    // (Object.assign, not object spread: Emscripten 3.1.6's JS optimizer cannot parse spread.)
    const coreOptions = Object.assign({}, options, { signal: merged, shouldAbort: undefined, onProgress: progress });
    return { options: coreOptions, rethrow };
  };

  const toBytes = async (source) => {
    if (source instanceof Uint8Array) return source;
    if (source instanceof ArrayBuffer) return new Uint8Array(source);
    if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    if (source && typeof source.arrayBuffer === 'function') return new Uint8Array(await source.arrayBuffer());  // File, Blob, Response
    invalidArgument('openClip expects a File, Blob, ArrayBuffer or typed array');
  };

  // openClip(source, {name, metadata | preset, strideFrames, detectEvery, ..., onProgress, signal,
  // shouldAbort}) -> ClipReader. `name` (default: the File's name) is used in error messages.
  Module['openClip'] = async (source, options = {}) => {
    const bytes = await toBytes(source);
    const name = options.name !== undefined ? options.name : (source && source.name) || 'clip';
    const { options: coreOptions, rethrow } = callbacks(Object.assign({}, options, { name: undefined }));
    let reader;
    try {
      reader = ClipReader['open'](bytes, String(name), coreOptions);
    } catch (error) {
      rethrow(error);
    }
    reader.avlensRethrow = rethrow;
    return reader;
  };

  const next = ClipReader.prototype['next'];
  // next(video = true): the next window, or null at the end. video: false skips the float tensor.
  ClipReader.prototype['next'] = function (video = true) {
    try {
      return next.call(this, video);
    } catch (error) {
      if (this.avlensRethrow) this.avlensRethrow(error);
      throw error;
    }
  };
  // The push API's optional arguments (Embind wants every argument).
  const pop = WindowMaker.prototype['pop'];
  WindowMaker.prototype['pop'] = function (video = true) {
    return pop.call(this, video);
  };
  const finish = WindowMaker.prototype['finish'];
  // finish(endTime): where the last pushed frame ends, in seconds; default: one frame after it.
  WindowMaker.prototype['finish'] = function (endTime = -1) {
    return finish.call(this, endTime);
  };
  // for await (const w of reader.windows()) ...: yields to the event loop before each window, so
  // an AbortSignal fired by an event stops the clip at the next frame.
  ClipReader.prototype['windows'] = async function* ({ video = true } = {}) {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const w = this['next'](video);
      if (w === null) return;
      yield w;
    }
  };
  ClipReader.prototype[Symbol.asyncIterator] = function () {
    return this['windows']();
  };
  ClipReader.prototype['close'] = ClipReader.prototype['delete'];
  WindowMaker.prototype['close'] = WindowMaker.prototype['delete'];

  // createWindowMaker(options) for the push API; the same options as openClip.
  Module['createWindowMaker'] = (options = {}) => {
    const { options: coreOptions, rethrow } = callbacks(options);
    try {
      return WindowMaker['create'](coreOptions);
    } catch (error) {
      rethrow(error);
    }
  };
}
