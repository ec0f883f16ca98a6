// Follows a queued or running match run: polls its status and reloads the page when done.
(function () {
  "use strict";
  var bar = document.getElementById("run-progress");
  if (!bar) { return; }
  var stage = document.getElementById("run-stage");
  var url = bar.getAttribute("data-status-url");
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (run) {
        bar.value = run.progress;
        bar.textContent = run.progress + "%";
        if (stage) { stage.textContent = run.progress + "%"; }
        if (run.status === "done" || run.status === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
