// The timing loop of bench/ort_gap.mjs, run the same way in Node (onnxruntime-node) and in the
// page (onnxruntime-web, imported from the project's server): no imports, no Node APIs.

/**
 * Times `runs` runs of one window (batch 1, the model's declared input shapes, fixed pseudo-random
 * values in [-1, 1)) after `warmup` untimed runs, on a session made with `options`.
 * Returns { ms: [sorted run times], median, session } (the session is released unless `keep`).
 */
export async function timeWindows(ort, bytes, options, { runs = 5, warmup = 2, keep = false } = {}) {
  const session = await ort.InferenceSession.create(bytes, options);
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed / 2 ** 32) * 2 - 1;
  };
  const feeds = {};
  for (const name of session.inputNames) {
    const meta = (session.inputMetadata ?? []).find((m) => m.name === name);
    const dims = meta.shape.map((d, i) => (i === 0 ? 1 : d));
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = random();
    feeds[name] = new ort.Tensor('float32', data, dims);
  }
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const ms = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  if (!keep) await session.release();
  return { ms, median: ms[Math.floor(ms.length / 2)], session: keep ? session : null };
}
