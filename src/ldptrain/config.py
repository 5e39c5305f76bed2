"""Settings: every key is prefixed LDPTRAIN_ and can come from the environment.

The README's configuration table is generated from SETTINGS (``ldptrain config``), so the two
cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from flask import Flask


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("LDPTRAIN_DATABASE_URL", None,
            "SQLAlchemy URL. Standalone default: SQLite file `ldptrain.sqlite3` in the instance "
            "folder. Production: `postgresql+psycopg://user:pass@host/db`. Ignored when mounted "
            "with a host `db`."),
    Setting("LDPTRAIN_SECRET_KEY", None,
            "Signs sessions, CSRF tokens and reset links. Standalone generates one into "
            "`instance/secret_key` when unset; mounted, the host's SECRET_KEY is used."),
    Setting("LDPTRAIN_BASE_URL", "",
            "Public base URL (e.g. `https://training.dla.go.th`), used in certificates, QR codes "
            "and e-mails. Empty: taken from the request."),
    Setting("LDPTRAIN_TRUSTED_PROXIES", 0,
            "Reverse proxies in front of `ldptrain serve` whose X-Forwarded-For/-Proto/-Host "
            "headers are trusted (1 behind nginx), so rate limits and links see the real client. "
            "Mounted, the host configures this."),
    Setting("LDPTRAIN_DEFAULT_LANGUAGE", "th", "Language for visitors who have not chosen one."),
    Setting("LDPTRAIN_IMPORT_BUNDLED", True,
            "Import the bundled DLA courses on first start (`ldptrain serve`)."),
    Setting("LDPTRAIN_LOAD_SAMPLE_ORGS", True,
            "Load the provinces and the sample organisation register on first start."),
    Setting("LDPTRAIN_MAIL_SERVER", "",
            "SMTP host. Empty: e-mails are kept in the outbox for admins (`/admin/outbox`) and "
            "account commands print the links."),
    Setting("LDPTRAIN_MAIL_PORT", 587, "SMTP port."),
    Setting("LDPTRAIN_MAIL_USERNAME", "", "SMTP user."),
    Setting("LDPTRAIN_MAIL_PASSWORD", "", "SMTP password (set it in the environment only)."),
    Setting("LDPTRAIN_MAIL_USE_TLS", True, "STARTTLS for SMTP."),
    Setting("LDPTRAIN_MAIL_SENDER", "ldptrain@localhost", "From address of e-mails."),
    Setting("LDPTRAIN_QUEUE_URL", "",
            "Job queue (mail and other background work). Empty: a SQLite file "
            "`ldptrain-queue.sqlite3` in the instance folder (one host). `redis://host:6379/1`: "
            "shared by several hosts. `immediate`: jobs run in the process that queues them "
            "(development only)."),
    Setting("LDPTRAIN_QUEUE_NAME", "ldptrain",
            "Name of the queue, so several sites can share one Redis."),
    Setting("LDPTRAIN_QUEUE_RETRY_DELAY", 30,
            "Seconds before a failed job's first retry; each later retry waits twice as long."),
    Setting("LDPTRAIN_PRUNE_AFTER_DAYS", 30,
            "Days finished background jobs and sent e-mails are kept; the worker deletes older "
            "ones daily (0: keep them). Failed jobs and held or failed e-mails are kept until "
            "an admin deals with them."),
    Setting("LDPTRAIN_EMBEDDED_WORKER", True,
            "`ldptrain serve` also runs one job worker. Turn off when `ldptrain worker` runs "
            "as a service of its own."),
    Setting("LDPTRAIN_SESSION_IDLE_MINUTES", 30,
            "A sign-in ends after this many minutes without a request (shared office "
            "computers); \"remember me\" sign-ins are not ended for idleness."),
    Setting("LDPTRAIN_SESSION_HOURS", 12,
            "A sign-in ends this many hours after it began, however active."),
    Setting("LDPTRAIN_REMEMBER_DAYS", 14,
            "A \"remember me\" sign-in ends this many days after it began."),
    Setting("LDPTRAIN_RATELIMIT_STORAGE_URL", "",
            "Where rate-limit counters live. Empty: `ldptrain serve` keeps them in a file all "
            "its workers share (ADR 0010), a single process in memory. "
            "`redis://127.0.0.1:6379/0`: shared by several hosts."),
    Setting("LDPTRAIN_SIGNIN_PER_ADDRESS", "600/5 minutes",
            "Sign-in attempts from one network address (a training room of 200 shares one); "
            "each account is protected by its own limit and lockout."),
    Setting("LDPTRAIN_SIGNUP_PER_ADDRESS", "400/5 minutes",
            "Sign-ups from one network address (a training room signs up together)."),
    Setting("LDPTRAIN_LOCKOUT_AFTER", 5,
            "Failed sign-ins in a row before an account is locked for a minute; each further "
            "failure doubles the wait (at most LDPTRAIN_LOCKOUT_MAX_MINUTES)."),
    Setting("LDPTRAIN_LOCKOUT_MAX_MINUTES", 60, "The longest a failed sign-in locks an account."),
    Setting("LDPTRAIN_MAX_REQUEST_BYTES", 2 * 1024 * 1024,
            "Largest request body ldptrain accepts (forms, API calls); larger gets a 413 page."),
    Setting("LDPTRAIN_MAX_UPLOAD_BYTES", 6 * 1024 * 1024,
            "Largest request body of a file upload (people CSV import, certificate PDF check: "
            "a 5 MB file and its form)."),
    Setting("LDPTRAIN_CERT_PREFIX", "DLA", "First part of certificate serials."),
    Setting("LDPTRAIN_CERT_ISSUER_TH", "กรมส่งเสริมการปกครองท้องถิ่น",
            "Issuer named on certificates (Thai)."),
    Setting("LDPTRAIN_CERT_ISSUER_EN", "Department of Local Administration",
            "Issuer named on certificates (English)."),
    Setting("LDPTRAIN_CERT_SIGNATORY_NAME", "",
            "Signatory's name printed on certificates (Thai, with prefix)."),
    Setting("LDPTRAIN_CERT_SIGNATORY_TITLE_TH", "อธิบดีกรมส่งเสริมการปกครองท้องถิ่น",
            "Signatory's position (Thai)."),
    Setting("LDPTRAIN_CERT_SIGNATORY_TITLE_EN", "Director-General, Department of Local "
            "Administration", "Signatory's position (English)."),
    Setting("LDPTRAIN_CERT_TEMPLATE", None,
            "Path of a customised certificate template (HTML); default: the bundled "
            "`ldptrain/certificates/certificate.html`. Check it with `ldptrain certs preview`."),
    Setting("LDPTRAIN_CERT_SIGNATORY_IMAGE", None,
            "Path of the signatory's signature image (PNG/JPEG) drawn above the name; optional."),
    Setting("LDPTRAIN_CERT_ISSUER_P12", None,
            "PKCS#12 file with the key and certificate that PDF-sign certificates (e.g. from "
            "DLA's CA); default: a self-signed one made in the instance folder."),
    Setting("LDPTRAIN_CERT_ISSUER_CERT", None,
            "Instead of a PKCS#12 file: PEM certificate (then its chain) that PDF-signs."),
    Setting("LDPTRAIN_CERT_ISSUER_KEY", None, "PEM private key of LDPTRAIN_CERT_ISSUER_CERT."),
    Setting("LDPTRAIN_CERT_ISSUER_PASSWORD", None,
            "Password of the PKCS#12 file or PEM key (set it in the environment only)."),
    Setting("LDPTRAIN_CERT_TRUST_ROOTS", None,
            "PEM file of CA certificates (DLA's root): `certs verify` and /verify accept PDF "
            "signatures that chain to them."),
    Setting("LDPTRAIN_CERT_TSA_URL", None,
            "RFC 3161 timestamp authority URL: PDF signatures become PAdES B-T (else B-B)."),
    Setting("LDPTRAIN_HEARTBEAT_SECONDS", 60,
            "Seconds between the heartbeats of a visible module page (engagement time); a "
            "revisit or a beat writes the time at most every half of this. Lower it only for "
            "tests."),
    Setting("LDPTRAIN_PAGE_SHELLS", 512,
            "Module pages each worker keeps rendered, with holes for what is personal "
            "(about 20 KB each); 0 renders every page in full."),
    Setting("LDPTRAIN_PRIVACY_VERSION", "2569-1",
            "Version of the privacy notice trainees consent to; a new version asks again."),
    # Mounted in a host (docs/host-integration.md)
    Setting("LDPTRAIN_LANGUAGE_FROM_HOST", False,
            "Mounted: ldptrain's pages follow the host's Flask-Babel locale selector (and hide "
            "ldptrain's language switch). Off: ldptrain's own rule (the user's saved choice, "
            "else the browser's, else LDPTRAIN_DEFAULT_LANGUAGE)."),
    Setting("LDPTRAIN_CSP_EXTRA", "",
            "Mounted: sources a host layout needs in ldptrain's Content-Security-Policy, e.g. "
            "`script-src https://cdn.example; style-src https://cdn.example` (or a dict in the "
            "app's config). Inline scripts use `nonce=\"{{ ldp_csp_nonce() }}\"`."),
    Setting("LDPTRAIN_WELL_KNOWN_AT_ROOT", False,
            "Mounted: serve the certificate keys at the site root "
            "(`/.well-known/ldptrain-certificate-keys.json`...) instead of under the prefix."),
)

DEFAULTS: dict[str, Any] = {s.key: s.default for s in SETTINGS}


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    return raw


def from_environ(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The LDPTRAIN_* settings present in the environment, typed like their defaults."""
    environ = dict(os.environ if environ is None else environ)
    return {s.key: _coerce(environ[s.key], s.default) for s in SETTINGS if s.key in environ}


def apply_defaults(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)


def settings_table() -> str:
    rows = ["| Setting | Default | Meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = "" if s.default in (None, "") else f"`{s.default}`"
        rows.append(f"| `{s.key}` | {default} | {s.help} |")
    return "\n".join(rows)
