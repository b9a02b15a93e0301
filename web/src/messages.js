// What a person reads when something goes wrong: one message per typed error of the core, the
// model checks and the page itself. `detail` (the technical message) is shown on demand.

const MESSAGES = {
  unreadable: {
    title: 'This file can’t be read as a video',
    body: 'It may be damaged, cut off (still downloading?), or not a video at all. Try saving or exporting it again, or choose another file.',
  },
  file_not_found: {
    title: 'The file could not be opened',
    body: 'The browser could not read the file. Choose it again; if it sits on a network drive, copy it to this computer first.',
  },
  no_video_stream: {
    title: 'This file has no picture',
    body: 'avlens checks whether a face and a voice belong together, so it needs a video with both. This file seems to contain sound only.',
  },
  no_audio_stream: {
    title: 'This video has no sound',
    body: 'avlens checks whether the voice matches the face. A clip without an audio track can’t be checked — choose a version of the clip with its sound.',
  },
  unsupported_codec: {
    title: 'This video format isn’t supported',
    body: 'The file uses a codec avlens can’t decode in the browser. Convert it to MP4 (H.264 + AAC) or WebM (VP9 + Opus) and try again, for example: ffmpeg -i input -c:v libx264 -c:a aac output.mp4',
  },
  too_short: {
    title: 'This clip is too short',
    body: 'avlens needs at least one full second of video with sound. Choose a longer clip.',
  },
  no_face: {
    title: 'No face was found',
    body: 'avlens needs the face of the person speaking to be visible — reasonably large, lit and turned towards the camera — for at least part of the clip.',
  },
  invalid_argument: {
    title: 'The analysis could not start',
    body: 'A setting or the model’s description is not valid. The details below say which.',
  },
  internal: {
    title: 'Something went wrong inside the analysis',
    body: 'This is a bug in avlens, not a problem with your file. Please report it with the details below.',
  },
  core_missing: {
    title: 'The analysis engine is missing from this build',
    body: 'This copy of the page was built without the WebAssembly core, so it can’t read videos. Build it (see the README) and reload the page.',
  },
  bad_model: {
    title: 'This model can’t be used',
    body: 'The file is not an avlens model, or its description does not fit the network inside it. The details below say what is wrong.',
  },
  no_model: {
    title: 'No model is loaded',
    body: 'Load an avlens model (.onnx) with “Use another model…” first.',
  },
  backend: {
    title: 'The page could not start its analysis engine',
    body: 'ONNX Runtime could not start in this browser. Try a current Chrome, Edge or Firefox, or reload the page.',
  },
  worker_crashed: {
    title: 'The analysis stopped unexpectedly',
    body: 'The browser ended the analysis, often because it ran out of memory. Close other tabs, or try a shorter clip.',
  },
  busy: {
    title: 'An analysis is already running',
    body: 'Wait for it to finish, or cancel it first.',
  },
};

export function messageFor(code, detail = '') {
  const m = MESSAGES[code] ?? MESSAGES.internal;
  return { code: MESSAGES[code] ? code : 'internal', title: m.title, body: m.body, detail };
}

export const MESSAGE_CODES = Object.keys(MESSAGES);
