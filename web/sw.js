// Offline support: every file the page fetched from its own origin is kept in the Cache
// Storage, so once the page has run it also works without the local server or network.
// Network first (a rebuilt page is picked up at once), the cache when the server is gone.
// The page shell, the core and the default model are cached at install.
const CACHE = 'avlens-v1';
const SHELL = ['./', 'index.html', 'styles.css', 'favicon.svg', 'manifest.webmanifest', 'build-info.json'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      try {
        const info = await (await fetch('build-info.json', { cache: 'no-store' })).json();
        const eager = info.assets.filter((a) => a.startsWith('src/') || a.startsWith('core/') || a.startsWith('model/'));
        await cache.addAll(eager);
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
