"""ldptrain's static files under content-hashed URLs, cached for a year, and compressed.

A template's `url_for('ldptrain.static', filename=...)` gets `?v=<hash of the file>` added
(templating.cached_url_for), so a browser keeps the file for a year without asking again and a
changed file gets a new URL. Stylesheets get the same treatment for what they load (fonts, the
images they point at): their `url(...)`s are rewritten with the hash of the target when served,
and a stylesheet's own hash covers those rewritten URLs, so a new font changes its CSS's URL too.

A request whose `v` is not the file's current hash (an old page, a hand-typed URL) still gets
the file, revalidated each time (`no-cache`) rather than pinned for a year.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path

from flask import Flask, Response, abort, g, request, send_from_directory
from flask_compress import Compress  # type: ignore[import-untyped]
from werkzeug.security import safe_join

from ..resources import STATIC

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
#: Text served from memory as a plain response, so Flask-Compress compresses it (it leaves file
#: streams alone); fonts and images go out as files.
TEXT = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml",
        ".json": "application/json"}
_URL = re.compile(r"""url\(\s*(["']?)(?!data:|https?:|/|#)([^"')?#]+)\1\s*\)""")
_lock = threading.Lock()
#: path -> ((mtime_ns, size), version, the text to serve or None). Keyed by the file's stat so an
#: edited file (development, an upgrade in place) is hashed afresh.
_memo: dict[str, tuple[tuple[int, int], str, bytes | None]] = {}


def _path(filename: str) -> Path | None:
    found = safe_join(str(STATIC), filename)
    return Path(found) if found and os.path.isfile(found) else None


def _load(filename: str) -> tuple[str, bytes | None] | None:
    path = _path(filename)
    if path is None:
        return None
    stat = path.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    found = _memo.get(filename)
    if found is not None and found[0] == key:
        return found[1], found[2]
    data = path.read_bytes()
    text = data if path.suffix in TEXT else None
    if filename.endswith(".css"):
        folder = os.path.dirname(filename)

        def versioned(match: re.Match[str]) -> str:
            quote, target = match.group(1), match.group(2)
            target_name = os.path.normpath(os.path.join(folder, target)).replace(os.sep, "/")
            hashed = version(target_name)
            return f"url({quote}{target}?v={hashed}{quote})" if hashed else match.group(0)

        text = data = _URL.sub(versioned, data.decode("utf-8")).encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()[:12]
    with _lock:
        _memo[filename] = (key, digest, text)
    return digest, text


def version(filename: str) -> str:
    """The content hash for a static file's URL ('' for a file that does not exist)."""
    found = _load(filename)
    return found[0] if found else ""


def serve(filename: str) -> Response:
    """The `ldptrain.static` endpoint."""
    found = _load(filename)
    if found is None:
        abort(404)
    current, text = found
    if text is not None:
        response = Response(text, mimetype=TEXT[os.path.splitext(filename)[1]])
        response.set_etag(current)
    else:
        response = send_from_directory(STATIC, filename, etag=True, conditional=True)
    if request.args.get("v") == current:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
        # The same bytes for everyone: no session cookie makes a difference (see
        # cookie_session.RememberingSessionInterface.save_session, which drops Vary: Cookie).
        g.ldp_shared_static = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)


def compressor() -> Compress:
    """Flask-Compress configured for ldptrain's blueprint only: its settings live on a private
    app object, so a host's config and its other responses are left as they are."""
    holder = Flask("ldptrain-compress")
    holder.config.update(
        COMPRESS_REGISTER=False,
        # Text ldptrain serves; fonts are WOFF2 (already compressed), exports are downloads.
        COMPRESS_MIMETYPES=["text/html", "text/css", "text/javascript", "application/javascript",
                            "image/svg+xml", "application/json"],
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_STREAMS=False,  # CSV/XLSX exports stream: leave them as they are
    )
    return Compress(holder)
