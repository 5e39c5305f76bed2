"""A live ldptrain server and a headless Chromium for the end-to-end tests.

The server is the standalone app on a temporary instance: a migrated SQLite database with the
bundled courses imported and the sample organisations loaded (the same `prepare()` that
`ldptrain serve` runs), served by Werkzeug in a thread on a free 127.0.0.1 port.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from ldptrain import create_app
from ldptrain.services.setup import prepare

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, never a downloaded browser; no network beyond the live server.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@dataclass
class LiveServer:
    app: Flask
    url: str


def serve_live(folder: Path, **settings: Any) -> Iterator[LiveServer]:
    """The live server on `folder`, with `settings` over the e2e defaults."""
    app = create_app({
        "LDPTRAIN_SECRET_KEY": "e2e-secret-key-not-for-production",
        "LDPTRAIN_DATABASE_URL": f"sqlite:///{folder / 'ldptrain.sqlite3'}",
        "LDPTRAIN_IMPORT_BUNDLED": True,
        "LDPTRAIN_LOAD_SAMPLE_ORGS": True,
        "LDPTRAIN_DEFAULT_LANGUAGE": "th",
        # A sample signatory, so that a completed course gets its certificate (its page is
        # among those the accessibility checks walk).
        "LDPTRAIN_CERT_SIGNATORY_NAME": "นายทดสอบ ลงนาม",
        **settings,
    }, instance_path=folder / "instance")
    with app.app_context():
        prepare()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="ldptrain-live", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            app.extensions["ldptrain"].db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve_live(tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian package `chromium`, listed in "
                    ".ci/apt-packages-test.txt)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield found
        found.close()


def _phone(browser: Any, live_server: LiveServer, **options: Any) -> Iterator[Any]:
    """A Thai-language phone, 360 x 780 CSS pixels, talking to the live server only."""
    context = browser.new_context(
        viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True,
        device_scale_factor=2, locale="th-TH", base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    # Anything the app fails to serve (a missing font or script) fails the test; browsers ask
    # for /favicon.ico on their own, which ldptrain does not claim to have.
    broken: list[str] = []
    page.on("response", lambda r: broken.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    yield page
    context.close()
    assert not broken, f"the live server failed these requests: {broken}"


@pytest.fixture
def phone(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    yield from _phone(browser, live_server)


@pytest.fixture
def phone_without_scripts(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """The same phone with JavaScript turned off (an old handset, a data saver, a policy)."""
    yield from _phone(browser, live_server, java_script_enabled=False)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
