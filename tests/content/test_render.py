"""Rendering: sanitised HTML (an XSS corpus comes out inert), link rewriting, Thai heading ids."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from ldptrain.content.render import Links, course_links, module_links, render, render_inline

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">x</a>',
    '<div onmouseover="alert(1)">x</div>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1) )",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[ref][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<a href="javascript&#58;alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><script>alert(1)</script></mtext></math>",
    '<math href="javascript:alert(1)">x</math>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<form action="https://evil.example"><input type="text" name="pw"><button>go</button></form>',
    "<style>body{display:none}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<details open ontoggle=alert(1)>x</details>",
    "<!-- <img src=x onerror=alert(1)> -->",
    '<img src="x" alt="x" {: onerror="alert(1)"}>',
    'Text {: onclick="alert(1)" }',
    '## Heading {: onclick="alert(1)" style="color:red" }',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<input type="image" src="x" onerror="alert(1)">',
]

_FORBIDDEN_TAGS = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "form",
    "svg",
    "math",
    "base",
    "meta",
    "link",
    "button",
    "textarea",
    "select",
    "frame",
    "frameset",
    "applet",
}


class _Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag not in _FORBIDDEN_TAGS, html
        assert not any(name.startswith("on") for name in attrs), html
        style = attrs.get("style")
        assert style is None or re.fullmatch(r"text-align:\s*(left|right|center)", style), html
        if tag == "input":
            assert attrs.get("type") == "checkbox" and "disabled" in attrs, html
        for name in ("href", "src", "action", "formaction", "xlink:href", "srcset"):
            url = (attrs.get(name) or "").strip().lower()
            scheme = re.match(r"([a-z][a-z0-9+.-]*):", re.sub(r"[\x00-\x20]", "", url))
            assert scheme is None or scheme.group(1) in ("http", "https", "mailto"), html


@pytest.mark.parametrize("payload", XSS)
def test_xss_payload_renders_inert(payload: str) -> None:
    assert_inert(render(payload).html)
    assert_inert(render_inline(payload, Links("../files/")).html)


def test_raw_html_on_the_safe_list_survives() -> None:
    html = render("<details><summary>เฉลย</summary>ข้อ ก</details>\n\nH<sub>2</sub>O").html
    assert "<details><summary>เฉลย</summary>" in html
    assert "<sub>2</sub>" in html


def test_external_links_get_noopener() -> None:
    html = render("[DLA](https://www.dla.go.th/)").html
    assert 'href="https://www.dla.go.th/"' in html
    assert 'rel="noopener noreferrer"' in html


def test_module_links_and_images_resolve_from_the_module_page() -> None:
    links = module_links({"02-plan-cycle.md": "plan-cycle", "02-plan-cycle.en.md": "plan-cycle"})
    html = render(
        "[next](02-plan-cycle.md#steps) [en](02-plan-cycle.en.md) "
        "![map](images/map.png) [pdf](files/../docs/form%201.pdf?x=1) "
        "[home](course.md) [top](#top)",
        links,
    ).html
    assert 'href="../m/plan-cycle#steps"' in html
    assert 'href="../m/plan-cycle"' in html
    assert 'src="../files/images/map.png"' in html
    assert 'href="../files/docs/form%201.pdf?x=1"' in html
    assert 'href="../"' in html
    assert 'href="#top"' in html


def test_course_overview_links_resolve_from_the_course_page() -> None:
    html = render(
        "[m1](01-intro.md) ![x](images/a.png)", course_links({"01-intro.md": "intro"})
    ).html
    assert 'href="m/intro"' in html and 'src="files/images/a.png"' in html


def test_link_escaping_the_folder_is_dropped() -> None:
    html = render("[x](../../etc/passwd) ![y](../secret.png)", Links("../files/")).html
    assert "passwd" not in html and "secret" not in html


def test_raw_html_image_is_rewritten_too() -> None:
    html = render('<img src="images/a.png" alt="a">', Links("../files/")).html
    assert 'src="../files/images/a.png"' in html


def test_thai_heading_ids_and_toc() -> None:
    body = render("# ชื่อบท\n\n## ขั้นตอนที่ ๑ การเตรียมการ\n\n### ข้อควรระวัง\n\n## ขั้นตอนที่ ๑ การเตรียมการ")
    assert [(e.level, e.id, e.text) for e in body.toc] == [
        (2, "ขั้นตอนที่-๑-การเตรียมการ", "ขั้นตอนที่ ๑ การเตรียมการ"),
        (3, "ข้อควรระวัง", "ข้อควรระวัง"),
        (2, "ขั้นตอนที่-๑-การเตรียมการ_1", "ขั้นตอนที่ ๑ การเตรียมการ"),
    ]
    assert 'id="ข้อควรระวัง"' in body.html  # tone marks and vowels kept, so the anchor works


def test_a_page_opening_with_its_title_keeps_one_h1() -> None:
    """The page shows the front matter title as its <h1>; the author's opening `# title` would
    be a second one. Only an opening level-1 heading goes, and only from a page body."""
    text = "# ชื่อบท\n\nย่อหน้าแรก\n\n## ส่วนที่ ๑\n\n# หัวข้อใหญ่กลางบท"
    page = render(text, page=True).html
    assert "ชื่อบท" not in page and page.startswith("<p>ย่อหน้าแรก</p>")
    assert page.count("<h1") == 1 and "หัวข้อใหญ่กลางบท" in page
    assert render(text).html.startswith("<h1")  # a question's text keeps what it says
    assert render("ย่อหน้า\n\n# ไม่ใช่ชื่อ", page=True).html.count("<h1") == 1


def test_admonition_table_footnote_tasklist() -> None:
    html = render(
        '!!! warning "ข้อควรระวัง"\n    ระวัง\n\n| ก | ข |\n|:-|-:|\n| 1 | 2 |\n\n'
        "ข้อความ[^1]\n\n[^1]: ที่มา\n\n- [x] เสร็จ\n- [ ] ยัง\n"
    ).html
    assert '<div class="admonition warning">' in html
    assert '<p class="admonition-title">ข้อควรระวัง</p>' in html
    assert '<td style="text-align:right">2</td>' in html
    assert 'href="#fn:1"' in html and 'id="fn:1"' in html
    parser = _Elements()
    parser.feed(html)  # attribute order is not stable across processes: compare parsed attributes
    boxes = [attrs for tag, attrs in parser.found if tag == "input"]
    assert [("checked" in a, a.get("type"), "disabled" in a) for a in boxes] == [
        (True, "checkbox", True),
        (False, "checkbox", True),
    ]


def test_author_classes_are_limited_to_the_format_s_own() -> None:
    html = render("text\n{: .btn-danger .admonition }").html
    assert "btn-danger" not in html


def test_inline_render_has_no_paragraph() -> None:
    assert render_inline("**ก** ข").html == "<strong>ก</strong> ข"
    assert render_inline("ก\n\nข").html.count("<p>") == 2


PLAIN_OR_NOT = [
    "ปีงบประมาณเริ่ม 1 ตุลาคม ของปีก่อนหน้า",
    "The fiscal year starts on 1 October.",
    "SDG 11 (เมืองและชุมชนที่ยั่งยืน), เป้าหมาย 11.3: การวางแผนแบบมีส่วนร่วม",
    "1. ไม่ใช่รายการ",
    "- ขีด",
    "+ บวก",
    "# หัวข้อ",
    "> อ้างอิง",
    ": คำนิยาม",
    "ข้อความ **หนา**",
    "a_b_c และ 2*3",
    "ดู https://www.dla.go.th",
    "ราคา 5 < 6 & 7 > 3",
    "    ย่อหน้าโค้ด",
    "ท้ายมีช่องว่าง  ",
    "หมายเหตุ[^1]",
    "ตาราง | คอลัมน์",
    "วงเล็บ {id=x}",
    "~~ขีดฆ่า~~",
    "H~2~O ^2^",
    "เขาพูดว่า \"สวัสดี\" และ 'ลาก่อน'",
    "อ.ป.ท. 7,850 แห่ง (76 จังหวัด) — 100% / ๑๐๐ ; ok?",
]


@pytest.mark.parametrize("text", PLAIN_OR_NOT)
def test_plain_text_fast_path_renders_like_markdown(text: str) -> None:
    from ldptrain.content.render import _markdown, is_plain, sanitize

    expected = sanitize(_markdown().convert(text))
    assert render(text).html == expected
    if is_plain(text):
        assert render_inline(text).html == text
