"""Which files a PATH argument means: course folders, programme folders and assessment files.

A PATH may be a course or programme folder, a folder of them (`courses/`), an assessments folder, a
project folder holding `courses/` and `assessments/`, or a single file. Paths keep the form the
user typed, so problems print the way the user wrote them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ldptrain.content.format import Problem
from ldptrain.content.messages import N_

MODULE_FILE = re.compile(r"(\d{2})-([a-z][a-z0-9-]*)(\.en)?\.md\Z")
COURSE_FILES = ("course.md", "course.en.md")
IGNORED = ("readme.md",)  # notes for the code host, not content


@dataclass
class Found:
    courses: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    assessments: list[str] = field(default_factory=list)  # originals, never the .en.md siblings
    seen: set[str] = field(default_factory=set)  # real paths, so a file named twice loads once

    def add(self, kind: list[str], path: str) -> bool:
        real = os.path.realpath(path)
        if real in self.seen:
            return False
        self.seen.add(real)
        kind.append(path)
        return True


def original_of(path: str) -> str:
    return path[: -len(".en.md")] + ".md" if path.endswith(".en.md") else path


def discover(paths: list[str], problems: list[Problem]) -> Found:
    found = Found()
    for path in paths:
        if not os.path.exists(path):
            problems.append(Problem(path, 1, N_("no such file or folder")))
        elif os.path.isdir(path):
            _scan(path, found, problems, top=True)
        else:
            _file(path, found, problems)
    return found


def _file(path: str, found: Found, problems: list[Problem]) -> None:
    folder, name = os.path.split(path)
    folder = folder or "."
    if name in COURSE_FILES or (
        MODULE_FILE.match(name) and os.path.exists(os.path.join(folder, "course.md"))
    ):
        found.add(found.courses, folder)
    elif name in ("programme.md", "programme.en.md"):
        found.add(found.programmes, folder)
    elif name.endswith(".md"):
        original = original_of(path)
        if not os.path.exists(original):
            problems.append(
                Problem(
                    path, 1, N_("English text without its original '%(name)s'",
                                name=os.path.basename(original))
                )
            )
        else:
            found.add(found.assessments, original)
    else:
        problems.append(Problem(path, 1, N_("not a content file (.md)")))


def _scan(folder: str, found: Found, problems: list[Problem], top: bool) -> None:
    names = sorted(os.listdir(folder))
    if "course.md" in names:
        found.add(found.courses, folder)
        return
    if "programme.md" in names:
        found.add(found.programmes, folder)
        return
    is_project = top and any(n in ("courses", "assessments") for n in names)
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isdir(path):
            inner = set(os.listdir(path))
            if "course.md" in inner:
                found.add(found.courses, path)
            elif "programme.md" in inner:
                found.add(found.programmes, path)
            elif is_project and name in ("courses", "assessments"):
                _scan(path, found, problems, top=False)
        elif name.endswith(".md") and not is_project and name.lower() not in IGNORED:
            if name.endswith(".en.md"):
                if original_of(name) not in names:
                    problems.append(
                        Problem(path, 1, N_("English text without its original '%(name)s'",
                                            name=original_of(name)))
                    )
            else:
                found.add(found.assessments, path)
