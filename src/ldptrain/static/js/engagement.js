// Module page: tell the server, about once a minute, that the page is being read. Only while the
// page is visible; when it comes back from hidden, say so, and the server restarts its clock
// without counting the time away. Without JavaScript the page views alone measure the time.
(function () {
  "use strict";
  var form = document.getElementById("ldp-beat");
  if (!form || !window.fetch || !window.FormData || !("visibilityState" in document)) { return; }
  var url = form.getAttribute("action");
  var token = form.querySelector("input[name=csrf_token]").value;
  // LDPTRAIN_HEARTBEAT_SECONDS (a minute unless configured otherwise)
  var EVERY = parseInt(form.getAttribute("data-every"), 10) || 60000;
  var timer = null;

  function send(resume, leaving) {
    var body = new FormData();
    if (resume) { body.append("resume", "1"); }
    fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: !!leaving,
                 headers: { "X-CSRFToken": token } }).catch(function () {});
  }

  function start() {
    if (timer === null) { timer = setInterval(function () { send(false, false); }, EVERY); }
  }

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      send(true, false);
      start();
    } else {
      send(false, true); // count the reading up to now, then nothing while hidden
      stop();
    }
  });
  if (document.visibilityState === "visible") { start(); }
}());
