// Linkshelf's service worker: the shop opens with no network after one visit.
// Written into the site by `linkshelf bake` from this template (src/build/offline.rs,
// which explains each decision; full-line comments are left out of the written file).
// Never on the first paint's path: the page registers it once the app has started.
'use strict';

const VERSION = '__VERSION__';
const BASE = '__BASE__';
// Precached at install, all or nothing: the hashed JS, WASM and CSS, the home page,
// the cart, the offline page and the avatar; then (skipped with Save-Data) the first
// product pages with their cart parts, bounded at build time.
const CORE = __CORE__;
const MORE = __MORE__;
// The offline page in the language of the copy a path is in (each other language's
// copy is a folder under BASE: `es/`), the default's at BASE.
const FOLDERS = __FOLDERS__;
const offlineFor = (url) =>
  BASE + (FOLDERS.find((folder) => url.pathname.startsWith(BASE + folder)) || '') + 'offline.html';
// One cache per build, so a page and the files it names always come from the same
// build; images seen are kept across builds (a shop's pictures rarely change).
const PREFIX = 'linkshelf ' + BASE + ' ';
const PAGES = PREFIX + VERSION;
const MEDIA = PREFIX + 'media';
const MEDIA_MAX = 200;
// How long a page waits for the network before a saved copy is shown.
const TIMEOUT_MS = 3000;
const HASHED = /-[0-9a-f]{16}(?:_bg)?\.(?:js|wasm|css)$/;
const IMAGE = /\.(?:png|jpe?g|gif|webp|avif|svg|ico)$/i;

// Saved copies are keyed by path alone: a landing URL's query (campaign tags, click
// ids, a code) is the shopper's, and never goes into the cache.
const keyOf = (url) => url.origin + url.pathname;
// This site's own files: same origin, under its base path.
const ours = (url) => url.origin === self.location.origin && url.pathname.startsWith(BASE);

// Revalidated with the host (a 304 costs no body), so no older copy comes from the
// browser's HTTP cache. A navigation keeps its own redirect handling (a redirected
// answer must not be given to a page load).
const revalidated = (url, redirect = 'follow') =>
  new Request(url, { cache: 'no-cache', credentials: 'same-origin', redirect: redirect });

self.addEventListener('install', (event) => {
  // Events (POSTs: fetch and sendBeacon) go from the page straight to the network,
  // without even a fetch event here (the Static Routing API, Chromium 123+): a page's
  // leave-time beacon must not wait on a worker busy saving the shop. Measured under
  // load: 1 in 15 beacons of a leaving page was lost with the worker in the path,
  // none in 30 without it, none in 30 with this route. Where the API is missing, the
  // fetch handler below lets them pass.
  if (event.addRoutes) event.addRoutes([{ condition: { requestMethod: 'POST' }, source: 'network' }]).catch(() => undefined);
  event.waitUntil(install());
});

async function install() {
  const saveData = self.navigator.connection && self.navigator.connection.saveData;
  const cache = await caches.open(PAGES);
  // Hashed files are the same whatever their age; the rest is revalidated.
  const urls = saveData ? CORE : CORE.concat(MORE);
  await cache.addAll(urls.map((u) => (HASHED.test(u) ? u : revalidated(u))));
  // Never a reason to fail the install: what follows only adds.
  await keepWhatWasSeen(cache).catch(() => undefined);
  await self.skipWaiting();
}

async function keepWhatWasSeen(cache) {
  // The pages open now, whatever they are: the first visit landed before this worker
  // existed, maybe on a page the lists above leave out (an affiliate's).
  const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const pages = [...new Set(open.map((c) => new URL(c.url)).filter(ours).map(keyOf))];
  await Promise.all(pages.map((key) => fetch(revalidated(key)).then((r) => keepable(r) && put(PAGES, key, r), () => undefined)));
  // Pictures those pages (and the home page) showed before this worker existed: copied
  // from the browser's HTTP cache, never downloaded (a picture not seen stays out).
  const seen = new Set();
  for (const key of new Set([keyOf(new URL(BASE, self.location.href))].concat(pages))) {
    const page = await cache.match(key);
    const html = page ? await page.text() : '';
    for (const [, src] of html.matchAll(/<img\b[^>]*?\bsrc="([^"]+)"/g)) {
      const url = new URL(src.replace(/&amp;/g, '&'), self.location.href);
      if (ours(url)) seen.add(keyOf(url));
    }
  }
  await Promise.all(
    [...seen].map((key) =>
      fetch(new Request(key, { cache: 'only-if-cached', mode: 'same-origin' })).then(
        (r) => keepable(r) && put(MEDIA, key, r),
        () => undefined,
      ),
    ),
  );
}

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== PAGES && n !== MEDIA).map((n) => caches.delete(n))),
      )
      .then(() => self.clients.claim()),
  );
});

// Only whole, fresh answers of this site are kept.
const keepable = (response) => response.ok && response.type === 'basic' && !response.redirected && response.status === 200;

// A copy without the URL it came from (which may carry the shopper's query).
async function put(cacheName, key, response) {
  const clean = new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers: response.headers });
  const cache = await caches.open(cacheName);
  await cache.put(key, clean);
  if (cacheName === MEDIA) {
    const keys = await cache.keys();
    await Promise.all(keys.slice(0, Math.max(0, keys.length - MEDIA_MAX)).map((k) => cache.delete(k)));
  }
}

async function saved(key) {
  const cache = await caches.open(PAGES);
  const hit = await cache.match(key);
  if (hit || !/\/[^/.]+$/.test(key)) return hit;
  // `/p/mug` is `/p/mug/`, as the host redirects it.
  return cache.match(key + '/');
}

// Pages and the site's data: the network first, so a new deploy shows at once; a
// saved copy when the network fails or is slower than TIMEOUT_MS; then, for a page
// opened in the address bar or by a link, the offline page.
function networkFirst(event, url) {
  const request = event.request;
  const key = keyOf(url);
  const network = fetch(revalidated(request.url, request.mode === 'navigate' ? 'manual' : request.redirect));
  event.waitUntil(network.then((r) => (keepable(r) ? put(PAGES, key, r.clone()) : undefined)).catch(() => undefined));
  return (async () => {
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, TIMEOUT_MS, null)));
    try {
      const first = await Promise.race([network, late]);
      // A host that fails (5xx) is no better than none.
      if (first && first.status < 500) return first;
      return (await saved(key)) || first || (await network);
    } catch (error) {
      const copy = await saved(key);
      if (copy) return copy;
      if (request.mode === 'navigate') {
        const offline = await caches.match(offlineFor(url), { cacheName: PAGES });
        if (offline) return offline;
      }
      return Response.error();
    } finally {
      clearTimeout(timer);
    }
  })();
}

// Trunk's hashed files never change under their name: the saved copy first.
async function cacheFirst(event, url) {
  const hit = await caches.match(keyOf(url), { cacheName: PAGES });
  if (hit) return hit;
  const response = await fetch(event.request);
  if (keepable(response)) event.waitUntil(put(PAGES, keyOf(url), response.clone()));
  return response;
}

// Pictures: the saved copy at once (the page paints sooner) while a fresh one is
// fetched for next time; fetched and kept when not seen before.
async function staleWhileRevalidate(event, url) {
  const key = keyOf(url);
  const hit = await caches.match(key);
  const network = fetch(event.request).then((response) => {
    if (keepable(response)) event.waitUntil(put(MEDIA, key, response.clone()));
    return response;
  });
  if (!hit) return network;
  event.waitUntil(network.catch(() => undefined));
  return hit;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // Events (POSTs and beacons) and everything of other sites go straight to the
  // network: the page's own outbox is the only sender of an event, so none is sent
  // twice or kept here.
  if (request.method !== 'GET' || request.headers.has('range')) return;
  const url = new URL(request.url);
  if (!ours(url)) return;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  if (HASHED.test(url.pathname)) return event.respondWith(cacheFirst(event, url));
  if (request.destination === 'image' || IMAGE.test(url.pathname)) return event.respondWith(staleWhileRevalidate(event, url));
  event.respondWith(networkFirst(event, url));
});
