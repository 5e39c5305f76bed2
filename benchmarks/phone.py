"""Benchmark: page weight and first paint on a slow phone, in Debian's Chromium.

A 360 x 780 phone profile, throttled as in issue #18: 400 kbit/s down and up, 400 ms latency, a
4x slower CPU (Chrome DevTools Protocol: Network.emulateNetworkConditions and
Emulation.setCPUThrottlingRate). The live server is the standalone app with the bundled courses,
Werkzeug in a thread on 127.0.0.1 (as the e2e tests run it).

For each page: cold (empty cache) and warm (the same page again, by a link, as a reader moves
on) bytes transferred, from the browser's own Resource Timing (`transferSize`, compressed bytes
plus headers), how many static files went to the network on the warm view, and when text was
first painted in Sarabun (the later of first contentful paint and the last font's arrival, from
navigation start; `font-display: swap` draws the text as soon as the font is there).

    .venv/bin/python benchmarks/phone.py [--quick]

Goals (#18): cold module page < 60 KB, text in Sarabun < 2 s, warm views with no static round
trip, national dashboard < 150 KB cold. `--quick` measures the module page and the dashboard only.
Last line: RESULT phone: module_cold_kb=... module_paint_s=... dashboard_cold_kb=...
warm_static_requests=... goals=met|missed
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EMAIL, PASSWORD = "phone-bench@example.org", "benchmark password 1"
KBIT = 1000 / 8  # bytes per second in one kbit/s
GOALS = {"module_cold_kb": 60, "module_paint_s": 2.0, "dashboard_cold_kb": 150,
         "warm_static_requests": 0}

MEASURE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const fonts = resources.filter(r => r.name.includes('/fonts/')).map(r => r.responseEnd);
  return {html: nav.transferSize, resources: resources.map(r => [r.name, r.transferSize]),
          fcp: paint ? paint.startTime : null, fonts: fonts.length ? Math.max(...fonts) : null,
          checked: document.fonts.check('16px Sarabun')};
}"""


def _server(folder: Path) -> tuple[Any, Any, str]:
    from ldptrain import create_app
    from ldptrain.db import get_session, utcnow
    from ldptrain.models import Course, Enrolment, EnrolmentStatus, Role
    from ldptrain.services import accounts
    from ldptrain.services.setup import prepare

    app = create_app({"LDPTRAIN_SECRET_KEY": "phone-bench-secret-not-for-production",
                      "LDPTRAIN_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
                      "LDPTRAIN_IMPORT_BUNDLED": True, "LDPTRAIN_LOAD_SAMPLE_ORGS": True,
                      "LDPTRAIN_DEFAULT_LANGUAGE": "th"}, instance_path=folder / "instance")
    with app.app_context():
        prepare()
        session = get_session()
        user = accounts.create_user(email=EMAIL, password=PASSWORD, name_th="ผู้ทดสอบ โทรศัพท์",
                                    roles=(Role.ADMIN, Role.TRAINER, Role.TRAINEE))
        session.flush()
        course = session.query(Course).filter_by(slug="ldp-sfci").one()
        session.add(Enrolment(user_id=user.id, course_id=course.id,
                              status=EnrolmentStatus.ACTIVE, enrolled_at=utcnow()))
        session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, f"http://127.0.0.1:{server.server_port}"


def _throttled(browser: Any, url: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2, locale="th-TH",
                                  base_url=url)
    context.set_default_timeout(120_000)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 400, "downloadThroughput": 400 * KBIT,
        "uploadThroughput": 400 * KBIT})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    return context, page


def _sign_in(page: Any) -> None:
    page.goto("/login")
    page.fill('input[name="email"]', EMAIL)
    page.fill('input[name="password"]', PASSWORD)
    page.click('main form button[type="submit"]')
    page.wait_for_load_state("load")


def _measure(page: Any, path: str) -> dict[str, Any]:
    # Network idle: the fonts (requested once text is laid out) and anything loaded after.
    page.goto(path, wait_until="networkidle")
    found = page.evaluate(MEASURE)
    assert found["checked"], f"{path}: Sarabun is not in use"
    total = found["html"] + sum(size for _, size in found["resources"])
    static = [name for name, size in found["resources"] if "/static/" in name and size > 0]
    paint = max(found["fcp"] or 0, found["fonts"] or 0) / 1000
    return {"kb": total / 1000, "paint_s": paint, "static_fetched": static,
            "html_kb": found["html"] / 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="module page and dashboard only")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    pages = [("module", "/courses/ldp-sfci/m/legal-basis"), ("dashboard", "/dashboard/")]
    if not options.quick:
        pages = [("catalogue", "/"), ("course", "/courses/ldp-sfci/"), *pages,
                 ("my learning", "/me")]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        app, server, url = _server(Path(tmp))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # Signed in once, unthrottled, in a profile of its own: its cache stays out of it.
            signer = browser.new_context(base_url=url)
            _sign_in(signer.new_page())
            cookies = signer.cookies()
            signer.close()
            for name, path in pages:
                # Cold: a fresh profile (empty cache) per page, with the sign-in cookies.
                cold_context, cold = _throttled(browser, url)
                cold_context.add_cookies(cookies)
                first = _measure(cold, path)
                # Warm: the same profile moves to the page again (its files are in the cache).
                warm = _measure(cold, path)
                cold_context.close()
                results[name] = {"cold": first, "warm": warm}
                print(f"{name:12} cold {first['kb']:7.1f} KB (HTML {first['html_kb']:.1f} KB)"
                      f"  text in Sarabun {first['paint_s']:.2f} s  |  warm {warm['kb']:6.1f} KB,"
                      f" static fetched {len(warm['static_fetched'])}"
                      f"{' ' + str(warm['static_fetched']) if warm['static_fetched'] else ''}")
        finally:
            browser.close()
            server.shutdown()
            with app.app_context():
                app.extensions["ldptrain"].db.engine.dispose()
    figures = {
        "module_cold_kb": round(results["module"]["cold"]["kb"], 1),
        "module_paint_s": round(results["module"]["cold"]["paint_s"], 2),
        "dashboard_cold_kb": round(results["dashboard"]["cold"]["kb"], 1),
        "warm_static_requests": sum(len(r["warm"]["static_fetched"]) for r in results.values()),
    }
    met = all(figures[k] <= goal for k, goal in GOALS.items())
    for key, goal in GOALS.items():
        verdict = "ok" if figures[key] <= goal else "MISSED"
        print(f"  {key}: {figures[key]} (goal <= {goal}) {verdict}")
    print("RESULT phone: " + " ".join(f"{k}={v}" for k, v in figures.items())
          + f" goals={'met' if met else 'missed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
