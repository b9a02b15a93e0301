// Where a stretch of live playback starts. The core cuts a clip into windows of frames / fps seconds
// from its start, so `avlens scan` and the page score the windows [0, W), [W, 2W), ... of a file. A
// stretch starts on that grid, so that its windows cover the same seconds as the file's: the
// per-second timeline holds one window a second, and a part watched again replaces the very window
// it scored before. Mid-video (a seek, a play after a pause) that is the next grid point: the sound
// and frames before it are not sent.

// A sound that starts this close after a grid point starts on it (the few samples before it are
// sent as silence).
export const ON_GRID_SECONDS = 0.002;

/** The window's length in seconds of a geometry { frames, fps } (the core's, from the worker's status). */
export function windowSeconds(geometry) {
  const w = geometry?.frames / geometry?.fps;
  if (!(w > 0 && Number.isFinite(w))) throw new Error(`window grid: bad geometry ${JSON.stringify(geometry)}`);
  return w;
}

/**
 * The media time a stretch starts at, from the media times of its first sound sample (`sound`) and
 * its first frame read (`frame`, on screen for about `frameInterval` s), for the core's `geometry`:
 * the grid point at or before both when the sound starts on it and the first frame comes at most a
 * frame's time (or half a picture of the core) after it, as the first frame read after a seek does
 * (the core shows that frame from the stretch's start, native/core/src/frame_rate.hpp); else the
 * next grid point after both.
 */
export function stretchStart({ sound, frame, frameInterval }, geometry) {
  const w = windowSeconds(geometry);
  const both = Math.max(sound, frame);
  const before = Math.max(0, Math.floor((both + ON_GRID_SECONDS) / w)) * w;
  const frameLate = Math.max(frameInterval, 0.5 / geometry.fps) + 1e-6;
  if (sound <= before + ON_GRID_SECONDS && frame - before <= frameLate) return before;
  return Math.max(0, Math.ceil((both - ON_GRID_SECONDS) / w)) * w;
}
