"""Course and programme folders: course.md / programme.md, their .en.md siblings and the modules."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ldptrain.content.discover import MODULE_FILE
from ldptrain.content.format import (
    Body,
    Course,
    LocalText,
    Module,
    Problem,
    Programme,
    content_hash,
)
from ldptrain.content.links import check_markdown
from ldptrain.content.messages import N_
from ldptrain.content.parse import SourceFile, read_source
from ldptrain.content.validate import (
    COURSE_EN_KEYS,
    MODULE_EN_KEYS,
    check_body,
    course_fields,
    module_fields,
    programme_fields,
    signatory_field,
    translation_fields,
)


@dataclass
class Draft:
    src: SourceFile
    fields: dict[str, Any]
    folder: str


def _read(path: str, problems: list[Problem]) -> SourceFile | None:
    return read_source(path, problems) if os.path.exists(path) else None


def load_module(
    folder: str, name: str, language: str, problems: list[Problem], course: str
) -> Module | None:
    match = MODULE_FILE.match(name)
    assert match is not None
    path = os.path.join(folder, name)
    src = read_source(path, problems)
    if src is None:
        return None
    fields = module_fields(src, problems) or {}
    check_body(src, problems, N_("module has no text"))
    check_markdown(src.body, src.body_line, path, folder, problems)
    en = _read(path[:-3] + ".en.md", problems)
    title: LocalText = fields.get("title") or LocalText()
    bodies = {language: Body(src.body.strip())}
    if en is not None:
        en_title = translation_fields(en, MODULE_EN_KEYS, problems).get("title")
        check_body(en, problems, N_("the English text has no text"))
        check_markdown(en.body, en.body_line, en.path, folder, problems)
        title = LocalText(th=title.th, en=en_title.en if en_title else title.en)
        bodies["en"] = Body(en.body.strip())
    return Module(
        course=course,
        slug=match.group(2),
        number=int(match.group(1)),
        title=title,
        duration=fields.get("duration", 0),
        assessment=fields.get("assessment"),
        bodies=bodies,
        path=path,
        content_hash=content_hash("module", name, src.text, en.text if en else ""),
    )


def _english_overview(folder: str, name: str, title: LocalText, summary: LocalText,
                      overview: dict[str, Body], problems: list[Problem],
                      what: str = N_("the course folder"),
                      ) -> tuple[SourceFile | None, LocalText, LocalText]:
    """The optional English sibling of a course or programme file (`course.en.md`,
    `programme.en.md`): its text joins `overview`, its title and summary, where given, stand
    beside the Thai ones. Returns the file (None when absent) and the title and summary."""
    en = _read(os.path.join(folder, name), problems)
    if en is None:
        return None, title, summary
    texts = translation_fields(en, COURSE_EN_KEYS, problems)
    check_markdown(en.body, en.body_line, en.path, folder, problems, what)
    overview["en"] = Body(en.body.strip())
    if (en_title := texts.get("title")) is not None:
        title = LocalText(th=title.th, en=en_title.en)
    if (en_summary := texts.get("summary")) is not None:
        summary = LocalText(th=summary.th, en=en_summary.en)
    return en, title, summary


def load_course(folder: str, problems: list[Problem]) -> tuple[Course, Draft] | None:
    src = read_source(os.path.join(folder, "course.md"), problems)
    if src is None:
        return None
    slug = os.path.basename(os.path.realpath(folder))
    fields = course_fields(src, slug, problems)
    if fields is None:
        return None
    language = fields["language"]
    check_markdown(src.body, src.body_line, src.path, folder, problems)
    overview = {language: Body(src.body.strip())}
    en, title, summary = _english_overview(folder, "course.en.md", fields["title"],
                                           fields["summary"], overview, problems)
    modules: list[Module] = []
    numbers: dict[int, str] = {}
    slugs: dict[str, str] = {}
    tried = 0
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if (
            not name.endswith(".md")
            or name in ("course.md", "course.en.md")
            or name.lower() == "readme.md"
            or os.path.isdir(path)
        ):
            continue
        match = MODULE_FILE.match(name)
        if match is not None and len(match.group(2)) > 100:
            problems.append(Problem(path, 1, N_("a module slug may be at most 100 characters")))
        elif match is None:
            problems.append(
                Problem(
                    path,
                    1,
                    N_("'%(name)s' is not a module file name: use NN-slug.md "
                       "(two digits, a hyphen, a lower-case slug)", name=name),
                )
            )
        elif match.group(3):
            if not os.path.exists(path[:-6] + ".md"):
                problems.append(
                    Problem(path, 1, N_("English text without its original '%(name)s'",
                                        name=name[:-6] + ".md"))
                )
            elif language == "en":
                problems.append(
                    Problem(
                        path, 1,
                        N_("the course language is en, so this .en.md file is never shown")
                    )
                )
        else:
            tried += 1
            module = load_module(folder, name, language, problems, slug)
            if module is None:
                continue
            if module.number in numbers:
                problems.append(
                    Problem(
                        path,
                        1,
                        N_("module number %(number)02d is also used by %(other)s",
                           number=module.number, other=numbers[module.number]),
                    )
                )
            if module.slug in slugs:
                problems.append(
                    Problem(
                        path, 1, N_("module slug '%(slug)s' is also used by %(other)s",
                                    slug=module.slug, other=slugs[module.slug])
                    )
                )
            numbers.setdefault(module.number, name)
            slugs.setdefault(module.slug, name)
            modules.append(module)
    if not tried:  # (a module that failed to load has its own problem)
        problems.append(Problem(src.path, 1,
                                        N_("course has no modules (NN-slug.md files)")))
    course = Course(
        slug=slug,
        code=fields["code"],
        title=title,
        summary=summary,
        version=fields["version"],
        order=fields["order"],
        language=language,
        hours=fields["hours"],
        prerequisites=fields["prerequisites"],
        final_assessment=fields["final_assessment"],
        certificate=fields["certificate"],
        certificate_valid_years=fields["certificate_valid_years"],
        tags=fields["tags"],
        min_time_percent=fields["min_time_percent"],
        signatory=signatory_field(src, folder, problems),
        overview=overview,
        modules=tuple(sorted(modules, key=lambda m: m.number)),
        path=folder,
        content_hash=content_hash("course", src.text, en.text if en else ""),
    )
    return course, Draft(src, fields, folder)


def load_programme(folder: str, problems: list[Problem]) -> tuple[Programme, Draft] | None:
    src = read_source(os.path.join(folder, "programme.md"), problems)
    if src is None:
        return None
    slug = os.path.basename(os.path.realpath(folder))
    f = programme_fields(src, slug, problems)
    if f is None:
        return None
    check_markdown(src.body, src.body_line, src.path, folder, problems, N_("the programme folder"))
    overview = {"th": Body(src.body.strip())}
    en, title, summary = _english_overview(folder, "programme.en.md", f["title"], f["summary"],
                                           overview, problems, N_("the programme folder"))
    programme = Programme(
        slug=slug,
        code=f["code"],
        title=title,
        summary=summary,
        version=f["version"],
        order=f["order"],
        courses=f["courses"],
        certificate=f["certificate"],
        certificate_valid_years=f["certificate_valid_years"],
        tags=f["tags"],
        overview=overview,
        path=folder,
        content_hash=content_hash("programme", src.text, en.text if en else ""),
    )
    return programme, Draft(src, f, folder)
