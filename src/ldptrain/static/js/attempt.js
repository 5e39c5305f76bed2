// Attempt page: autosave every change, show the time left, submit once.
// Without JavaScript the form's own "save" and "submit" buttons do the same on the server.
(function () {
  "use strict";
  var form = document.getElementById("ldp-attempt");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-autosave");
  var status = document.getElementById("ldp-save-status");
  var token = form.querySelector("input[name=csrf_token]").value;
  var timer = null;
  var sending = false;
  var again = false;
  var submitted = false;

  function say(text) { if (status) { status.textContent = text; } }

  function save() {
    if (sending) { again = true; return; }
    sending = true;
    var body = new FormData(form);
    body.delete("action");
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "X-CSRFToken": token, "Accept": "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return { message: form.getAttribute("data-offline") }; });
      })
      .then(function (data) { say(data.message || ""); })
      .catch(function () { say(form.getAttribute("data-offline") || ""); })
      .then(function () {
        sending = false;
        if (again) { again = false; save(); }
      });
  }

  function later() {
    // Typing in a short answer saves after a pause; ticking a box saves at once.
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  }

  form.addEventListener("change", save);
  form.addEventListener("input", function (e) {
    if (e.target && e.target.type === "text") { later(); }
  });
  form.addEventListener("submit", function (e) {
    // One submit per page: a double tap must not send the form twice (the server also refuses).
    if (submitted) { e.preventDefault(); return; }
    submitted = true;
    var buttons = form.querySelectorAll("button[type=submit]");
    setTimeout(function () {
      for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    }, 0);
  });

  var clock = document.getElementById("ldp-time-left");
  if (clock) {
    var left = parseInt(clock.getAttribute("data-seconds"), 10);
    var end = Date.now() + left * 1000;
    var tick = setInterval(function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      var m = Math.floor(s / 60), r = s % 60;
      clock.textContent = m + ":" + (r < 10 ? "0" : "") + r;
      if (s <= 0) {
        clearInterval(tick);
        // The server scores the attempt as at the deadline with what was saved.
        if (!submitted) {
          submitted = true;
          var input = document.createElement("input");
          // No question about blank answers: the time is up.
          input.type = "hidden"; input.name = "action"; input.value = "submit-anyway";
          form.appendChild(input);
          form.submit();
        }
      }
    }, 1000);
  }
}());
