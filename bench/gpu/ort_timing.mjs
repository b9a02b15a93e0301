// The timing loop of bench/gpu/ort_bench.mjs, shared by Node and the page (which imports this
// file from the project's server): no imports, no Node APIs.

/** [{batch, runs, run_ms_median, ms_per_window}] of `executionProviders` on the model `bytes`. */
export async function timeSession(ort, bytes, executionProviders, batches, runs) {
  const session = await ort.InferenceSession.create(bytes, { executionProviders, graphOptimizationLevel: 'all' });
  const results = [];
  try {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed / 2 ** 32) * 2 - 1;
    };
    for (const batch of batches) {
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
      await session.run(feeds);  // warm-up, not counted
      const times = [];
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        await session.run(feeds);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      results.push({ batch, runs, run_ms_median: Number(median.toFixed(3)), ms_per_window: Number((median / batch).toFixed(3)) });
    }
  } finally {
    await session.release();
  }
  return results;
}

