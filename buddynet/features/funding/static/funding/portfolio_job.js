// Follows a portfolio report being made: polls its progress, updates the bar and the polite live
// region, and reloads the page when it is finished (without JavaScript the page refreshes itself).
(function () {
  "use strict";
  var section = document.getElementById("job");
  var bar = document.getElementById("job-bar");
  if (!section || !bar) { return; }
  var fill = bar.querySelector("span");
  var text = document.getElementById("job-text");
  var url = section.getAttribute("data-progress-url");
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        bar.setAttribute("aria-valuenow", job.progress);
        bar.setAttribute("aria-valuetext", job.progress + "%");
        if (fill) { fill.style.width = job.progress + "%"; }
        // Only a changed sentence is announced: the live region is not rewritten every second.
        if (text && text.textContent !== job.text) { text.textContent = job.text; }
        if (job.finished) { window.location.reload(); }
        else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
