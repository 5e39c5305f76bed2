"""Authoring in the browser (#19): who may author a course, its editable source files, drafts,
publishing through the importer, history and restore.

The Markdown files stay the source format: every check, preview and publication runs the same
content pipeline and importer as `content check` and `content import`, on a scratch copy of the
course as `content export` would write it, with the draft put in place of its file.
"""

from . import bank
from .drafts import (
    DraftConflict,
    Published,
    PublishRefused,
    discard_draft,
    drafts_of,
    edit_bank,
    get_draft,
    line_diff,
    publish_draft,
    publish_text,
    publish_texts,
    save_draft,
    text_hash,
)
from .files import MAX_IMAGE_BYTES, UploadError, image_kind, upload_image
from .history import Entry, history, restore
from .preview import (
    AssessmentPreview,
    DraftPreview,
    ModulePreview,
    Played,
    bank_statistics,
    check_drafts,
    play,
    published_assessment,
    published_module,
    render_draft,
)
from .rights import authored_course, authored_courses, may_author
from .sources import (
    Source,
    SourceError,
    find_source,
    normalise,
    published_text,
    published_versions,
    sources_of,
)

__all__ = [
    "published_versions",
    "Played", "play",
    "bank_statistics",
    "AssessmentPreview", "DraftConflict", "DraftPreview", "Entry", "MAX_IMAGE_BYTES",
    "ModulePreview", "PublishRefused", "Published", "Source", "SourceError", "UploadError",
    "authored_course", "authored_courses", "bank", "check_drafts", "discard_draft", "drafts_of",
    "edit_bank", "find_source", "get_draft", "history", "image_kind", "line_diff", "may_author",
    "normalise", "publish_draft", "publish_text", "publish_texts", "published_assessment",
    "published_module", "published_text", "render_draft", "restore", "save_draft", "sources_of",
    "text_hash", "upload_image",
]
