"""A course's own certificate template (#19): admins edit HTML/CSS as a draft, preview it as a
signed sample certificate, and publish it only when that sample passes the verifier
(`ldptrain certs verify`'s own function, in-process).

Rules, as for content: no remote resources (no http(s) or protocol-relative address in src,
href or CSS url(), no @import), no <script> (nor iframe, object, embed, link, base, meta
refresh), no event handler attributes. A template breaking one is refused with the reasons,
not cleaned silently: the content sanitiser (nh3) would strip the <style> a certificate needs
and change the page without saying so. The Jinja in it runs sandboxed (certificates/pdf.py),
and the renderer's fetcher reads no network and no file outside the template folders anyway.

The database holds the text; the renderer and the verifier take a template file, so each text
is written once to the instance folder under its SHA-256 (certificate-templates/<hash>/).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
from flask import current_app
from sqlalchemy import select

from ..certificates.pdf import templates_root
from ..db import session, utcnow
from ..i18n import lazy_gettext as _l
from ..models import Certificate, CertificateTemplate, Course, User
from .audit import record
from .errors import ServiceError

DEFAULT_TEMPLATE = "ldptrain/certificates/certificate.html"
MAX_TEMPLATE_CHARS = 200_000
_BANNED_TAGS = ("script", "iframe", "frame", "object", "embed", "link", "base", "applet",
                "form", "input", "button", "textarea", "select")
_URL_ATTRIBUTES = ("src", "href", "srcset", "xlink:href", "action", "formaction", "poster",
                   "data", "background", "lowsrc", "dynsrc", "ping", "cite", "longdesc")
# A scheme ("https:", "javascript:") or "//": anything but a relative path or a data: URI.
_REMOTE = re.compile(r"^\s*(//|\\\\|[a-z][a-z0-9+.\-]*:)", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


class TemplateError(ServiceError):
    def __init__(self, message: Any, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or []


def _remote(value: str) -> bool:
    value = _JINJA.sub("", value)  # {{ qr }} and the like are data: URIs made by the code
    return bool(value.strip()) and bool(_REMOTE.match(value)) and not value.strip().lower(
    ).startswith("data:")


def _css_reasons(css: str, where: str) -> list[str]:
    reasons = []
    if _CSS_IMPORT.search(css):
        reasons.append(str(_l("%(where)s: @import is not allowed; put the CSS in the template.",
                              where=where)))
    for match in _CSS_URL.finditer(css):
        if _remote(match.group(2)):
            reasons.append(str(_l("%(where)s: url(%(url)s) loads a remote resource; use a data: "
                                  "URI or a file beside the template.", where=where,
                                  url=match.group(2)[:80])))
    return reasons


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.reasons: list[str] = []
        self._in_style = False

    def _where(self) -> str:
        return str(_l("line %(line)s", line=self.getpos()[0]))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BANNED_TAGS:
            self.reasons.append(str(_l("%(where)s: <%(tag)s> is not allowed in a certificate "
                                       "template.", where=self._where(), tag=tag)))
        if tag == "style":
            self._in_style = True
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.reasons.append(str(_l("%(where)s: event handler attributes (%(name)s) are "
                                           "not allowed.", where=self._where(), name=name)))
            elif name in _URL_ATTRIBUTES and any(_remote(part.strip().split(" ")[0])
                                                 for part in value.split(",")):
                self.reasons.append(str(_l("%(where)s: %(name)s=\"%(url)s\" loads a remote "
                                           "resource; use a data: URI or a file beside the "
                                           "template.", where=self._where(), name=name,
                                           url=value[:80])))
            elif name == "style":
                self.reasons += _css_reasons(value, self._where())
            elif tag == "meta" and name == "http-equiv":
                self.reasons.append(str(_l("%(where)s: <meta http-equiv> is not allowed.",
                                           where=self._where())))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.reasons += _css_reasons(data, self._where())


def check_template(html: str) -> list[str]:
    """Why `html` may not be a certificate template (empty: it may)."""
    if not html.strip():
        return [str(_l("The template is empty."))]
    if len(html) > MAX_TEMPLATE_CHARS:
        return [str(_l("The template is longer than %(n)s characters.", n=MAX_TEMPLATE_CHARS))]
    try:
        jinja2.Environment().parse(html)
    except jinja2.TemplateSyntaxError as exc:
        return [str(_l("line %(line)s: template syntax: %(error)s", line=exc.lineno,
                       error=exc.message or ""))]
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.reasons


# Storage --------------------------------------------------------------------------------------


def default_html() -> str:
    """The bundled template with its CSS inline, as a starting point for a course's own."""
    root = templates_root()
    html = (root / DEFAULT_TEMPLATE).read_text(encoding="utf-8")
    css = (root / "ldptrain/certificates/certificate.css").read_text(encoding="utf-8")
    return html.replace('{% include "ldptrain/certificates/certificate.css" %}', css)


def draft_of(course: Course) -> CertificateTemplate | None:
    return session.scalar(select(CertificateTemplate).where(
        CertificateTemplate.course_id == course.id, CertificateTemplate.state == "draft"))


def published_of(course_id: int) -> CertificateTemplate | None:
    return session.scalar(
        select(CertificateTemplate)
        .where(CertificateTemplate.course_id == course_id,
               CertificateTemplate.state == "published")
        .order_by(CertificateTemplate.id.desc()).limit(1))


def history_of(course: Course) -> list[CertificateTemplate]:
    return list(session.scalars(
        select(CertificateTemplate)
        .where(CertificateTemplate.course_id == course.id,
               CertificateTemplate.state == "published")
        .order_by(CertificateTemplate.id.desc())))


def editable_text(course: Course) -> str:
    """What the editor opens with: the draft, else the published template, else the default."""
    draft = draft_of(course)
    if draft is not None:
        return draft.html
    published = published_of(course.id)
    return published.html if published is not None else default_html()


def save_draft(actor: User, course: Course, html: str, ip: str = "") -> CertificateTemplate:
    """Refused (TemplateError with the reasons, nothing saved) when the text breaks a rule."""
    html = html.replace("\r\n", "\n")
    reasons = check_template(html)
    if reasons:
        raise TemplateError(_l("The template was not saved: correct what is listed below."),
                            reasons)
    draft = draft_of(course)
    if draft is None:
        draft = CertificateTemplate(course_id=course.id, state="draft", html=html,
                                    author_id=actor.id)
        session.add(draft)
    else:
        draft.html, draft.author_id, draft.updated_at = html, actor.id, utcnow()
    session.flush()
    record("certificate_template.draft_saved", actor=actor, target=course, ip=ip,
           details={"template_id": draft.id, "sha256": _digest(html)})
    return draft


def _digest(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def template_file(html: str) -> Path:
    """The file the renderer and the verifier read for `html` (written on first use)."""
    folder = Path(current_app.instance_path) / "certificate-templates" / _digest(html)[:32]
    path = folder / "certificate.html"
    if not path.is_file() or path.read_text(encoding="utf-8") != html:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "certificate.html.tmp"
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(path)
    return path


def file_for_certificate(cert: Certificate) -> Path | None:
    """The template a certificate was issued with: its course's published one at the time, or
    None for the instance's (LDPTRAIN_CERT_TEMPLATE or the bundled one)."""
    template_id = (cert.details or {}).get("template_id")
    row = session.get(CertificateTemplate, template_id) if template_id else None
    return template_file(row.html) if row is not None else None


def file_for_serial(serial: str) -> Path | None:
    cert = session.scalar(select(Certificate).where(Certificate.serial == serial))
    return file_for_certificate(cert) if cert is not None else None


# Preview and publishing -------------------------------------------------------------------------


@dataclass
class Preview:
    pdf: bytes | None
    reasons: list[str] = field(default_factory=list)  # why it does not verify (empty: it does)
    status: str = ""

    @property
    def ok(self) -> bool:
        return self.pdf is not None and not self.reasons


def preview(course: Course, html: str) -> Preview:
    """A sample certificate of `course` rendered with `html`, signed like a real one but with
    a throwaway key and issuer certificate made for this preview (so a preview can never pass
    for one of this instance's certificates), and the verifier's verdict on it against those:
    GENUINE, or the reasons."""
    import tempfile

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ..certificates.data import sample_certificate
    from ..certificates.issuer import IssuerSettings, ensure_issuer
    from ..certificates.pdf import render_certificate_pdf
    from ..certificates.verify import verify_pdf

    reasons = check_template(html)
    if reasons:
        return Preview(None, reasons)
    config = current_app.config
    data = replace(sample_certificate(), course_slug=course.slug,
                   course_title_th=course.title_th, course_title_en=course.title_en,
                   content_version=course.version or "1.0",
                   issuer_th=config["LDPTRAIN_CERT_ISSUER_TH"],
                   issuer_en=config["LDPTRAIN_CERT_ISSUER_EN"])
    path = template_file(html)
    key = Ed25519PrivateKey.generate()
    with tempfile.TemporaryDirectory(prefix="ldp-cert-preview-") as folder:
        signer = ensure_issuer(IssuerSettings(Path(folder), common_name=(
            "ldptrain certificate template preview (not a certificate)")))
    try:
        pdf = render_certificate_pdf(data, template=path, key=key, issuer=signer)
    except jinja2.TemplateError as exc:
        return Preview(None, [str(_l("The template cannot be rendered: %(error)s",
                                     error=str(exc)[:300]))])
    except (ValueError, OSError) as exc:  # the fetcher refused a file, a font is missing
        return Preview(None, [str(_l("The PDF cannot be made: %(error)s",
                                     error=str(exc)[:300]))])
    verdict = verify_pdf(pdf, [key.public_key()], issuer_certs=[signer.cert], template=path)
    return Preview(pdf, [] if verdict.ok else list(verdict.reasons) or [verdict.status],
                   verdict.status)


def publish(actor: User, course: Course, ip: str = "") -> CertificateTemplate:
    """Publish the draft once its sample certificate verifies (checked again now, whatever an
    earlier preview said); new certificates of the course use it from then on."""
    draft = draft_of(course)
    if draft is None:
        raise TemplateError(_l("There is no draft to publish: save the template first."))
    result = preview(course, draft.html)
    if not result.ok:
        raise TemplateError(_l("Not published: the preview certificate does not pass "
                               "`ldptrain certs verify`."), result.reasons)
    draft.state, draft.published_at, draft.author_id = "published", utcnow(), actor.id
    session.flush()
    record("certificate_template.published", actor=actor, target=course, ip=ip,
           details={"template_id": draft.id, "sha256": _digest(draft.html)})
    return draft


def discard_draft(actor: User, course: Course, ip: str = "") -> None:
    draft = draft_of(course)
    if draft is not None:
        session.delete(draft)
        record("certificate_template.draft_discarded", actor=actor, target=course, ip=ip,
               details={"template_id": draft.id})
