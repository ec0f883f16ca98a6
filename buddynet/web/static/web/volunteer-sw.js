/* buddynet service worker for the volunteer pages (served at /mijn/sw.js, scope /mijn/).
   Static files: cache first. Volunteer pages: network first; a copy of each page fetched is
   kept in this worker's own cache so it opens offline. The pages themselves answer
   Cache-Control: no-store, so no HTTP cache keeps them; this copy is deleted on sign-out,
   when the server answers with the sign-in page, and after __MAX_AGE_DAYS__ days.
   Background Sync (Chromium): a check-in saved offline registers the sync tag "checkins"; the
   browser wakes this worker when the connection is back, also if no page is open, and the
   worker sends the outbox (volunteer-outbox.js, the same code as the pages). */
"use strict";
importScripts(__OUTBOX__);
var PRECACHE = __PRECACHE__;
var SCOPE = __SCOPE__;
var LOGIN = __LOGIN__;
var SEND = __SEND__;
var CSRF_COOKIE = __CSRF_COOKIE__;
var MAX_AGE_MS = __MAX_AGE_DAYS__ * 24 * 3600 * 1000;
var STATIC_CACHE = "bn-static-v1";
var PAGES_CACHE = "bn-pages-v1";
var NEVER = ["link/", "sw.js", "manifest.webmanifest"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE).then(function (c) { return c.addAll(PRECACHE); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== STATIC_CACHE && k !== PAGES_CACHE; })
      .map(function (k) { return caches["delete"](k); }));
  }).then(function () { return self.clients.claim(); }));
});

function isPage(url) {
  if (url.origin !== self.location.origin || url.pathname.indexOf(SCOPE) !== 0) { return false; }
  var rest = url.pathname.slice(SCOPE.length);
  return !NEVER.some(function (n) { return rest.indexOf(n) === 0; });
}

function signedOut(response) {
  return response.redirected && new URL(response.url).pathname.indexOf(LOGIN) === 0;
}

function keep(request, response) {
  // A copy stamped with the time it was fetched, so old copies can be dropped.
  return response.clone().blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set("X-Buddynet-Cached-At", String(Date.now()));
    return caches.open(PAGES_CACHE).then(function (c) {
      return c.put(request, new Response(body, { status: response.status, statusText: response.statusText, headers: headers }));
    });
  });
}

function fetchPage(request) {
  return fetch(request).then(function (response) {
    if (signedOut(response)) {
      return caches["delete"](PAGES_CACHE).then(function () { return response; });
    }
    if (response.ok && response.type === "basic") {
      return keep(request.url, response).then(function () { return response; }, function () { return response; });
    }
    return response;
  });
}

function fromCache(request) {
  return caches.open(PAGES_CACHE).then(function (c) {
    return c.match(request, { ignoreVary: true });
  }).then(function (hit) {
    var at = hit && Number(hit.headers.get("X-Buddynet-Cached-At"));
    if (hit && Date.now() - at < MAX_AGE_MS) { return hit; }
    return caches.match(PRECACHE[PRECACHE.length - 1]).then(function (offline) { return offline || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; } // the outbox posts straight to the network
  var url = new URL(request.url);
  if (url.origin === self.location.origin && PRECACHE.indexOf(url.pathname) !== -1 && url.pathname.indexOf(SCOPE) !== 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (request.mode === "navigate" && isPage(url)) {
    event.respondWith(fetchPage(request).catch(function () { return fromCache(request.url); }));
  }
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "clear") {
    event.waitUntil(caches["delete"](PAGES_CACHE));
  } else if (data.type === "precache" && Array.isArray(data.urls)) {
    event.waitUntil(Promise.all(data.urls.map(function (u) {
      var url = new URL(u, self.location.href);
      if (!isPage(url)) { return null; }
      return fetchPage(new Request(url.href, { credentials: "same-origin" })).catch(function () { return null; });
    })));
  }
});

// --- Background Sync of the outbox ---------------------------------------------------------
// The CSRF token is read where the page reads it, from the CSRF cookie (the Cookie Store API
// is the worker's only way to it; every browser with Background Sync has it). Nothing is
// stored with the entries: a token kept in IndexedDB would outlive the rotation at sign-in.
function csrfToken() {
  if (!self.cookieStore) { return Promise.resolve(""); }
  return self.cookieStore.get(CSRF_COOKIE).then(function (c) { return c ? c.value : ""; }, function () { return ""; });
}

function tellPages() {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (p) { p.postMessage({ type: "outbox" }); });
  });
}

// Each author's entries with their own X-Buddynet-Author, so the server refuses (403, entry
// kept) those of a volunteer who is not the one signed in now. Rejects while something is
// left that a later try may send: the browser then retries the sync with a back-off.
function flushOutbox() {
  return BuddynetOutbox.all().then(function (entries) {
    var users = [];
    entries.forEach(function (e) { if (!e.refused && users.indexOf(e.user) === -1) { users.push(e.user); } });
    return users.reduce(function (chain, user) {
      return chain.then(function (again) {
        return BuddynetOutbox.flush(user, { url: SEND, token: csrfToken, signInAgain: null }).then(function (stopped) {
          return again || stopped === "offline";
        });
      });
    }, Promise.resolve(false));
  }).then(function (again) {
    return tellPages().catch(function () {}).then(function () {
      if (again) { throw new Error("outbox not sent yet"); }
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === BuddynetOutbox.SYNC_TAG) { event.waitUntil(flushOutbox()); }
});
