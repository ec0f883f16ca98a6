/* buddynet volunteer pages: service worker registration, the offline outbox of check-ins
   (IndexedDB, volunteer-outbox.js), and sending it: at once when the form is saved, when a
   page opens or the connection returns, and — where the browser has Background Sync
   (Chromium) — by the service worker, also after the page was closed. No framework, no build step.

   The outbox keeps only what the volunteer typed (the form fields) plus a client UUID, keyed
   by that UUID (see volunteer-outbox.js for what an entry holds and when it is deleted). */
(function () {
  "use strict";
  var app = document.getElementById("volunteer-app");
  if (!app || !window.BuddynetOutbox) { return; }
  var d = app.dataset;
  var userId = d.user;
  var Outbox = window.BuddynetOutbox;

  function uuid4() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function allEntries() { return Outbox.ofUser(userId); }
  function putEntry(e) { return Outbox.put(e); }
  function deleteEntry(id) { return Outbox.remove(id); }

  // --- sending -------------------------------------------------------------------------------
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function send(entry) { return Outbox.send(d.send, entry, csrfToken()); }

  // Ask the service worker to send the outbox when the connection is back, even if this page
  // is closed by then (Background Sync: Chromium only; elsewhere the page does it on its next
  // visit or "online" event). Never waited for: `ready` does not settle without a worker.
  function registerSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) { return reg.sync.register(Outbox.SYNC_TAG); }
    })["catch"](function () { /* not allowed or no worker: the page sends it itself */ });
  }

  var syncing = null;
  function sync() {
    if (syncing) { return syncing; }
    syncing = Outbox.flush(userId, {
      url: d.send, signInAgain: d.textSignInAgain,
      token: function () { return Promise.resolve(csrfToken()); }
    })["catch"](function () { /* storage unavailable */ }).then(function () {
      syncing = null;
      return render();
    });
    return syncing;
  }

  // --- the outbox on the page ----------------------------------------------------------------
  function render() {
    var box = document.getElementById("outbox"), list = document.getElementById("outbox-list");
    if (!box || !list) { return Promise.resolve(); }
    return allEntries().then(function (entries) {
      list.textContent = "";
      entries.sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; });
      entries.forEach(function (e) {
        var li = document.createElement("li");
        li.className = "outbox-item";
        li.setAttribute("data-uuid", e.client_uuid);
        var what = document.createElement("span");
        var f = {};
        e.fields.forEach(function (pair) { f[pair[0]] = pair[1]; });
        var minutes = f.duration_other || f.duration;
        var day = e.date;
        try { day = new Date(e.date + "T12:00:00").toLocaleDateString(document.documentElement.lang); } catch (err) { /* keep ISO */ }
        what.textContent = d.textContactWith + " " + (e.duo_label || "") + " · " + day + (minutes ? " · " + minutes + " min" : "");
        var state = document.createElement("span");
        state.className = "pending";
        state.textContent = e.refused ? d.textRefused : d.textPending;
        li.appendChild(what); li.appendChild(state);
        if (e.error) {
          var why = document.createElement("span");
          why.className = "outbox-error"; why.textContent = e.error; li.appendChild(why);
        }
        if (e.refused) {
          var del = document.createElement("button");
          del.type = "button"; del.className = "button"; del.textContent = d.textDelete;
          del.addEventListener("click", function () { deleteEntry(e.client_uuid).then(render); });
          li.appendChild(del);
        }
        list.appendChild(li);
      });
      box.hidden = entries.length === 0;
    }).catch(function () { box.hidden = true; });
  }

  // --- the check-in form ---------------------------------------------------------------------
  function clearErrors(form) {
    form.querySelectorAll(".errorlist").forEach(function (p) { p.textContent = ""; p.hidden = true; });
    var summary = document.getElementById("error-summary");
    if (summary) { summary.hidden = true; document.getElementById("error-summary-list").textContent = ""; }
  }
  function showErrors(form, errors) {
    var summary = document.getElementById("error-summary"), list = document.getElementById("error-summary-list");
    Object.keys(errors).forEach(function (name) {
      var text = errors[name].join(" ");
      var p = document.getElementById("err-" + name);
      if (p) { p.textContent = text; p.hidden = false; }
      var li = document.createElement("li");
      if (p) {
        var a = document.createElement("a"); a.href = "#field-" + name; a.textContent = text; li.appendChild(a);
      } else { li.textContent = text; }
      list.appendChild(li);
    });
    summary.hidden = false;
    summary.focus();
  }
  function status(text, warn) {
    var el = document.getElementById("form-status");
    if (!el) { return; }
    el.textContent = text; el.hidden = false; el.classList.toggle("warn", !!warn);
    el.scrollIntoView({ block: "start" });
  }

  var form = document.getElementById("check-in-form");
  if (form && form.dataset.offline) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearErrors(form);
      var fd = new FormData(form), fields = [];
      fd.forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken" && name !== "client_uuid") { fields.push([name, String(value)]); }
      });
      var chosen = form.querySelector("input[name=duo]:checked");
      var label = chosen ? form.querySelector("label[for='" + chosen.id + "']") : null;
      var entry = {
        client_uuid: uuid4(), user: userId, fields: fields, saved_at: new Date().toISOString(),
        duo_label: label ? label.textContent.trim() : "", date: fd.get("date") || ""
      };
      // Kept first, then sent: a lost answer leaves the entry for the next sync. Under the
      // outbox lock, so the worker's Background Sync does not send or mark it meanwhile.
      var kept = false;
      Outbox.exclusively(function () {
        return putEntry(entry).then(function () {
          kept = true;
          return send(entry).then(function (r) {
            var answered = (r.status >= 200 && r.status < 300) || r.status === 400 || r.status === 409;
            return answered ? deleteEntry(entry.client_uuid).then(function () { return r; }) : r;
          }, function () { return { status: -1, data: {} }; }); // no connection
        });
      }).then(function (r) {
        if (r.status >= 200 && r.status < 300) { window.location.assign(r.data.redirect); return; }
        if (r.status === 400 || r.status === 409) {
          showErrors(form, r.data.errors || {}); // refused: nothing was stored, the volunteer corrects the form
          return;
        }
        var signIn = r.status === 401 || r.status === 403 || r.status === 0;
        if (!signIn) { registerSync(); } // no connection or a server error: the worker tries again
        status(d.textSavedOffline + (signIn ? " " + d.textSignInAgain : ""), true); form.reset();
        return render();
      }, function () {
        // No IndexedDB (private mode, storage full): the plain form post, which needs a connection.
        if (!kept) { form.submit(); }
      });
    });
  }

  // --- online / offline ----------------------------------------------------------------------
  var banner = document.getElementById("offline-banner");
  function onlineState() {
    if (banner) { banner.textContent = d.textOfflineCopy; banner.hidden = navigator.onLine; }
    if (navigator.onLine) { sync(); }
  }
  window.addEventListener("online", onlineState);
  window.addEventListener("offline", onlineState);
  onlineState();
  render();
  // Entries still waiting (saved before the worker had Background Sync, or after the browser
  // gave up its retries) get a sync of their own again.
  allEntries().then(function (entries) {
    if (entries.some(function (e) { return !e.refused; })) { registerSync(); }
  })["catch"](function () {});

  // Sign-out removes the worker's copies of pages (personal data) before leaving.
  document.querySelectorAll("form[action$='/afmelden/']").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      if (!("caches" in window) || f.dataset.cleared) { return; }
      ev.preventDefault();
      caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) { return k.indexOf("bn-pages") === 0; })
          .map(function (k) { return caches["delete"](k); }));
      }).catch(function () {}).then(function () { f.dataset.cleared = "1"; f.submit(); });
    });
  });

  // --- service worker ------------------------------------------------------------------------
  if ("serviceWorker" in navigator) {
    // The worker sent (part of) the outbox in a Background Sync: show what is left.
    navigator.serviceWorker.addEventListener("message", function (ev) {
      if (ev.data && ev.data.type === "outbox") { render(); }
    });
    navigator.serviceWorker.register(d.sw, { scope: d.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      // Keep the pages a volunteer will need offline: this one, the menu, and each duo's
      // "log contact" and history (so a check-in can be logged offline without a prior visit).
      var urls = [window.location.href];
      document.querySelectorAll(".main-nav a, a[data-precache]").forEach(function (a) { urls.push(a.href); });
      if (reg.active) { reg.active.postMessage({ type: "precache", urls: urls }); }
    }).catch(function () { /* no worker: the pages still work online */ });
  }
})();
