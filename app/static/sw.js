// Huike's service worker: precaches every asset of the build so the app loads offline, and
// serves the app shell for every navigation. The build (cargo xtask) replaces the two tokens
// below with the asset list and a hash of the assets, so each build is a new worker that the
// app offers as "new version available".
const VERSION = "__HUIKE_VERSION__";
const PRECACHE = "__HUIKE_PRECACHE__";
const CACHE = "huike-" + VERSION;
const ASSETS = Array.isArray(PRECACHE) ? PRECACHE : [];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("huike-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skipWaiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // The sync API lives on another origin and is never cached.
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/config.json") {
    // Network first: the deployment may point at another sync server.
    event.respondWith(
      fetch(request)
        .then((response) => {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
          return response;
        })
        .catch(() => caches.match(request))
    );
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(caches.match("/index.html").then((hit) => hit || fetch(request)));
    return;
  }
  event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
});
