"""Rendering: the sample certificate as a PNG for people to look at, programme certificates,
deployment templates, and the URL fetcher's limits."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from ldptrain.certificates.data import CourseLine, sample_certificate
from ldptrain.certificates.pdf import (
    FONTS_DIR,
    PackageOnlyFetcher,
    render_certificate_pdf,
    render_html,
)

from .conftest import ARTIFACTS
from .test_pdf_text import pypdf_text

needs_pdftoppm = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils missing")


def _png(pdf: bytes, stem: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{stem}.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "110",
            "-png",
            "-singlefile",
            str(ARTIFACTS / f"{stem}.pdf"),
            str(ARTIFACTS / stem),
        ],
        check=True,
    )
    return ARTIFACTS / f"{stem}.png"


@needs_pdftoppm
def test_sample_certificate_png_for_review(sample_pdf: bytes) -> None:
    """artifacts/certificate-sample.png: look at it to check Thai shaping by eye."""
    png = _png(sample_pdf, "certificate-sample")
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert width > height  # A4 landscape
    assert abs(width / height - 297 / 210) < 0.01


@needs_pdftoppm
def test_programme_certificate_lists_its_courses() -> None:
    courses = (
        CourseLine(
            "ldp-sfci",
            "การจัดทำแผนพัฒนาท้องถิ่นที่บูรณาการหลักการเมืองยั่งยืนแห่งอนาคต (SFCI)",
            "Local development plans integrating SFCI",
            12,
        ),
        CourseLine(
            "partnerships",
            "การสร้างความร่วมมือกับภาคีเพื่อการพัฒนาเมืองยั่งยืน",
            "Partnerships for sustainable cities",
            10,
        ),
    )
    data = sample_certificate(
        kind="programme",
        course_slug="lao-staff",
        courses=courses,
        serial="DLA-LAOP-2569-000007",
        verify_url="https://training.example.go.th/verify/DLA-LAOP-2569-000007",
        delivery="blended",
        hours=22,
        course_title_th="หลักสูตรพัฒนาศักยภาพบุคลากรท้องถิ่น",
        course_title_en="LAO staff capacity programme",
    )
    pdf = render_certificate_pdf(data)
    _png(pdf, "certificate-programme-sample")
    text = pypdf_text(pdf)
    for line in courses:
        assert line.title_th in text
    assert "ฝึกอบรมแบบผสมผสาน" in text
    assert data.payload()["courses"] == ["ldp-sfci", "partnerships"]


def test_programme_without_courses_is_refused() -> None:
    with pytest.raises(ValueError, match="lists its courses"):
        sample_certificate(kind="programme")


def test_deployment_template_overrides_wording(tmp_path: Path) -> None:
    custom = tmp_path / "certificate.html"
    custom.write_text(
        "<html><head><style>{% include 'ldptrain/certificates/certificate.css' %}</style></head>"
        "<body><h1>วุฒิบัตร</h1><p>{{ c.name }}</p><p>{{ c.serial }}</p>"
        "<img src='logo.svg'></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "logo.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>", encoding="utf-8"
    )
    text = pypdf_text(render_certificate_pdf(sample_certificate(), template=custom))
    assert "วุฒิบัตร" in text
    assert "นางสาวกำไล คำแสง" in text


@pytest.mark.parametrize("src", ["https://example.org/logo.png", "file:///etc/passwd"])
def test_template_cannot_reach_network_or_other_files(tmp_path: Path, src: str) -> None:
    custom = tmp_path / "certificate.html"
    custom.write_text(f"<p>{{{{ c.name }}}}</p><img src='{src}'>", encoding="utf-8")
    with pytest.raises(FatalURLFetchingError):
        render_certificate_pdf(sample_certificate(), template=custom)


def test_fetcher_serves_package_fonts_and_data_uris() -> None:
    fetcher = PackageOnlyFetcher([FONTS_DIR])
    font = fetcher.fetch((FONTS_DIR / "Sarabun-Bold.ttf").as_uri())
    assert font.read()[:4] == b"\x00\x01\x00\x00"  # TrueType
    assert fetcher.fonts == [FONTS_DIR / "Sarabun-Bold.ttf"]
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


LONG_TITLE = (
    "การจัดทำแผนพัฒนาท้องถิ่นที่บูรณาการหลักการเมืองยั่งยืนแห่งอนาคตและการสร้างความร่วมมือระหว่าง"
    "องค์กรปกครองส่วนท้องถิ่นกับภาคีการพัฒนาเพื่อเป้าหมายการพัฒนาที่ยั่งยืนเป้าหมายที่ ๑๑"
)
LAYOUT_CASES = {
    "sample": {},
    "long": dict(
        name="ว่าที่ร้อยตรีหญิง ดร.กำไลทองคำ ศรีสุวรรณน้ำคำแสงเจริญรุ่งเรือง",
        organisation="องค์การบริหารส่วนตำบลหนองน้ำคำใหญ่เหนือ อำเภอเมืองกำแพงเพชร จังหวัดกำแพงเพชร",
        course_title_th=LONG_TITLE,
        course_title_en="A very long English course title " * 3,
        valid_until=dt.date(2029, 11, 25),
    ),
    "programme-4": dict(
        kind="programme",
        courses=tuple(CourseLine(f"c{i}", LONG_TITLE[: 60 + i], "English title") for i in range(4)),
    ),
}


def _boxes(box, inside_footer=False):
    element = getattr(box, "element", None)
    in_footer = inside_footer or (element is not None and element.tag == "footer")
    yield box, in_footer
    for child in getattr(box, "children", []):
        yield from _boxes(child, in_footer)


@pytest.mark.parametrize("case", LAYOUT_CASES)
def test_text_stays_clear_of_the_footer_on_one_page(case: str) -> None:
    html, search = render_html(sample_certificate(**LAYOUT_CASES[case]))
    document = HTML(
        string=html,
        base_url=search[0].as_uri() + "/",
        url_fetcher=PackageOnlyFetcher([*search, FONTS_DIR]),
    ).render()
    assert len(document.pages) == 1
    boxes = list(_boxes(document.pages[0]._page_box))
    footer_top = min(b.position_y for b, f in boxes if f and type(b).__name__ == "LineBox")
    text_bottom = max(
        b.position_y + b.height for b, f in boxes if not f and type(b).__name__ == "LineBox"
    )
    assert text_bottom <= footer_top


def test_signed_pdf_passes_qpdf_structure_check(sample_pdf: bytes) -> None:
    """The text repair rewrites fonts and content streams: qpdf must find nothing wrong."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(sample_pdf)) as pdf:
        assert pdf.check_pdf_syntax() == []
        assert "ldptrain-certificate.json" in pdf.attachments
