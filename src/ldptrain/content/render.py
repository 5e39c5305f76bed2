"""Markdown -> sanitised HTML, once at import. Pages never render Markdown per request.

Python-Markdown renders; nh3 (ammonia) then removes everything not on a strict allow list, so no
content can run script whatever Markdown or raw HTML it contains. Local links and images are
rewritten during sanitising (nh3's attribute filter sees Markdown links and raw HTML alike) so they
resolve where the module is served.
"""

from __future__ import annotations

import contextvars
import posixpath
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import markdown  # type: ignore[import-untyped]
import nh3

from ldptrain.content.format import Body, TocEntry
from ldptrain.thai import nfc

EXTENSIONS = [
    "tables",
    "fenced_code",
    "footnotes",
    "attr_list",
    "def_list",
    "admonition",
    "toc",
    "pymdownx.tasklist",
]
ADMONITION_KINDS = ("note", "tip", "important", "warning", "danger", "example")

_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "ins",
    "mark",
    "sub",
    "sup",
    "small",
    "code",
    "pre",
    "kbd",
    "samp",
    "var",
    "blockquote",
    "q",
    "cite",
    "abbr",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "colgroup",
    "col",
    "a",
    "img",
    "figure",
    "figcaption",
    "div",
    "span",
    "details",
    "summary",
    "input",
    "label",
    "ruby",
    "rt",
    "rp",
    "wbr",
}
# Removed with their content: nothing inside them is meant to be read as text.
_CLEAN_CONTENT = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "noscript",
    "template",
    "svg",
    "math",
    "textarea",
    "select",
    "title",
    "noembed",
    "noframes",
    "xmp",
}
_ATTRIBUTES = {
    "*": {"title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "li": {"id"},
    "sup": {"id"},  # footnote anchors
    "th": {"colspan", "rowspan", "scope", "style"},
    "td": {"colspan", "rowspan", "style"},
    "ol": {"start"},
    "abbr": set(),
    "details": {"open"},
    "input": {"checked"},
}
_CLASSES = {
    "div": {"admonition", "footnote", *ADMONITION_KINDS, "attention", "caution", "hint", "error"},
    "p": {"admonition-title"},
    "ul": {"task-list"},
    "ol": set(),
    "li": {"task-list-item"},
    "a": {"footnote-ref", "footnote-backref"},
}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Links:
    """How local links resolve in one rendered document.

    `pages` maps a path relative to the course folder (`02-plan-cycle.md`) to a page URL
    (`../m/plan-cycle`); any other local path becomes `files_prefix + path`.
    """

    files_prefix: str = ""
    pages: Mapping[str, str] = field(default_factory=dict)


def module_links(module_files: Mapping[str, str]) -> Links:
    """Links for a module page at `<mount>/courses/<course>/m/<slug>`; keys: module file names."""
    pages = {name: f"../m/{slug}" for name, slug in module_files.items()}
    pages.update({"course.md": "../", "course.en.md": "../"})
    return Links("../files/", pages)


def course_links(module_files: Mapping[str, str]) -> Links:
    """Links for the course page at `<mount>/courses/<course>/`."""
    pages = {name: f"m/{slug}" for name, slug in module_files.items()}
    pages.update({"course.md": "./", "course.en.md": "./"})
    return Links("files/", pages)


def is_local(url: str) -> bool:
    """A relative link to a file beside the Markdown (not a URL, an absolute path or an anchor)."""
    url = url.strip()
    return bool(url) and not _SCHEME.match(url) and url[0] not in "/#?\\"


def local_path(url: str) -> str | None:
    """The normalised folder-relative path of a local link; None if it climbs out of the folder."""
    path = unquote(urlsplit(url.strip()).path)
    if not path:
        return None
    normal = posixpath.normpath(path)
    return None if normal == ".." or normal.startswith("../") else normal


_links: contextvars.ContextVar[Links | None] = contextvars.ContextVar("links", default=None)
_NO_LINKS = Links()


def _rewrite(url: str) -> str | None:
    # Browsers drop tabs and newlines inside URLs, so judge the scheme on the compacted text.
    scheme = _SCHEME.match(re.sub(r"[\x00-\x20]", "", url))
    if scheme:
        return url if scheme.group(0)[:-1].lower() in _URL_SCHEMES else None
    if not is_local(url):
        return url
    links = _links.get() or _NO_LINKS
    parts = urlsplit(url.strip())
    path = local_path(url)
    if path is None:
        return None  # escapes the course folder: drop it rather than link somewhere unintended
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    if path in links.pages:
        return links.pages[path] + fragment
    query = f"?{parts.query}" if parts.query else ""
    return links.files_prefix + posixpath.normpath(parts.path) + query + fragment


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if (tag, attr) in (("a", "href"), ("img", "src")):
        return _rewrite(value)
    if tag == "input" and attr == "checked":
        return "checked"
    return value


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags=_CLEAN_CONTENT,
    attributes=_ATTRIBUTES,
    # Task-list boxes only: whatever an author writes, an <input> is a disabled checkbox.
    set_tag_attribute_values={
        "input": {"type": "checkbox", "disabled": "disabled"},
        "img": {"loading": "lazy"},
    },
    allowed_classes=_CLASSES,
    url_schemes=_URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
    attribute_filter=_attribute_filter,
    filter_style_properties={"text-align"},
)


def sanitize(html: str, links: Links | None = None) -> str:
    token = _links.set(links or Links())
    try:
        return _CLEANER.clean(html)
    finally:
        _links.reset(token)


def _slugify(value: str, separator: str) -> str:
    """Heading ids that keep Thai (letters and their combining vowels and tone marks)."""
    value = re.sub(r"[^\w\s\u0e00-\u0e7f-]", "", nfc(value)).strip().lower()
    return re.sub(r"[\s-]+", separator, value)


_local = threading.local()


def _markdown() -> markdown.Markdown:
    # One instance per thread, reset between documents: building one costs more than a render.
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=EXTENSIONS,
            extension_configs={"toc": {"slugify": _slugify, "toc_depth": "2-4"}},
            output_format="html",
        )
        _local.md = md
    md.reset()
    return md


def _flatten(tokens: list[dict], out: list[TocEntry]) -> list[TocEntry]:
    for token in tokens:
        out.append(TocEntry(int(token["level"]), str(token["id"]), str(token["name"])))
        _flatten(token.get("children", []), out)
    return out


# Characters that can start Markdown or HTML syntax. One line without any of them (and without a
# block marker in front) renders to itself, so it skips Python-Markdown (milliseconds per call).
_SYNTAX = re.compile(r"[\\`*_\[\]<>&!|~{}^]|^\s|\s$|^(\d+[.)]|[-+=#>:])(\s|$)|https?://|www\.")


def is_plain(text: str) -> bool:
    return bool(text) and "\n" not in text and not _SYNTAX.search(text)


_LEADING_TITLE = re.compile(r"\A\s*<h1\b[^>]*>.*?</h1>\s*", re.DOTALL)


def render(text: str, links: Links | None = None, *, page: bool = False) -> Body:
    """Render Markdown (already NFC) to sanitised HTML with its table of contents.

    `page`: the body of a module or overview page, whose title (from the front matter) the page
    shows as its only <h1>; a level-1 heading the author opened the text with, repeating that
    title, is left out so the page has one <h1> (screen readers navigate by it)."""
    if is_plain(text):
        return Body(text, f"<p>{text}</p>", ())
    md = _markdown()
    html = md.convert(text)
    if page:
        html = _LEADING_TITLE.sub("", html, count=1)
    toc = tuple(_flatten(getattr(md, "toc_tokens", []), []))
    return Body(text, sanitize(html, links), toc)


def render_inline(text: str, links: Links | None = None) -> Body:
    """Like render, without the <p> around a single paragraph (choice labels)."""
    if is_plain(text):
        return Body(text, text, ())
    body = render(text, links)
    html = body.html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Body(text, html, ())


_BLOCK_START = re.compile(r"^(\s*)(\d+)([.)])(\s)|^(\s*)([-+*>#=|])")


def render_heading(text: str, links: Links | None = None) -> str:
    """A question heading as inline HTML: `1. ...` or `- ...` stays text, not a list."""
    escaped = _BLOCK_START.sub(
        lambda m: (
            f"{m.group(1)}{m.group(2)}\\{m.group(3)}{m.group(4)}"
            if m.group(2)
            else f"{m.group(5)}\\{m.group(6)}"
        ),
        text,
        count=1,
    )
    return render_inline(escaped, links).html
