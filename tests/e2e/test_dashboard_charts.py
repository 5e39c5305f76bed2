"""Dashboard charts as DLA staff see them at 1280 px: Thai labels and legends drawn in the bundled
Sarabun (Chart.js's own default, Helvetica/Arial, has no Thai: a machine without a Thai system
font drew empty boxes), and count axes in whole numbers (no 0.1 steps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import LiveServer
from .test_staff_pages import _sign_in_admin

pytestmark = pytest.mark.browser

CHARTS = """() => [...document.querySelectorAll('figure.chart canvas')].map(canvas => {
  const chart = Chart.getChart(canvas);
  if (!chart) return null;
  const y = chart.scales.y;
  return {id: canvas.closest('figure').dataset.chart,
          font: Chart.defaults.font.family,
          tickFont: y.options.ticks.font?.family || Chart.defaults.font.family,
          legendFont: chart.legend.options.labels.font?.family || Chart.defaults.font.family,
          labels: chart.data.labels.slice(0, 3),
          ticks: y.ticks.map(t => t.value)};
})"""


def test_charts_draw_thai_in_sarabun_with_whole_number_counts(
        browser: Any, live_server: LiveServer, artifacts: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH",
                                  base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        _sign_in_admin(page, live_server, "charts-admin@dla.example")
        page.goto("/dashboard/")
        page.wait_for_function("() => document.querySelector('figure.chart:not([hidden])')"
                               " && Chart.getChart(document.querySelector('figure.chart canvas'))")
        charts = [c for c in page.evaluate(CHARTS) if c]
        assert charts, "no chart was drawn"
        # Every chart drew after Sarabun had loaded, in Sarabun.
        assert page.evaluate("document.fonts.check('16px Sarabun', 'ก')")
        for chart in charts:
            for what in ("font", "tickFont", "legendFont"):
                assert "Sarabun" in chart[what], (chart["id"], what, chart[what])
        by_id = {c["id"]: c for c in charts}
        provinces = by_id["tbl-provinces"]
        assert any("\u0e00" <= ch <= "\u0e7f" for label in provinces["labels"] for ch in label)
        # Trainee counts: whole-number ticks even when every count is 0 (Chart.js made 0.1 steps).
        assert provinces["ticks"] and all(float(t).is_integer() for t in provinces["ticks"]), \
            provinces["ticks"]
        page.locator('figure[data-chart="tbl-provinces"]').screenshot(
            path=str(artifacts / "e2e-dashboard-chart-font.png"))
    finally:
        context.close()
