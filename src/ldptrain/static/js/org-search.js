// Type-ahead for choosing an organisation. Without JavaScript the "Search" button reloads the
// page with matches; with it, matches appear as you type (same radio buttons, same form).
(function () {
  "use strict";
  function setup(box) {
    var input = box.querySelector("[data-org-q]");
    var results = box.querySelector("[data-org-results]");
    var url = box.getAttribute("data-search-url");
    if (!input || !results || !url) { return; }
    var timer = null;
    var lastQuery = null;
    var controller = null;

    function choice(org) {
      var label = document.createElement("label");
      label.className = "org-choice";
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "organisation_id";
      radio.value = String(org.id);
      var text = document.createElement("span");
      text.textContent = org.label;
      label.appendChild(radio);
      label.appendChild(text);
      return label;
    }

    function render(list, query) {
      // Keep the person's current pick at the top; replace everything else.
      var checked = results.querySelector("input[name=organisation_id]:checked");
      var keep = checked ? checked.closest("label") : null;
      while (results.firstChild) { results.removeChild(results.firstChild); }
      if (keep) { results.appendChild(keep); }
      list.forEach(function (org) {
        if (keep && String(org.id) === checked.value) { return; }
        results.appendChild(choice(org));
      });
      if (!list.length && query.length >= 2) {
        var empty = document.createElement("p");
        empty.className = "hint";
        empty.textContent = box.getAttribute("data-empty-text") || "—";
        results.appendChild(empty);
      }
    }

    function search() {
      var query = input.value.trim();
      if (query === lastQuery) { return; }
      lastQuery = query;
      if (query.length < 2) { return; }
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { "Accept": "application/json" }, credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { render(data.results || [], query); })
        .catch(function () { /* offline or aborted: the Search button still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    input.addEventListener("keydown", function (event) {
      // Enter searches instead of submitting the whole form.
      if (event.key === "Enter") { event.preventDefault(); clearTimeout(timer); lastQuery = null; search(); }
    });
  }
  document.querySelectorAll("[data-org-search]").forEach(setup);
})();
