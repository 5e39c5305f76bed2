"""The rules of the content format for front matter and for the set as a whole.

Each failure is a Problem(path, line, message). The `*_fields` functions read front matter into
typed values; check_cycles runs once every file is read. Question rules: question_rules.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ldptrain.content.feedback import FEEDBACK
from ldptrain.content.format import LocalText, Problem, Signatory
from ldptrain.content.messages import N_
from ldptrain.content.parse import SLUG, Fields, SourceFile

COURSE_KEYS = (
    "slug",
    "code",
    "title",
    "summary",
    "version",
    "order",
    "language",
    "hours",
    "prerequisites",
    "final_assessment",
    "certificate",
    "certificate_valid_years",
    "tags",
    "completion",
    "signatory",
)
COURSE_REQUIRED = ("slug", "title", "version", "hours")
COURSE_EN_KEYS = ("title", "summary")
MODULE_KEYS = ("title", "duration", "assessment")
MODULE_REQUIRED = ("title", "duration")
MODULE_EN_KEYS = ("title",)
ASSESSMENT_KEYS = (
    "title",
    "pass_mark",
    "attempts",
    "time_limit",
    "draw",
    "shuffle",
    "feedback",
    "scoring",
)
ASSESSMENT_REQUIRED = ("title", "pass_mark")
ASSESSMENT_EN_KEYS = ("title",)
PROGRAMME_KEYS = (
    "slug",
    "code",
    "title",
    "summary",
    "version",
    "order",
    "courses",
    "certificate",
    "certificate_valid_years",
    "tags",
)
PROGRAMME_REQUIRED = ("slug", "title", "courses")
SCORING = ("all_or_nothing", "partial")
CODE = re.compile(r"[A-Z0-9]{2,8}\Z")
QUESTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
SLUG_WHAT = N_("a slug (lower-case a-z, 0-9 and -, starting with a letter)")


def _fields(src: SourceFile, problems: list[Problem], required_front: bool) -> Fields | None:
    if src.front is None:
        if required_front and not src.has_front:
            problems.append(
                Problem(
                    src.path,
                    1,
                    N_("missing front matter: the file must start with a "
                       "--- line, key: value lines and a --- line"),
                )
            )
        return None
    return Fields(src.front, src.path, problems)


def _check_folder_slug(fields: Fields, src: SourceFile, folder: str,
                       problems: list[Problem]) -> None:
    """A course's or programme's `slug` must be the name of its folder."""
    slug = fields.text("slug", SLUG, SLUG_WHAT)
    if slug and slug != folder:
        problems.append(Problem(src.path, src.front["slug"].line,  # type: ignore[index]
                                N_("slug '%(slug)s' must match the folder name '%(folder)s'",
                                   slug=slug, folder=folder)))


def course_fields(src: SourceFile, folder: str, problems: list[Problem]) -> dict[str, Any] | None:
    fields = _fields(src, problems, True)
    if fields is None:
        return None
    fields.check_keys(COURSE_KEYS, COURSE_REQUIRED)
    _check_folder_slug(fields, src, folder, problems)
    return {
        "slug": folder,
        "code": fields.text("code", CODE, N_("2-8 upper-case letters or digits")),
        "title": fields.local_text("title") or LocalText(th=folder),
        "summary": fields.local_text("summary") or LocalText(),
        "version": fields.text("version") or "",
        "order": fields.integer("order") or 0,
        "language": fields.text("language", options=("th", "en")) or "th",
        "hours": fields.number("hours", minimum=0, what=N_("a number of hours")) or 0,
        "prerequisites": fields.text_list("prerequisites", SLUG, N_("a course slug")),
        "final_assessment": fields.text("final_assessment", SLUG, SLUG_WHAT),
        "certificate": fields.boolean("certificate", False),
        "certificate_valid_years": fields.integer("certificate_valid_years", minimum=1),
        "tags": fields.text_list("tags"),
        "min_time_percent": _min_time(fields, src.path, problems),
    }


SIGNATORY_KEYS = ("name", "title", "image")
SIGNATURE_IMAGES = (".png", ".jpg", ".jpeg")


def signatory_field(src: SourceFile, folder: str, problems: list[Problem]) -> Signatory | None:
    """`signatory: {name: ..., title: {th: ..., en: ...}, image: signature.png}`: who signs this
    course's certificates instead of the instance's LDPTRAIN_CERT_SIGNATORY_* settings. The
    image is a file of the course folder (imported with the course's other files)."""
    value = (src.front or {}).get("signatory")
    if value is None or value.is_null:
        return None
    if not isinstance(value.value, dict):
        problems.append(Problem(src.path, value.line, N_("'signatory' must be a mapping with name, "
                                                             "title and optionally image")))
        return None
    inner = Fields(value.value, src.path, problems, value.line)
    inner.check_keys(SIGNATORY_KEYS, ("name", "title"), where=" in 'signatory'")
    name = inner.text("name") or ""
    if len(name) > 200:
        problems.append(Problem(src.path, value.value["name"].line,
                                N_("the signatory's name is longer than 200 characters")))
        return None
    title = value.value.get("title")
    # A plain title is the Thai one: the certificate prints an English title only when given.
    title_text = (LocalText(th=title.value.strip()) if title is not None
                  and isinstance(title.value, str) else inner.local_text("title"))
    image = inner.text("image") or ""
    if image:
        root = os.path.realpath(folder)
        path = os.path.realpath(os.path.join(root, image))
        line = value.value["image"].line
        if not path.startswith(root + os.sep) or not os.path.isfile(path):
            problems.append(Problem(src.path, line, N_(
                "signature image '%(image)s' is not a file of the course folder", image=image)))
            return None
        if not image.lower().endswith(SIGNATURE_IMAGES):
            problems.append(Problem(src.path, line, N_("the signature image must be PNG or JPEG")))
            return None
        image = os.path.relpath(path, root).replace(os.sep, "/")  # as course files are named
    if not name or title_text is None or not title_text.th:
        if name and title_text is not None:
            problems.append(Problem(src.path, value.line, N_(
                "'signatory' needs a Thai title (title: {th: ..., en: ...})")))
        return None
    return Signatory(name=name, title_th=title_text.th, title_en=title_text.en or "",
                     image=image)


MIN_TIME = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%\Z")


def _min_time(fields: Fields, path: str, problems: list[Problem]) -> int:
    """`completion: {min_time: 50%}`: the share of each module's duration a trainee must spend
    on it before it counts as complete (0 when absent)."""
    value = fields.values.get("completion")
    if value is None or value.is_null:
        return 0
    if not isinstance(value.value, dict):
        problems.append(Problem(path, value.line,
                                N_("'completion' must be a mapping, e.g. completion: "
                                   "{min_time: 50%}")))
        return 0
    for key, item in value.value.items():
        if key != "min_time":
            problems.append(Problem(path, item.key_line or item.line,
                                    N_("unknown key '%(key)s' in 'completion' (allowed: "
                                       "min_time)", key=key)))
    found = value.value.get("min_time")
    if found is None or found.is_null:
        return 0
    text = found.value.strip() if isinstance(found.value, str) else ""
    match = MIN_TIME.match(text)
    if match is None or float(match.group(1)) > 100 or not float(match.group(1)).is_integer():
        problems.append(Problem(path, found.line,
                                N_("'min_time' must be a whole percentage of each module's "
                                   "duration from 0%% to 100%%, e.g. 50%% (got '%(value)s')",
                                   value=text)))
        return 0
    return int(float(match.group(1)))


def translation_fields(
    src: SourceFile, allowed: Sequence[str], problems: list[Problem], lang: str = "en"
) -> dict[str, LocalText | None]:
    """Front matter of an `.en.md` sibling: only its own-language texts."""
    fields = _fields(src, problems, False)
    if fields is None:
        return {}
    fields.check_keys(allowed, where=N_(" in an .en.md file"))
    return {key: fields.local_text(key, lang) for key in allowed}


def module_fields(src: SourceFile, problems: list[Problem]) -> dict[str, Any] | None:
    fields = _fields(src, problems, True)
    if fields is None:
        return None
    fields.check_keys(MODULE_KEYS, MODULE_REQUIRED)
    return {
        "title": fields.local_text("title") or LocalText(),
        "duration": fields.integer("duration", minimum=1,
                                   what=N_("a whole number of minutes")) or 0,
        "assessment": fields.text("assessment", SLUG, SLUG_WHAT),
    }


def assessment_fields(src: SourceFile, problems: list[Problem]) -> dict[str, Any] | None:
    fields = _fields(src, problems, True)
    if fields is None:
        return None
    fields.check_keys(ASSESSMENT_KEYS, ASSESSMENT_REQUIRED)
    attempts: int | None = None
    if (value := src.front.get("attempts")) is not None and value.value != "unlimited":  # type: ignore[union-attr]
        attempts = fields.integer("attempts", minimum=1, what=N_("a number or unlimited"))
    pass_mark = fields.number("pass_mark", 0, 100, N_("a percentage"))
    return {
        "title": fields.local_text("title") or LocalText(),
        "pass_mark": pass_mark if pass_mark is not None else 0,
        "attempts": attempts,
        "time_limit": fields.integer("time_limit", minimum=1, what=N_("a whole number of minutes")),
        "draw": fields.integer("draw", minimum=1),
        "shuffle": fields.boolean("shuffle", False),
        "feedback": fields.text("feedback", options=FEEDBACK) or "after_submit",
        "scoring": fields.text("scoring", options=SCORING) or "all_or_nothing",
    }


def programme_fields(
    src: SourceFile, folder: str, problems: list[Problem]
) -> dict[str, Any] | None:
    fields = _fields(src, problems, True)
    if fields is None:
        return None
    fields.check_keys(PROGRAMME_KEYS, PROGRAMME_REQUIRED)
    _check_folder_slug(fields, src, folder, problems)
    courses = fields.text_list("courses", SLUG, N_("a course slug"))
    listed = src.front.get("courses")  # type: ignore[union-attr]
    if listed is not None and listed.value == []:
        problems.append(
            Problem(src.path, src.line_of("courses"),
                    N_("'courses' must list at least one course"))
        )
    return {
        "slug": folder,
        "code": fields.text("code", CODE, N_("2-8 upper-case letters or digits")),
        "title": fields.local_text("title") or LocalText(th=folder),
        "summary": fields.local_text("summary") or LocalText(),
        "version": fields.text("version"),
        "order": fields.integer("order") or 0,
        "courses": courses,
        "certificate": fields.boolean("certificate", False),
        "certificate_valid_years": fields.integer("certificate_valid_years", minimum=1),
        "tags": fields.text_list("tags"),
    }


def check_body(src: SourceFile, problems: list[Problem], message: str) -> None:
    """`message` (e.g. "module has no text") when the file has no text below its front matter."""
    if not src.body.strip():
        last = src.text.count("\n") + 1
        problems.append(Problem(src.path, min(src.body_line, last), message))


# The set ---------------------------------------------------------------------------------------


def check_cycles(
    prerequisites: Mapping[str, tuple[str, ...]],
    report: Mapping[str, tuple[str, int]],
    problems: list[Problem],
) -> None:
    """Report each prerequisite cycle once, at the prerequisites line of its first course."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(slug: str) -> None:
        state[slug] = 1
        stack.append(slug)
        for nxt in prerequisites.get(slug, ()):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                path, line = report[nxt]
                problems.append(Problem(path, line, N_("prerequisite cycle: %(cycle)s",
                                                         cycle=" -> ".join(cycle))))
            elif nxt in prerequisites and state.get(nxt) is None:
                visit(nxt)
        stack.pop()
        state[slug] = 2

    for slug in sorted(prerequisites):
        if state.get(slug) is None:
            visit(slug)
