// The editor's live preview: after a pause in typing, POST the text (CSRF header, as every
// POST) and swap in the problems and the rendering. Without script the Preview button does it.
(function () {
  "use strict";
  var form = document.getElementById("ldp-editor-form");
  if (!form || !window.fetch) { return; }
  var text = document.getElementById("ldp-text");
  var target = document.getElementById("ldp-preview");
  var token = form.querySelector("input[name=csrf_token]").value;
  var timer = null;
  var sent = 0;

  function swap(html) {
    var box = document.createElement("div");
    box.innerHTML = html;  // the server's sanitised rendering, as on the page itself
    var body = box.querySelector("#ldp-live-body");
    var problems = box.querySelector("#ldp-live-problems");
    var old = target.querySelector(".ldp-preview-body");
    if (body && old) { old.replaceWith(body.firstElementChild || body); }
    var shown = document.querySelector(".ldp-problems");
    var fresh = problems && problems.querySelector(".ldp-problems");
    if (shown) { shown.remove(); }
    if (fresh) { form.parentNode.parentNode.insertBefore(fresh, form.parentNode); }
  }

  function refresh() {
    var mine = ++sent;
    var data = new FormData();
    data.append("path", form.dataset.path);
    data.append("text", text.value);
    fetch(form.dataset.preview, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-CSRFToken": token, "X-Requested-With": "fetch"}
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null && mine === sent) { swap(html); }  // only the latest answer counts
    }).catch(function () { /* offline: the Preview button still works */ });
  }

  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 600);
  });

  // "Line 5" in the problems list puts the cursor on that line of the text.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.ldp-line");
    if (!link) { return; }
    var line = parseInt(link.parentNode.dataset.line, 10);
    if (!line) { return; }
    event.preventDefault();
    var lines = text.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    text.focus();
    text.setSelectionRange(start, start + (lines[line - 1] || "").length);
  });
}());
