"""A forger's toolbox: every way of faking a certificate that `certs verify` and the /verify
upload must reject, made from a genuine PDF (and, for one, another instance's keys).

Each entry: name -> (PDF bytes, expected verdict). Used by tests/certificates/test_forgeries.py
(library + CLI) and tests/test_certificate_views.py (upload page)."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pikepdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from ldptrain.certificates.data import from_payload
from ldptrain.certificates.issuer import IssuerSettings, ensure_issuer
from ldptrain.certificates.pdf import ATTACHMENT_NAME, METADATA_KEY, render_certificate_pdf
from ldptrain.certificates.signing import load_or_create_key, sign_payload


def block_of(pdf_bytes: bytes) -> dict:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        return json.loads(pdf.attachments[ATTACHMENT_NAME].get_file().read_bytes())


def _put_block(pdf: pikepdf.Pdf, block: dict) -> None:
    text = json.dumps(block, ensure_ascii=False)
    pdf.attachments[ATTACHMENT_NAME] = pikepdf.AttachedFileSpec(
        pdf, text.encode(), mime_type="application/json")
    pdf.docinfo[METADATA_KEY] = text


def _rewrite(pdf_bytes: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _hide_text(pdf: pikepdf.Pdf, text: str) -> None:
    """Tiny white text at the page's corner, in a standard font: invisible, but text."""
    page = pdf.pages[0]
    if "/Font" not in page.obj.Resources:
        page.obj.Resources.Font = pikepdf.Dictionary()
    fonts = page.obj.Resources.Font
    fonts["/FHidden"] = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                           BaseFont=pikepdf.Name.Helvetica)
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    page.contents_add(pikepdf.Stream(
        pdf, f"q BT /FHidden 0.5 Tf 1 1 1 rg 2 2 Td ({escaped}) Tj ET Q".encode("latin-1")))


def rerendered(genuine: bytes) -> bytes:
    """Other organisation, date, hours and expiry drawn on the page; the original signed
    attachment copied in."""
    block = block_of(genuine)
    import datetime as dt

    data = dataclasses.replace(
        from_payload(block["payload"]), organisation="องค์การบริหารส่วนตำบลอื่น",
        completed_on=dt.date(2025, 1, 5), hours=40, valid_until=dt.date(2035, 1, 1))
    fake = render_certificate_pdf(data)
    return _rewrite(fake, lambda pdf: _put_block(pdf, block))


def hidden_text(genuine: bytes) -> bytes:
    """A page that says something else, with the real fields hidden as tiny white text."""
    block = block_of(genuine)
    payload = block["payload"]
    data = dataclasses.replace(from_payload(payload), name_en="Mr Fake Person",
                               serial="DLA-LDP-2569-999999")
    fake = render_certificate_pdf(data)

    def change(pdf: pikepdf.Pdf) -> None:
        _put_block(pdf, block)
        _hide_text(pdf, f"{payload.get('name_en', '')} {payload['serial']}".strip())

    return _rewrite(fake, change)


def _incremental(genuine: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    writer = IncrementalPdfFileWriter(io.BytesIO(genuine), strict=False)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def incremental_text(genuine: bytes) -> bytes:
    def change(writer: IncrementalPdfFileWriter) -> None:
        stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 30 Tf 100 100 Td "
                                                                     b"(REVOKED? NO) Tj ET"))
        writer.add_stream_to_page(0, stream)

    return _incremental(genuine, change)


def incremental_annotation(genuine: bytes) -> bytes:
    def change(writer: IncrementalPdfFileWriter) -> None:
        page_ref = writer.root["/Pages"]["/Kids"][0]
        page = page_ref.get_object()
        annot = writer.add_object(generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (100, 100, 400, 140)]),
            generic.NameObject("/Contents"): generic.TextStringObject("Hours: 40"),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 20 Tf 0 g"),
        }))
        page[generic.NameObject("/Annots")] = generic.ArrayObject([annot])
        writer.update_container(page)

    return _incremental(genuine, change)


def incremental_page(genuine: bytes) -> bytes:
    def change(writer: IncrementalPdfFileWriter) -> None:
        content = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 30 Tf 100 400 "
                                                                      b"Td (Addendum) Tj ET"))
        page = generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (0, 0, 842, 595)]),
            generic.NameObject("/Contents"): content,
            generic.NameObject("/Resources"): generic.DictionaryObject(),
        })
        writer.insert_page(page)

    return _incremental(genuine, change)


def replaced_attachment(genuine: bytes, other_key) -> bytes:  # type: ignore[no-untyped-def]
    """The attachment swapped for one with other hours, signed with some other key."""
    block = block_of(genuine)
    block["payload"]["hours"] = "40"
    block["signature"] = sign_payload(block["payload"], other_key)
    return _rewrite(genuine, lambda pdf: _put_block(pdf, block))


def edited_byte(genuine: bytes) -> bytes:
    """One byte of the signed content changed (the serial's last digit on the page is in a
    compressed stream, so flip a byte in the middle of the file)."""
    data = bytearray(genuine)
    at = len(data) // 3
    data[at] ^= 0x01
    return bytes(data)


def another_instance(genuine: bytes, folder: Path) -> bytes:
    """The same certificate made by another ldptrain instance (its own keys)."""
    data = from_payload(block_of(genuine)["payload"])
    return render_certificate_pdf(data, key=load_or_create_key(folder),
                                  issuer=ensure_issuer(IssuerSettings(folder)))


def corpus(genuine: bytes, workdir: Path) -> dict[str, tuple[bytes, str]]:
    other = load_or_create_key(workdir / "other-instance")
    return {
        "genuine": (genuine, "genuine"),
        "re-rendered fields, original attachment": (rerendered(genuine), "altered"),
        "hidden text, original attachment": (hidden_text(genuine), "altered"),
        "incremental update: text": (incremental_text(genuine), "altered"),
        "incremental update: annotation": (incremental_annotation(genuine), "altered"),
        "incremental update: page": (incremental_page(genuine), "altered"),
        "replaced attachment": (replaced_attachment(genuine, other), "altered"),
        "edited byte": (edited_byte(genuine), "altered"),
        "truncated": (genuine[: len(genuine) * 2 // 3], "altered"),
        "another instance's keys": (another_instance(genuine, workdir / "other-instance"),
                                    "altered"),
    }
