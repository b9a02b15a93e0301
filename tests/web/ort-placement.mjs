// Where ONNX Runtime Web puts each node of a model: creates a session on the WebGPU EP with
// verbose logging in a page of the built site and reads the "Node(s) placed on [EP]" lines of the
// session's log (issue 5: a WebGPU-ready graph has no node that falls back to the CPU).

/**
 * Node placements from ORT's verbose session log lines: { EP: [{ op, name }] }. When every node is
 * on one EP, ORT logs only "All nodes placed on [EP]. Number of nodes: N": that EP then gets N
 * entries of op '*' (names unknown).
 */
export function nodePlacements(lines) {
  const placed = {};
  let current = null;
  for (const line of lines) {
    const all = /All nodes placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (all) {
      placed[all[1]] = Array.from({ length: Number(all[2]) }, () => ({ op: '*', name: '' }));
      current = null;
      continue;
    }
    const head = /Node\(s\) placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (head) {
      current = head[1];
      placed[current] = [];
      continue;
    }
    const node = /VerifyEachNodeIsAssignedToAnEp\] {3}(\S+) \((.*)\)$/.exec(line);
    if (node && current) placed[current].push({ op: node[1], name: node[2] });
    else if (!/VerifyEachNodeIsAssignedToAnEp/.test(line)) current = null;
  }
  return placed;
}

/** { op: count } of a list of nodes. */
export function countOps(nodes = []) {
  const counts = {};
  for (const { op } of nodes) counts[op] = (counts[op] ?? 0) + 1;
  return counts;
}

/**
 * Creates a WebGPU session for `modelPath` (a path on the page's origin, e.g. '/model/avlens.onnx')
 * in `page` (a page of the built site, in a browser with a WebGPU adapter) and returns
 * { outputs, placed, log }.
 */
export async function webgpuPlacements(page, modelPath = '/model/avlens.onnx') {
  const log = [];
  const listener = (m) => log.push(m.text());
  page.on('console', listener);
  try {
    const outputs = await page.evaluate(async (url) => {
      const ort = await import('/vendor/ort/ort.webgpu.min.mjs');
      ort.env.wasm.wasmPaths = '/vendor/ort/';
      ort.env.logLevel = 'verbose';
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all', logSeverityLevel: 0, logVerbosityLevel: 0 });
      const names = session.outputNames;
      await session.release();
      return names;
    }, modelPath);
    return { outputs, placed: nodePlacements(log), log };
  } finally {
    page.off('console', listener);
  }
}
