"""Files beside the course Markdown (images, PDFs), served from the database.

Served with the stored media type and ``nosniff``; SVG (which can carry script) is sandboxed by
a Content-Security-Policy, so opening it directly cannot run anything in our origin.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from ...services import catalogue

bp = Blueprint("files", __name__)


@bp.get("/courses/<course>/files/<path:path>")
def course_file(course: str, path: str) -> Response:
    found = catalogue.get_course(course)
    if found is None:
        abort(404)
    item = catalogue.course_file(found.id, path)
    if item is None:
        abort(404)
    response = Response(item.data, mimetype=item.media_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if item.media_type == "image/svg+xml" or path.lower().endswith(".svg"):
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; " \
            "img-src data:; style-src 'unsafe-inline'"
    # Content files change only on import; the hash is a strong validator.
    response.set_etag(item.content_hash)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)
