"""Images uploaded into a course's files from the editor: the type is read from the file's
first bytes (never from its name or the browser's word), the size is capped, and the image is
referenced from the Markdown by its relative path (`images/<name>`)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from sqlalchemy import select

from ...db import session
from ...i18n import lazy_gettext
from ...models import Course, CourseFile
from .. import audit
from ..errors import ServiceError

#: Pages are read on phones over slow lines: an image above this is too big for a module.
MAX_IMAGE_BYTES = 1024 * 1024

# (magic bytes test, media type, extension). No SVG: it can carry script.
_KINDS = (
    (lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"), "image/png", "png"),
    (lambda d: d.startswith(b"\xff\xd8\xff"), "image/jpeg", "jpg"),
    (lambda d: d[:6] in (b"GIF87a", b"GIF89a"), "image/gif", "gif"),
    (lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP", "image/webp", "webp"),
)


class UploadError(ServiceError):
    field = "image"


def image_kind(data: bytes) -> tuple[str, str] | None:
    """(media type, extension) of a PNG, JPEG, GIF or WebP image, from its first bytes."""
    for test, media, extension in _KINDS:
        if test(data):
            return media, extension
    return None


def _safe_name(filename: str) -> str:
    """A file name a Markdown link and every file system take: lower-case ASCII letters,
    digits and dashes ("" when nothing is left, as for a Thai name)."""
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")[:60]


def upload_image(actor: Any, course: Course, filename: str, data: bytes, *,
                 replace: bool = False, ip: str = "") -> str:
    """Store an image in the course's files; returns its path relative to the course folder,
    as a module's Markdown refers to it: `![...](images/<name>)`."""
    if not data:
        raise UploadError(lazy_gettext("Choose an image file to upload."))
    if len(data) > MAX_IMAGE_BYTES:
        raise UploadError(lazy_gettext(
            "The image is larger than %(limit)s KB. Make it smaller (for example 1200 pixels "
            "wide) and upload it again.", limit=MAX_IMAGE_BYTES // 1024))
    kind = image_kind(data)
    if kind is None:
        raise UploadError(lazy_gettext("Only PNG, JPEG, GIF and WebP images can be uploaded."))
    media, extension = kind
    digest = hashlib.sha256(data).hexdigest()
    path = f"images/{_safe_name(filename) or 'image-' + digest[:10]}.{extension}"
    existing = session.scalar(select(CourseFile).where(CourseFile.course_id == course.id,
                                                       CourseFile.path == path))
    if existing is not None and existing.content_hash != digest:
        if not replace:
            raise UploadError(lazy_gettext(
                "The course already has a different %(path)s. Rename your file, or tick "
                "\"Replace\" to put yours in its place.", path=path))
        existing.data, existing.content_hash, existing.media_type = data, digest, media
    elif existing is None:
        session.add(CourseFile(course_id=course.id, path=path, media_type=media,
                               content_hash=digest, data=data))
    session.flush()
    audit.record("content.file_uploaded", actor=actor, target=course, ip=ip,
                 details={"path": path, "bytes": len(data), "media_type": media,
                          "replaced": existing is not None})
    return path
