/* Dashboard enhancements (the pages work without them): sort complete tables in place, and draw
   charts from the numbers already in the accessible tables, so a chart can never disagree with
   its table. */
(function () {
  "use strict";

  // Chart.js (70 KB compressed) is fetched only where charts are drawn: on a phone the tables,
  // which carry the same numbers, are the page (issue #18: the national dashboard on 400 kbit/s).
  var chartjs = document.currentScript && document.currentScript.getAttribute("data-chartjs");
  var WIDE = "(min-width: 40rem)";

  function cellValue(row, key) {
    var cell = row.querySelector('[data-key="' + key + '"]');
    if (!cell) { return null; }
    var raw = cell.getAttribute("data-value");
    if (raw === null || raw === "") { return null; }
    var n = Number(raw);
    return isNaN(n) ? raw : n;
  }

  function compare(a, b) {
    if (a === null && b === null) { return 0; }
    if (a === null) { return 1; }  // empty values last, as on the server
    if (b === null) { return -1; }
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b), document.documentElement.lang || "th");
  }

  function makeSortable(table) {
    var headers = table.querySelectorAll("thead th[data-key]");
    headers.forEach(function (th) {
      var link = th.querySelector("a");
      if (!link) { return; }
      link.addEventListener("click", function (event) {
        event.preventDefault();  // sort here; the link still works without JavaScript
        var key = th.getAttribute("data-key");
        var descending = th.getAttribute("aria-sort") === "ascending";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var c = compare(cellValue(r1, key), cellValue(r2, key));
          if (cellValue(r1, key) === null || cellValue(r2, key) === null) { return c; }
          return descending ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      });
    });
  }

  function drawChart(figure) {
    if (typeof window.Chart === "undefined") { return; }
    var table = document.getElementById(figure.getAttribute("data-chart"));
    if (!table) { return; }
    var labelKey = figure.getAttribute("data-label");
    var series = figure.getAttribute("data-series").split(" ");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows).filter(function (r) {
      return r.querySelector("[data-key]");
    });
    if (!rows.length) { return; }
    var heads = {};
    table.querySelectorAll("thead th[data-key]").forEach(function (th) {
      heads[th.getAttribute("data-key")] = { label: th.textContent.trim(), kind: th.getAttribute("data-kind") };
    });
    var palette = ["#0b5d3b", "#b8860b", "#1a73e8", "#a11d1d"];
    // Counts are whole people: ticks 0, 1, 2... never 0.1 steps.
    var counts = series.every(function (key) { return heads[key] && heads[key].kind === "int"; });
    var datasets = series.map(function (key, i) {
      var pct = heads[key] && heads[key].kind === "pct";
      return {
        label: heads[key] ? heads[key].label : key,
        data: rows.map(function (r) { var v = cellValue(r, key); return v === null ? null : (pct ? v * 100 : v); }),
        backgroundColor: palette[i % palette.length],
        borderColor: palette[i % palette.length]
      };
    });
    figure.hidden = false;
    new window.Chart(figure.querySelector("canvas"), {
      type: figure.getAttribute("data-type") || "bar",
      data: { labels: rows.map(function (r) { var cell = r.querySelector('[data-key="' + labelKey + '"]'); return cell ? cell.textContent.trim() : ""; }), datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 scales: { y: { beginAtZero: true, ticks: counts ? { precision: 0 } : {} } } }
    });
  }

  // The canvas draws text with whatever font is loaded when it draws: Chart.js's default
  // (Helvetica/Arial) has no Thai, so a machine without a Thai system font showed empty boxes.
  // Draw in the page's bundled Sarabun, once its files have arrived.
  function whenFontsReady(draw) {
    var family = getComputedStyle(document.body).fontFamily || "Sarabun, sans-serif";
    if (window.Chart) {
      window.Chart.defaults.font.family = family;
      window.Chart.defaults.color = getComputedStyle(document.body).color;
    }
    if (!document.fonts || !document.fonts.load) { draw(); return; }
    Promise.all([document.fonts.load('400 16px "Sarabun"', "ก"),
                 document.fonts.load('700 16px "Sarabun"', "ก")])
      .then(draw, draw);
  }

  function drawAll() {
    whenFontsReady(function () {
      document.querySelectorAll("figure.chart[data-chart]").forEach(drawChart);
    });
  }

  function loadCharts() {
    if (window.Chart) { drawAll(); return; }
    if (!chartjs) { return; }
    var script = document.createElement("script");
    script.src = chartjs;
    script.onload = drawAll;
    document.head.appendChild(script);
    chartjs = null;  // once
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
    if (!document.querySelector("figure.chart[data-chart]")) { return; }
    var wide = window.matchMedia ? window.matchMedia(WIDE) : { matches: true };
    if (wide.matches) { loadCharts(); return; }
    // A phone turned sideways, or a window made wider: draw them then.
    if (wide.addEventListener) {
      wide.addEventListener("change", function (e) { if (e.matches) { loadCharts(); } });
    }
  });
})();
