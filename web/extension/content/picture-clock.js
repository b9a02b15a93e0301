// Which of a video's presented frames the core will use. The core takes one picture every 1 / fps s
// of the model's rate from a stretch's start, each the frame nearest to that time (the core's
// constant-rate step, native/core/src/frame_rate.hpp: a frame stands from the midpoint with the frame
// before to the midpoint with the frame after). So of a 30 or 60 fps video only the frames whose
// time on screen holds one of those times are read and sent: on a slow machine, reading and sending
// every frame lost most of them, and the core then used whichever came nearest.

export class PictureClock {
  /** `fps`: the model's pictures a second (the core's geometry, passed on in the worker's status). */
  constructor(fps) {
    if (!(fps > 0)) throw new Error(`PictureClock: bad fps ${fps}`);
    this.fps = fps;
    this.next = 0; // the next picture (at next / fps s) that has no frame yet
  }

  /**
   * The frame at `time` s from the stretch's start, on screen for about `interval` s: null when the
   * core will not use it, else { last, missed }: the last picture it serves (its time on screen
   * reaches picture `last`'s time), and how many pictures before its time on screen had no frame of
   * their own (their nearest frame was never read: the page was busy, or too many were in flight).
   * It is the nearest frame for the pictures within [time - interval / 2, time + interval / 2).
   */
  pick(time, interval) {
    // A picture exactly between two frames goes to the later one, as in the core.
    const last = Math.floor((time + interval / 2) * this.fps - 1e-6);
    if (last < this.next) return null;
    const first = Math.ceil((time - interval / 2) * this.fps - 1e-6);
    return { last, missed: Math.max(0, Math.min(first, last + 1) - this.next) };
  }

  /** The frame `pick` chose was sent. */
  take(pick) {
    this.next = pick.last + 1;
  }
}
