"""The PDF's text layer: copy/paste and extraction give the exact Thai strings, ำ included."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pypdf
import pytest
from weasyprint import HTML

from ldptrain.certificates.data import sample_certificate
from ldptrain.certificates.pdf import FONTS_DIR, render_certificate_pdf
from ldptrain.certificates.textlayer import repair_thai_text

NAME = "นางสาวกำไล คำแสง"
ORG = "องค์การบริหารส่วนตำบลน้ำคำ"  # tone mark + ำ (น้ำ) is the hardest cluster
COURSE = "การจัดทำแผนพัฒนาท้องถิ่น"
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")


def pypdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def sara_am_pdf() -> bytes:
    data = sample_certificate(name=NAME, organisation=ORG, course_title_th=COURSE)
    return render_certificate_pdf(data)


def test_pypdf_extracts_exact_sara_am_strings(sara_am_pdf: bytes) -> None:
    text = pypdf_text(sara_am_pdf)
    assert NAME in text
    assert ORG in text
    assert f"“{COURSE}”" in text
    assert "กาไล" not in text and "ตาบล" not in text and "จัดทาแผน" not in text


def test_pdfium_extracts_exact_sara_am_strings(sara_am_pdf: bytes) -> None:
    """PDFium is the PDF engine of Chrome and Android: what a trainee gets on copy/paste."""
    pdfium = pytest.importorskip("pypdfium2")
    text = pdfium.PdfDocument(sara_am_pdf)[0].get_textpage().get_text_range()
    for expected in (NAME, ORG, COURSE):
        assert expected in text
    assert "กาไล" not in text and "ตาบล" not in text


@needs_poppler
def test_pdftotext_extracts_exact_sara_am_strings(sara_am_pdf: bytes, tmp_path: Path) -> None:
    text = pdftotext(sara_am_pdf, tmp_path)
    for expected in (NAME, ORG, COURSE):
        assert expected in text
    assert "กาไล" not in text and "ตาบล" not in text  # the WeasyPrint #2841 symptom


def test_name_course_and_serial_in_text(sample_pdf: bytes) -> None:
    data = sample_certificate()
    text = pypdf_text(sample_pdf)
    assert data.name in text
    assert data.course_title_th in text
    assert data.serial in text
    assert "ให้ไว้ ณ วันที่ ๒๕ พฤศจิกายน พ.ศ. ๒๕๖๙" in text


def _weasy(html_body: str) -> bytes:
    font = (FONTS_DIR / "Sarabun-Regular.ttf").as_uri()
    html = (
        f"<style>@font-face{{font-family:S;src:url({font})}}"
        f"body{{font-family:S;font-size:20pt}}</style>{html_body}"
    )
    return HTML(string=html).write_pdf()


def _repair(raw: bytes) -> tuple[bytes, int]:
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        fixed = repair_thai_text(pdf, {"Sarabun-Regular": FONTS_DIR / "Sarabun-Regular.ttf"})
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue(), fixed


def test_repair_fixes_first_use_order_and_tones() -> None:
    # ำ before any า (WeasyPrint would then map every า to ำ), tone+ำ, and a lone nikhahit.
    words = "คำ การ น้ำ ต่ำ ค่ำ ทำ ตำบล สํ"
    raw = _weasy(f"<p>{words}</p>")
    assert pypdf_text(raw).strip() != words  # the bug this module exists for
    fixed, count = _repair(raw)
    assert count == 6
    assert pypdf_text(fixed).strip() == words
    pdfium = pytest.importorskip("pypdfium2")
    assert pdfium.PdfDocument(fixed)[0].get_textpage().get_text_range().strip() == words


@needs_poppler
def test_repair_does_not_change_the_rendering(tmp_path: Path) -> None:
    raw = _weasy("<p>นางสาวกำไล คำแสง น้ำ ต่ำ การจัดทำแผน</p>")
    fixed, _ = _repair(raw)
    images = []
    for name, data in (("raw", raw), ("fixed", fixed)):
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "72",
                "-png",
                "-singlefile",
                str(tmp_path / f"{name}.pdf"),
                str(tmp_path / name),
            ],
            check=True,
        )
        images.append((tmp_path / f"{name}.png").read_bytes())
    assert images[0] == images[1]


def test_every_render_in_a_worker_is_repaired() -> None:
    """Fonts are loaded once per thread and reused; later renders must still be repaired."""
    for name in ("นางน้ำฝน ทองคำ", "นายสมชาย ทำดี", NAME):
        text = pypdf_text(render_certificate_pdf(sample_certificate(name=name)))
        assert name in text
