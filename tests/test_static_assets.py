"""Light pages on slow networks: static files under content-hashed URLs cached for a year (no
revalidation round trips on a warm visit), compressed text, small Thai + Latin WOFF2 fonts, a
favicon; a host's own responses left alone when ldptrain is mounted."""

from __future__ import annotations

import gzip
import io
import re
import subprocess
import sys
from pathlib import Path

import brotli
from flask import Flask
from fontTools.ttLib import TTFont

from ldptrain.resources import STATIC

ROOT = Path(__file__).resolve().parents[1]
STATIC_URL = re.compile(r'(?:href|src)="([^"]*/static/[^"]+)"')


def _static_urls(html: str) -> list[str]:
    return [u.replace("&amp;", "&") for u in STATIC_URL.findall(html)]


def test_static_files_have_content_hashed_urls_cached_for_a_year(any_app: Flask) -> None:
    prefix = any_app.extensions["ldptrain"].url_prefix
    client = any_app.test_client()
    urls = _static_urls(client.get(f"{prefix}/").get_data(as_text=True))
    assert any("ldptrain.css" in u for u in urls) and any("favicon.svg" in u for u in urls)
    for url in urls:
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        got = client.get(url)
        assert got.status_code == 200, url
        assert got.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        if not prefix:  # standalone: ldptrain's own session interface
            assert "cookie" not in got.headers.get("Vary", "").lower(), url
    # What a stylesheet loads (the fonts) is hashed too, so a warm page asks for nothing.
    css = client.get(next(u for u in urls if "ldptrain.css" in u)).get_data(as_text=True)
    fonts = re.findall(r'url\("([^"]+)"\)', css)
    assert fonts and all(re.search(r"\.woff2\?v=[0-9a-f]{12}$", f) for f in fonts), fonts
    font = client.get(f"{prefix}/static/fonts/{fonts[0].split('/')[-1]}")
    assert font.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # A stale or missing hash still gets the file, revalidated rather than pinned for a year.
    stale = client.get(f"{prefix}/static/css/ldptrain.css?v=000000000000")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    assert client.get(f"{prefix}/static/../app.py").status_code == 404


def test_text_is_compressed_for_browsers_that_ask(any_app: Flask) -> None:
    prefix = any_app.extensions["ldptrain"].url_prefix
    client = any_app.test_client()
    plain = client.get(f"{prefix}/")
    assert "Content-Encoding" not in plain.headers
    page = client.get(f"{prefix}/", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] == "br"
    assert brotli.decompress(page.data) == plain.data
    assert "Accept-Encoding" in page.headers["Vary"]
    css_url = next(u for u in _static_urls(plain.get_data(as_text=True)) if "ldptrain.css" in u)
    css = client.get(css_url, headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    assert b"@font-face" in gzip.decompress(css.data)
    if prefix:  # mounted: the host's own pages are not ldptrain's to change
        host = client.get("/", headers={"Accept-Encoding": "br, gzip"})
        assert "Content-Encoding" not in host.headers and host.data == b"host home"


def test_favicon_is_served_standalone(app: Flask) -> None:
    icon = app.test_client().get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg")


def test_web_fonts_are_small_thai_and_latin_woff2_built_from_the_vendored_ttfs() -> None:
    for weight in ("Regular", "Bold"):
        path = STATIC / "fonts" / f"Sarabun-{weight}.subset.woff2"
        assert path.stat().st_size < 25_000, path.name  # the TTFs are 83 KB
        font = TTFont(io.BytesIO(path.read_bytes()))
        assert font.flavor == "woff2"
        cmap = font.getBestCmap()
        for text in ("บัญญัติ ระเบียบกระทรวงมหาดไทย ๒๕๖๙ ฿", "DLA-LDP 2569 – “OK” …"):
            missing = [ch for ch in text if ord(ch) not in cmap]
            assert not missing, (weight, missing)
        assert "GPOS" in font and "GSUB" in font  # Thai marks placed, not stacked
        names = {r.nameID: str(r) for r in font["name"].names}
        assert "Open Font License" in names.get(13, "")  # the OFL travels with the subset
    check = subprocess.run([sys.executable, str(ROOT / "scripts" / "fonts"), "--check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
