// JavaScript glue inside the Emscripten module (--post-js): only what is about JavaScript itself
// (reading a File/Blob/ArrayBuffer slice by slice, AbortSignal, async iteration, stack bookkeeping). The API and all the
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
  for (const name of ['geometry', 'pushFrameSide', 'aggregateScores', 'clipCoverage', 'readOnnxMetadata']) {
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

  // The clip as the core reads it: {size, read(offset, length) -> Uint8Array}, asked for a slice
  // (options.readChunkBytes, 1 MiB) at a time, so only a few slices are ever in the wasm heap. In a
  // worker a File or Blob is read with FileReaderSync; elsewhere (a page's main thread, Node) it is
  // read whole first, as there is no synchronous way to read a slice of it. A caller may give its
  // own {size, read} (Node: over a file descriptor).
  const bytesInput = (bytes) => ({
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, offset + length),
  });
  const toInput = async (source) => {
    if (source instanceof Uint8Array) return bytesInput(source);
    if (source instanceof ArrayBuffer) return bytesInput(new Uint8Array(source));
    if (ArrayBuffer.isView(source)) return bytesInput(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
    const isBlob = typeof Blob === 'function' && source instanceof Blob;
    if (isBlob && typeof FileReaderSync === 'function') {
      const fileReader = new FileReaderSync();
      return {
        size: source.size,
        read: (offset, length) => new Uint8Array(fileReader.readAsArrayBuffer(source.slice(offset, offset + length))),
      };
    }
    if (isBlob) return bytesInput(new Uint8Array(await source.arrayBuffer()));
    if (source && typeof source === 'object' && typeof source.read === 'function') {
      if (!Number.isSafeInteger(source.size) || source.size < 0) invalidArgument('a reader\'s size must be a whole number of bytes');
      return source;
    }
    if (source && typeof source.arrayBuffer === 'function') return bytesInput(new Uint8Array(await source.arrayBuffer()));  // a Response
    invalidArgument('openClip expects a File, Blob, ArrayBuffer, typed array or {size, read(offset, length)}');
  };
  // A JavaScript throw must not cross the wasm frames (FFmpeg is mid-read): the core is told why
  // the read failed, as a string, and reports it as an unreadable clip.
  const guardedInput = (input) => ({
    size: input.size,
    read(offset, length) {
      try {
        const bytes = input.read(offset, length);
        return bytes instanceof Uint8Array ? bytes : `the reader returned ${Object.prototype.toString.call(bytes)}, not a Uint8Array`;
      } catch (error) {
        return String((error && (error.name && error.message ? `${error.name}: ${error.message}` : error.message)) || error);
      }
    },
  });

  // openClip(source, {name, metadata | preset, strideFrames, detectEvery, ..., readChunkBytes,
  // onProgress, signal, shouldAbort}) -> ClipReader. `name` (default: the File's name) is used in
  // error messages.
  Module['openClip'] = async (source, options = {}) => {
    const input = guardedInput(await toInput(source));
    const name = options.name !== undefined ? options.name : (source && source.name) || 'clip';
    const { options: coreOptions, rethrow } = callbacks(Object.assign({}, options, { name: undefined }));
    let reader;
    try {
      reader = ClipReader['open'](input, String(name), coreOptions);
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
