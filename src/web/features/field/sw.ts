// Service worker of the field app (scope /field/): the shell opens with no network; the API is never cached.
// The project compiles with the DOM library, so the few worker types used here are declared locally.
type ExtendableEvent = Event & { waitUntil(p: Promise<unknown>): void };
type FetchEvent = ExtendableEvent & { request: Request; respondWith(r: Promise<Response> | Response): void };
const sw = self as unknown as {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (e: FetchEvent) => void): void;
};

const CACHE = 'centinela-field-v1';
const SHELL = '/field/';

/** The shell page plus every script and stylesheet it links, so a cold start works offline. */
async function precache() {
  const cache = await caches.open(CACHE);
  const res = await fetch(SHELL, { cache: 'no-store' });
  const html = await res.clone().text();
  await cache.put(SHELL, res);
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  await cache.addAll(['/field/manifest.webmanifest', '/field/icon.svg', '/field/icon-192.png', '/field/apple-touch-icon.png', ...assets]);
}

sw.addEventListener('install', (e) => {
  e.waitUntil(precache().then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== sw.location.origin || url.pathname.startsWith('/api/')) return;
  if (e.request.mode === 'navigate') {
    // Network first for the page (a new release), the cached shell when there is no signal.
    e.respondWith(fetch(e.request).catch(async () => (await caches.match(SHELL)) ?? Response.error()));
    return;
  }
  // Hashed assets and the department map never change under one name: cache first, fill on the way.
  e.respondWith(
    caches.match(e.request).then(
      (hit) =>
        hit ??
        fetch(e.request).then(async (res) => {
          if (res.ok && url.pathname.startsWith('/assets/')) await (await caches.open(CACHE)).put(e.request, res.clone());
          return res;
        }),
    ),
  );
});
