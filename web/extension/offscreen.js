// The offscreen document only hosts the analysis worker: it talks to the tabs' bridges itself
// over BroadcastChannel (same extension origin), so nothing passes through this page.
const worker = new Worker(new URL('analysis-worker.js', import.meta.url), { type: 'module', name: 'avlens-analysis' });
worker.addEventListener('error', (e) => console.error(`avlens analysis worker: ${e.message}`));
