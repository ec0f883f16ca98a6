// The live picture: forms on the map page are sent in the background and the editor and the
// picture are replaced by the server's answer, so the coordinator keeps their place while the
// participant watches the map grow. Without JavaScript the same forms post and reload the page.
(function () {
  "use strict";
  var layout = document.getElementById("map-layout");
  if (!layout || !window.fetch || !window.DOMParser) { return; }
  layout.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("delete-map")) { return; }  // leaves the page: a normal post
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) { data.append(event.submitter.name, event.submitter.value); }
    var anchor = data.get("anchor");
    // form.action would name the hidden input called "action", not the attribute.
    fetch(form.getAttribute("action") || window.location.pathname, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("map-layout");
        if (!fresh) { window.location.reload(); return; }
        layout.innerHTML = fresh.innerHTML;
        var oldMessages = document.querySelector("main .messages");
        var newMessages = doc.querySelector("main .messages");
        if (oldMessages) { oldMessages.remove(); }
        if (newMessages) { document.getElementById("main").prepend(newMessages); }
        var title = doc.querySelector("h2#people-title");
        var target = document.querySelector(".error-summary, .errorlist") || (anchor && document.getElementById(anchor));
        if (target && target.id === "add") { target = document.getElementById("id_new-label"); }
        if (target) {
          if (!target.matches("input, select, textarea, summary, a, button")) { target.setAttribute("tabindex", "-1"); }
          target.focus();
        } else if (title) { document.getElementById("people-title").focus(); }
      })
      .catch(function () { form.submit(); });
  });
})();
