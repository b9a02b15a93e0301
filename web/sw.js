// Offline support: every file the page fetched from its own origin is kept in the Cache
// Storage, so once the page has run it also works without the local server or network.
// Network first (a rebuilt page is picked up at once), the cache when the server is gone.
// The page shell, its modules and the core are cached at install, less what is cached already; what
// the page has downloaded already comes back as a revalidation (304, the server's Last-Modified), not
// a second download (issue 16: the page's files and the 1.5 MB core). The
// default model is not: on a first visit the page, not yet controlled by this worker, downloads it
// itself and hands the bytes over ('keep' below), so that it is downloaded once (issue 16); later
// visits fetch it through this worker, which keeps it as any other file.
const CACHE = 'avlens-v1';
const KEPT_FROM_PAGE = /^model\/[^/]+\.onnx$/; // what the page may hand over, relative to this worker's scope
const SHELL = ['./', 'index.html', 'styles.css', 'favicon.svg', 'manifest.webmanifest', 'build-info.json'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      try {
        // The copy just cached: a second download of it would be a third one (the page's is the first).
        const info = await (await cache.match('build-info.json')).json();
        const eager = info.assets.filter((a) => a.startsWith('src/') || a.startsWith('core/'));
        const missing = [];
        for (const a of eager) if (!(await cache.match(a))) missing.push(a);
        await cache.addAll(missing);
      } catch {
        /* the runtime cache below still fills as the page runs */
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

// The page's own download of the default model on a first visit: { type: 'keep', url, bytes }.
self.addEventListener('message', (event) => {
  const msg = event.data;
  if (msg?.type !== 'keep' || !(msg.bytes instanceof ArrayBuffer) || typeof msg.url !== 'string') return;
  const url = new URL(msg.url, self.registration.scope);
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname) || !KEPT_FROM_PAGE.test(url.pathname.slice(scope.pathname.length))) return;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      if (await cache.match(url.href)) return;
      await cache.put(url.href, new Response(msg.bytes, { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(msg.bytes.byteLength) } }));
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const res = await fetch(req);
        if (res.ok && res.status === 200) cache.put(req, res.clone()).catch(() => {});
        return res;
      } catch (err) {
        const hit = await cache.match(req, { ignoreSearch: true });
        if (hit) return hit;
        throw err;
      }
    })(),
  );
});
