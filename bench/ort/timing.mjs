// The timing loops of bench/ort_gap.mjs and bench/gpu/ort_bench.mjs, run the same way in Node
// (onnxruntime-node) and in the page (onnxruntime-web; each bench serves this file with
// servePageModules in page_modules.mjs): no Node APIs, and its one import is the project's median.

import { median } from '../../web/src/statistics.js';

/** Feeds for `batch` windows: the model's declared input shapes, fixed pseudo-random values in [-1, 1). */
export function randomFeeds(ort, session, batch) {
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed / 2 ** 32) * 2 - 1;
  };
  const feeds = {};
  for (const name of session.inputNames) {
    const meta = (session.inputMetadata ?? []).find((m) => m.name === name);
    if (!meta?.shape) throw new Error(`ONNX Runtime gives no shape for input ${name}`);
    const dims = meta.shape.map((d, i) => (i === 0 ? batch : d));
    if (!dims.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`input ${name} has a dynamic dimension besides the batch: ${JSON.stringify(meta.shape)}`);
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = random();
    feeds[name] = new ort.Tensor('float32', data, dims);
  }
  return feeds;
}

/** Sorted times (ms) of `runs` runs of `feeds` after `warmup` untimed ones, and their median. */
export async function timeRuns(session, feeds, { runs = 5, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const ms = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { ms, median: median(ms) };
}

/**
 * Times `runs` runs of one window after `warmup` untimed runs, on a session made with `options`.
 * Returns { ms: [sorted run times], median, session } (the session is released unless `keep`).
 */
export async function timeWindows(ort, bytes, options, { runs = 5, warmup = 2, keep = false } = {}) {
  const session = await ort.InferenceSession.create(bytes, options);
  const { ms, median } = await timeRuns(session, randomFeeds(ort, session, 1), { runs, warmup });
  if (!keep) await session.release();
  return { ms, median, session: keep ? session : null };
}

/** [{batch, runs, run_ms_median, ms_per_window}] of `executionProviders` on the model `bytes`, one warm-up run per batch. */
export async function timeSession(ort, bytes, executionProviders, batches, runs) {
  // Severity 3: ORT's warnings (nodes placed on the CPU on purpose) would read as the page's errors.
  const session = await ort.InferenceSession.create(bytes, { executionProviders, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const results = [];
  try {
    for (const batch of batches) {
      const { median } = await timeRuns(session, randomFeeds(ort, session, batch), { runs, warmup: 1 });
      results.push({ batch, runs, run_ms_median: Number(median.toFixed(3)), ms_per_window: Number((median / batch).toFixed(3)) });
    }
  } finally {
    await session.release();
  }
  return results;
}
