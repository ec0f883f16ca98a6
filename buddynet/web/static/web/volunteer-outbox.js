/* buddynet volunteer pages: the offline outbox of check-ins in IndexedDB, shared by the pages
   (volunteer.js) and the service worker (volunteer-sw.js loads it with importScripts), so both
   send it the same way: the page when it opens or the connection returns, the worker on a
   Background Sync event (Chromium), also when no page is open.

   An entry holds only what the volunteer typed (the form fields, never the CSRF token), the
   buddy's first name as shown on the form, the day, the signed-in user's id (a shared phone
   sends each entry only with its own author's session) and a client UUID, its key. It is
   deleted once the server answered it: stored (201), already stored (200: the UUID made a
   resend harmless) or refused (400/409: then kept, marked, until the volunteer deletes it). */
(function (global) {
  "use strict";
  var DB_NAME = "buddynet-volunteer", STORE = "outbox";
  var LOCK = "buddynet-outbox";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "client_uuid" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function withStore(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = fn(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function all() {
    return withStore("readonly", function (s) { return s.getAll(); }).then(function (rows) { return rows || []; });
  }
  function ofUser(userId) {
    return all().then(function (rows) { return rows.filter(function (e) { return e.user === userId; }); });
  }
  function put(entry) { return withStore("readwrite", function (s) { s.put(entry); }); }
  function remove(id) { return withStore("readwrite", function (s) { s["delete"](id); }); }

  function flatten(errors) {
    var out = [];
    Object.keys(errors || {}).forEach(function (k) { out = out.concat(errors[k]); });
    return out.join(" ");
  }

  // The server refuses an entry whose author is not the signed-in user (X-Buddynet-Author):
  // the worker cannot know who is signed in when it wakes up.
  function send(url, entry, token) {
    var body = new URLSearchParams();
    entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.set("client_uuid", entry.client_uuid);
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "Accept": "application/json", "X-CSRFToken": token, "X-Buddynet-Author": entry.user }
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { status: resp.status, data: data };
      });
    });
  }

  // One flush at a time across the pages and the worker (Web Locks where there are any; the
  // client UUID keeps a double send harmless where there are not).
  function exclusively(fn) {
    var locks = global.navigator && global.navigator.locks;
    return locks ? locks.request(LOCK, fn) : fn();
  }

  /* Send the pending entries of one user, oldest first. options: url, token (a function
     returning a promise of the CSRF token), signInAgain (text put on the entry when the
     session is gone, or null to leave it as it is). Resolves to null when every entry was
     answered, "offline" (no connection or a server error: try later) or "signed-out"
     (401/403: only a new sign-in helps). */
  function flush(userId, options) {
    return exclusively(function () {
      return Promise.all([ofUser(userId), options.token()]).then(function (got) {
        var pending = got[0].filter(function (e) { return !e.refused; }), token = got[1];
        pending.sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; });
        return pending.reduce(function (chain, e) {
          return chain.then(function (stopped) {
            if (stopped) { return stopped; }
            return send(options.url, e, token).then(function (r) {
              if (r.status >= 200 && r.status < 300) { return remove(e.client_uuid).then(function () { return null; }); }
              if (r.status === 400 || r.status === 409) {
                e.refused = true; e.error = flatten(r.data.errors) || r.data.detail || "";
                return put(e).then(function () { return null; });
              }
              if (r.status === 401 || r.status === 403 || r.status === 0) {
                if (options.signInAgain === null) { return "signed-out"; }
                e.error = options.signInAgain;
                return put(e).then(function () { return "signed-out"; });
              }
              return "offline"; // 5xx: try again later
            }, function () { return "offline"; }); // no connection: keep everything
          });
        }, Promise.resolve(null));
      });
    });
  }

  global.BuddynetOutbox = {
    SYNC_TAG: "checkins", all: all, ofUser: ofUser, put: put, remove: remove, send: send, flush: flush,
    exclusively: exclusively
  };
})(self);
