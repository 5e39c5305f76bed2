"""The content pipeline: Markdown files -> checked, rendered, hashed dataclasses.

No Flask and no database here, so `content check` runs anywhere.
"""

from ldptrain.content.assessments import render_assessment
from ldptrain.content.format import (
    Assessment,
    Body,
    Choice,
    ContentSet,
    Course,
    LocalText,
    Module,
    Problem,
    Programme,
    Question,
    TocEntry,
)
from ldptrain.content.loader import load_content, render_all, render_course

__all__ = [
    "Assessment",
    "Body",
    "Choice",
    "ContentSet",
    "Course",
    "LocalText",
    "Module",
    "Problem",
    "Programme",
    "Question",
    "TocEntry",
    "load_content",
    "render_all",
    "render_assessment",
    "render_course",
]
