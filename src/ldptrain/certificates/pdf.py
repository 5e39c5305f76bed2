"""Render a certificate to PDF: Jinja template -> WeasyPrint -> text-layer repair -> signed
payload embedded as a file attachment and in the document metadata."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import json
import math
import mimetypes
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
import jinja2.sandbox
import pikepdf
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from qrcode.image.pil import PilImage
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

import ldptrain
from ldptrain.certificates.data import CertificateData, hours_text
from ldptrain.certificates.issuer import Issuer
from ldptrain.certificates.pades import TimeStamper, sign_pdf
from ldptrain.certificates.signing import ALGORITHM, key_id, sign_payload
from ldptrain.certificates.textlayer import postscript_name, repair_thai_text
from ldptrain.thai import format_date, to_thai_digits

TEMPLATE_NAME = "ldptrain/certificates/certificate.html"
ATTACHMENT_NAME = "ldptrain-certificate.json"
METADATA_KEY = "/LDPTrainCertificate"  # custom document-info key holding the same JSON

_PACKAGE = Path(ldptrain.__file__).resolve().parent
FONTS_DIR = _PACKAGE / "static" / "fonts"


def templates_root() -> Path:
    """`templates/` of the source tree (editable install) or its copy inside the wheel."""
    for candidate in (_PACKAGE / "_bundled" / "templates", _PACKAGE.parents[1] / "templates"):
        if (candidate / TEMPLATE_NAME).is_file():
            return candidate
    raise FileNotFoundError(f"certificate template {TEMPLATE_NAME} not found")


class PackageOnlyFetcher(URLFetcher):
    """WeasyPrint URL fetcher that reads `data:` URIs and files under the given folders only.

    No network and no arbitrary file reads: a template (even a deployment's own) can only pull in
    the package's fonts and templates and files beside itself. Anything else stops the render.
    """

    def __init__(self, roots: Iterable[Path]) -> None:
        super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=True)
        self.roots = tuple(root.resolve() for root in roots)
        self.fonts: list[Path] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ValueError(f"certificate templates may not load {url!r} (no network)")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ValueError(f"certificate templates may not read {path} (outside the package)")
        if path.suffix.lower() in (".ttf", ".otf"):
            self.fonts.append(path)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


@functools.lru_cache(maxsize=64)
def _postscript_name(path: str, mtime_ns: int) -> str | None:
    return postscript_name(Path(path).read_bytes())


def qr_data_uri(url: str) -> str:
    """A QR code for the verification URL as a PNG data: URI.

    PNG rather than SVG: WeasyPrint draws an SVG QR code as ~3,700 path operators, which cost
    about a third of the render time and bloat the page's content stream. The template draws
    the PNG with `image-rendering: pixelated` (PDF /Interpolate false), so modules stay sharp
    at any zoom; 4 px per module keeps it sharp even for viewers that ignore that flag."""
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=0,
        box_size=4,
        image_factory=PilImage,
    )
    qr.add_data(url)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _date_th(value: dt.date, thai_digits: bool) -> str:
    day_month, year = format_date(value, "th", thai_digits=thai_digits).rsplit(" ", 1)
    return f"{day_month} พ.ศ. {year}"


def _base_chars(text: str) -> int:
    """Characters that take horizontal space (Thai vowel and tone marks above/below do not)."""
    return sum(
        1 for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Mn"
    )


def _extra_height_mm(c: CertificateData) -> float:
    """A rough estimate of how much taller than the one-line-each layout the text will be.

    The footer is positioned on the frame's bottom edge, so text must leave it room; above about
    16 mm of extra lines the template switches to its "dense" sizes. Line capacities are measured
    on the default template at its normal sizes (Sarabun, A4 landscape)."""
    name_lines = math.ceil(_base_chars(c.name) / 44)
    org_lines = math.ceil((_base_chars(c.organisation) + len(c.organisation_en) / 2) / 95)
    course_lines = math.ceil(_base_chars(c.course_title_th) / 72)
    course_en_lines = math.ceil((len(c.course_title_en) + 30) / 150)
    extra = (name_lines - 1) * 14 + (org_lines - 1) * 7 + (course_lines - 1) * 9
    extra += (course_en_lines - 1) * 5 + len(c.courses) * 6 + (4 if c.valid_until else 0)
    return float(extra)


def prepared_texts(c: CertificateData) -> dict[str, str]:
    """Sentences assembled in code, so a custom template gets them right without logic."""
    digits = to_thai_digits if c.thai_digits else str
    hours = hours_text(c.hours) if c.hours is not None else None
    delivery_th = {"online": "ฝึกอบรมออนไลน์", "blended": "ฝึกอบรมแบบผสมผสาน"}
    delivery_en = {
        "online": "online training",
        "blended": "blended training (online and in person)",
    }
    detail_th = f"ผ่านการฝึกอบรมเมื่อวันที่ {_date_th(c.completed_on, c.thai_digits)}"
    detail_en = f"Completed on {format_date(c.completed_on, 'en')}"
    if hours:
        detail_th += f" รวมระยะเวลาการฝึกอบรม {digits(hours)} ชั่วโมง"
        detail_en += f" · {hours} hours"
    detail_th += f" ({delivery_th[c.delivery]})"
    detail_en += f" · {delivery_en[c.delivery]}"
    texts = {
        "title_en": "Programme Certificate"
        if c.kind == "programme"
        else "Certificate of Completion",
        "detail_th": detail_th,
        "detail_en": detail_en,
        "issued_th": _date_th(c.issued_on, c.thai_digits),
        "issued_en": format_date(c.issued_on, "en"),
    }
    texts["density"] = "dense" if _extra_height_mm(c) > 16 else "normal"
    if c.valid_until:
        texts["valid_until_th"] = _date_th(c.valid_until, c.thai_digits)
        texts["valid_until_en"] = format_date(c.valid_until, "en")
    return texts


def _environment(template: Path | None) -> tuple[jinja2.Environment, str, list[Path]]:
    folder = str(template.resolve().parent) if template is not None else None
    env, search = _cached_environment(folder)
    return env, template.name if template is not None else TEMPLATE_NAME, search


@functools.lru_cache(maxsize=16)
def _cached_environment(folder: str | None) -> tuple[jinja2.Environment, list[Path]]:
    """One Jinja environment per template folder: compiled templates are reused across
    certificates (Jinja still reloads a template whose file changed)."""
    root = templates_root()
    search = [root]
    if folder is not None:
        # A deployment's template: its folder comes first, so it may also bring its own CSS
        # (`{% include "certificate.css" %}`) or fall back to ours.
        search.insert(0, Path(folder))
    # Sandboxed: a course's template is written by an admin in the browser (#19), and Jinja
    # must not reach Python objects from it ({{ c.__class__... }}); the templates only read data.
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(p) for p in search]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env, search


def _logo_url(logo: str | None, roots: list[Path]) -> str | None:
    if not logo or logo.startswith("data:"):
        return logo
    for root in roots:
        path = (root / logo).resolve()
        if path.is_file():
            return path.as_uri()
    raise FileNotFoundError(f"logo {logo!r} not found beside the template or in the package")


def render_html(
    data: CertificateData, *, template: str | Path | None = None, images: bool = True,
    inline_css: bool = True,
) -> tuple[str, list[Path]]:
    """The certificate as HTML, and the folders its resources may come from. Without `images`
    (the verifier only wants the words) the QR code, logo and signature image are left out.
    Without `inline_css` the default template leaves out its stylesheet (the caller passes it
    to WeasyPrint already parsed)."""
    env, name, search = _environment(Path(template) if template else None)
    html = env.get_template(name).render(
        inline_css=inline_css,
        c=data,
        t=prepared_texts(data),
        qr=qr_data_uri(data.verify_url) if images else "",
        fonts_url=FONTS_DIR.as_uri(),
        logo=_logo_url(data.logo, search) if images else None,
        signature_image=_logo_url(data.signature_image, search) if images else None,
    )
    return html, search


def signed_document(data: CertificateData, key: Ed25519PrivateKey) -> dict[str, Any]:
    """What the PDF carries: the payload, its signature and the signing key's id."""
    payload = data.payload()
    return {
        "payload": payload,
        "alg": ALGORITHM,
        "kid": key_id(key),
        "signature": sign_payload(payload, key),
    }


_thread = threading.local()
DEFAULT_CSS = "ldptrain/certificates/certificate.css"


def _font_state() -> tuple[FontConfiguration, dict[str, Path]]:
    """A WeasyPrint FontConfiguration per thread, reused across certificates, and the font files
    it has loaded (PostScript name -> path).

    Reuse matters: a fresh FontConfiguration per document leaks ~0.4 MB (fontconfig/Pango state)
    and re-registers the @font-face fonts every time (~40% slower). A reused one fetches each
    font once, so the fonts seen by earlier renders are remembered here for the text repair."""
    if not hasattr(_thread, "font_config"):
        _thread.font_config = FontConfiguration()
        _thread.fonts = {}
        _thread.stylesheets = {}
    return _thread.font_config, _thread.fonts


def _default_stylesheet(fetcher: PackageOnlyFetcher) -> CSS:
    """The default template's certificate.css, parsed once per thread (with its @font-face
    fonts registered in the thread's FontConfiguration) instead of once per certificate: the
    parse and cascade set-up of an inline <style> was ~20% of WeasyPrint's time. Keyed by the
    rendered text, so an edited file (Jinja reloads it) is parsed again."""
    font_config, fonts = _font_state()
    env, search = _cached_environment(None)
    text = env.get_template(DEFAULT_CSS).render(fonts_url=FONTS_DIR.as_uri())
    found = _thread.stylesheets.get(text)
    if found is None:
        found = CSS(string=text, base_url=search[0].as_uri() + "/", url_fetcher=fetcher,
                    font_config=font_config)
        _remember_fonts(fetcher, fonts)
        _thread.stylesheets.clear()
        _thread.stylesheets[text] = found
    return found  # type: ignore[no-any-return]


def _remember_fonts(fetcher: PackageOnlyFetcher, fonts: dict[str, Path]) -> None:
    for path in set(fetcher.fonts):
        ps_name = _postscript_name(str(path), path.stat().st_mtime_ns)
        if ps_name:
            fonts[ps_name] = path


def render_certificate_pdf(
    data: CertificateData,
    *,
    template: str | Path | None = None,
    key: Ed25519PrivateKey | None = None,
    issuer: Issuer | None = None,
    tsa: TimeStamper | None = None,
) -> bytes:
    """The certificate PDF (PDF/A-3b). With `key`, the signed payload is embedded (the PDF/A-3
    associated data file `ldptrain-certificate.json`, and document-info key
    `/LDPTrainCertificate`). With `issuer`, the file is then PAdES-certified: the signature is
    the last revision and covers everything, so it must come after every other change."""
    # The default template gets its stylesheet pre-parsed; a deployment's template (which may
    # include its own CSS, or extend ours) renders self-contained as before.
    html, search = render_html(data, template=template, inline_css=template is not None)
    fetcher = PackageOnlyFetcher([*search, FONTS_DIR])
    font_config, fonts = _font_state()
    stylesheets = [_default_stylesheet(fetcher)] if template is None else None
    raw = HTML(string=html, base_url=search[0].as_uri() + "/", url_fetcher=fetcher).write_pdf(
        stylesheets=stylesheets, font_config=font_config, pdf_variant="pdf/a-3b"
    )
    _remember_fonts(fetcher, fonts)
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        repair_thai_text(pdf, fonts)
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = f"เกียรติบัตร {data.serial} · {data.name}"
            meta["dc:creator"] = [data.issuer_th]
        pdf.docinfo["/Title"] = f"เกียรติบัตร {data.serial} · {data.name}"
        if key is not None:
            document = json.dumps(signed_document(data, key), ensure_ascii=False, indent=1)
            stamp = "D:" + dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%SZ")
            spec = pikepdf.AttachedFileSpec(
                pdf,
                document.encode("utf-8"),
                description="Signed certificate payload (ldptrain)",
                mime_type="application/json",
                mod_date=stamp,
                # PDF/A-3 (ISO 19005-3 6.8): an embedded file is an "associated file" of the
                # document, listed in the catalog's /AF with its relationship: the data the
                # page presents (ETDA ขมธอ. 11-2560 carries the certificate data this way).
                relationship=pikepdf.Name.Data,
            )
            pdf.attachments[ATTACHMENT_NAME] = spec
            pdf.Root.AF = pikepdf.Array([pdf.attachments[ATTACHMENT_NAME].obj])
            # Indirect: the info dict stays small, so the PAdES signer (which rewrites the info
            # dict to update its dates) neither parses nor copies the payload a second time.
            pdf.docinfo[METADATA_KEY] = pdf.make_indirect(pikepdf.String(document))
        out = io.BytesIO()
        pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    signed = out.getvalue()
    return sign_pdf(signed, issuer, tsa=tsa) if issuer is not None else signed
