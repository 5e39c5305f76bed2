"""What a certificate says, and the payload that gets signed.

`CertificateData` is filled by the services layer (from the models) or by the CLI preview; the
PDF, the embedded signature and the Open Badges credential are all derived from it, so the
three can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ldptrain.thai import nfc

# v2 (PDF signatures) adds what the page prints and v1 left out: name_en, organisation_en and
# the signatory, so `certs verify` can check every line of the page against signed data.
PAYLOAD_VERSION = 2
Kind = Literal["course", "programme"]
Delivery = Literal["online", "blended"]


@dataclass(frozen=True)
class CourseLine:
    """One course listed on a programme certificate."""

    slug: str
    title_th: str
    title_en: str = ""
    hours: float | None = None


@dataclass(frozen=True)
class CertificateData:
    serial: str
    name: str  # as the trainee wants it printed, with honorific (นาย/นาง/นางสาว/ดร. ...)
    organisation: str
    course_slug: str
    course_title_th: str
    course_title_en: str
    content_version: str
    completed_on: dt.date
    issued_on: dt.date
    verify_url: str
    signatory_name: str
    signatory_title: str
    signatory_title_en: str = ""
    hours: float | None = None
    kind: Kind = "course"
    delivery: Delivery = "online"
    issuer_th: str = "กรมส่งเสริมการปกครองท้องถิ่น"
    issuer_en: str = "Department of Local Administration"
    issuer_url: str = ""
    # Where the keys are published, from the site root ("" = the well-known path at the root).
    keys_path: str = ""
    name_en: str = ""
    organisation_en: str = ""
    valid_until: dt.date | None = None
    courses: tuple[CourseLine, ...] = field(default_factory=tuple)
    # A logo for the header: a data: URI or a path inside the package/template folder.
    logo: str | None = None
    # The signatory's signature image, same forms as `logo` (optional).
    signature_image: str | None = None
    thai_digits: bool = True  # Thai government documents print dates and numbers in ๐-๙

    def __post_init__(self) -> None:
        # NFC everywhere: the signed bytes, the PDF text and the verify check must agree.
        for name in (
            "name",
            "organisation",
            "course_title_th",
            "course_title_en",
            "signatory_name",
            "signatory_title",
            "signatory_title_en",
            "issuer_th",
            "issuer_en",
            "name_en",
            "organisation_en",
        ):
            object.__setattr__(self, name, nfc(getattr(self, name)).strip())
        if self.kind not in ("course", "programme"):
            raise ValueError(f"kind must be course or programme: {self.kind!r}")
        if self.delivery not in ("online", "blended"):
            raise ValueError(f"delivery must be online or blended: {self.delivery!r}")
        if self.kind == "programme" and not self.courses:
            raise ValueError("a programme certificate lists its courses")

    def payload(self) -> dict[str, Any]:
        """The signed statement. Only JSON strings, integers, lists and objects: RFC 8785
        canonical form is then unambiguous in every language."""
        data: dict[str, Any] = {
            "v": PAYLOAD_VERSION,
            "serial": self.serial,
            "name": self.name,
            "organisation": self.organisation,
            "course": {
                "slug": self.course_slug,
                "title": {"th": self.course_title_th, "en": self.course_title_en},
                "version": self.content_version,
            },
            "completed": self.completed_on.isoformat(),
            "issued": self.issued_on.isoformat(),
            "issuer": {"th": self.issuer_th, "en": self.issuer_en},
            "kind": self.kind,
            "delivery": self.delivery,
            "verify": self.verify_url,
        }
        if self.hours is not None:
            # Hours as a string: floats are where canonical JSON implementations disagree.
            data["hours"] = hours_text(self.hours)
        if self.valid_until is not None:
            data["valid_until"] = self.valid_until.isoformat()
        if self.courses:
            data["courses"] = [c.slug for c in self.courses]
            data["course_titles"] = [{"th": c.title_th, "en": c.title_en} for c in self.courses]
        if not self.thai_digits:
            data["thai_digits"] = False
        if self.name_en:
            data["name_en"] = self.name_en
        if self.organisation_en:
            data["organisation_en"] = self.organisation_en
        data["signatory"] = {"name": self.signatory_name, "title": self.signatory_title,
                             "title_en": self.signatory_title_en}
        return data


def from_payload(payload: dict[str, Any]) -> CertificateData:
    """What a (v2) payload says the page shows: the verifier renders this and compares texts.
    Raises KeyError / ValueError / TypeError on a payload that lacks what a page needs."""
    course = payload["course"]
    signatory = payload.get("signatory") or {}
    slugs = payload.get("courses") or []
    titles = payload.get("course_titles") or [{} for _ in slugs]
    return CertificateData(
        serial=payload["serial"], name=payload["name"], organisation=payload["organisation"],
        course_slug=course["slug"], course_title_th=course["title"]["th"],
        course_title_en=course["title"]["en"], content_version=course["version"],
        completed_on=dt.date.fromisoformat(payload["completed"]),
        issued_on=dt.date.fromisoformat(payload["issued"]), verify_url=payload["verify"],
        signatory_name=signatory.get("name", ""), signatory_title=signatory.get("title", ""),
        signatory_title_en=signatory.get("title_en", ""),
        hours=float(payload["hours"]) if "hours" in payload else None, kind=payload["kind"],
        delivery=payload["delivery"], issuer_th=payload["issuer"]["th"],
        issuer_en=payload["issuer"]["en"], name_en=payload.get("name_en", ""),
        organisation_en=payload.get("organisation_en", ""),
        valid_until=dt.date.fromisoformat(payload["valid_until"])
        if "valid_until" in payload else None,
        courses=tuple(CourseLine(slug=slug, title_th=t.get("th", ""), title_en=t.get("en", ""))
                      for slug, t in zip(slugs, titles, strict=True)),
        thai_digits=payload.get("thai_digits", True),
    )


def signatory_warning(config: Mapping[str, Any]) -> str | None:
    """What `serve` and `certs preview` print while the instance's signatory is unset (issuing
    is then refused for every course without its own `signatory:` in course.md)."""
    missing = [key for key in ("LDPTRAIN_CERT_SIGNATORY_NAME", "LDPTRAIN_CERT_SIGNATORY_TITLE_TH")
               if not (config.get(key) or "").strip()]
    if not missing:
        return None
    return (f"{' and '.join(missing)} not set: certificates are refused for programmes and for "
            "every course without its own `signatory:` in course.md until "
            + ("it is" if len(missing) == 1 else "they are"))


def hours_text(hours: float) -> str:
    """Hours as printed and signed: `12`, `1.5` (no trailing `.0`)."""
    return str(int(hours)) if float(hours).is_integer() else f"{hours:g}"


def sample_certificate(**overrides: Any) -> CertificateData:
    """Sample data for `certs preview`, tests and the benchmark: a name, LAO and course title
    that all contain ำ, the hardest case for the PDF text layer."""
    values: dict[str, Any] = dict(
        serial="DLA-LDP-2569-000123",
        name="นางสาวกำไล คำแสง",
        name_en="Miss Kamlai Khamsaeng",
        organisation="องค์การบริหารส่วนตำบลตัวอย่าง",
        organisation_en="Sample Subdistrict Administrative Organization",
        course_slug="ldp-sfci",
        course_title_th="การจัดทำแผนพัฒนาท้องถิ่นที่บูรณาการหลักการเมืองยั่งยืนแห่งอนาคต (SFCI)",
        course_title_en="Local development plans integrating SFCI",
        content_version="1.0",
        hours=12,
        completed_on=dt.date(2026, 11, 25),
        issued_on=dt.date(2026, 11, 25),
        verify_url="https://training.example.go.th/verify/DLA-LDP-2569-000123",
        signatory_name="ชื่อผู้ลงนาม",
        signatory_title="อธิบดีกรมส่งเสริมการปกครองท้องถิ่น",
        signatory_title_en="Director-General, Department of Local Administration",
    )
    values.update(overrides)
    return CertificateData(**values)
