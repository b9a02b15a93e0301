// One run of the wasm core over a clip, in Node or (imported by chromium_page.html) a browser:
// open from memory, every window in order, as the page does. Returns frames, windows, times and
// the wasm heap's size (it only grows: its final size is the peak).
export async function runWasmWindows(createCore, bytes, { video = false, preset = 'paper', cpuSeconds = () => NaN } = {}) {
  const t0 = performance.now();
  const c0 = cpuSeconds();
  const core = await createCore();
  const tLoaded = performance.now();
  const reader = await core.openClip(bytes, { name: 'bench clip', preset });
  let windows = 0;
  for (let w = reader.next(video); w !== null; w = reader.next(video)) windows++;
  const report = reader.report();
  const info = reader.info();
  reader.delete();
  const wall = (performance.now() - tLoaded) / 1000;
  const cpu = cpuSeconds() - c0;
  return {
    width: info.width,
    height: info.height,
    clip_seconds: info.duration,
    frames: report.frames,
    windows,
    frames_without_face: report.framesWithoutFace,
    video_tensor: video,
    load_seconds: (tLoaded - t0) / 1000,
    wall_seconds: wall,
    cpu_seconds: cpu,
    frames_per_second: report.frames / wall,
    realtime_factor: info.duration / wall,
    wasm_memory_mb: core.memoryStats().heapBytes / 2 ** 20,
    peak_malloc_mb: core.memoryStats().peakBytes / 2 ** 20,
  };
}
