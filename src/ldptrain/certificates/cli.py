"""`ldptrain certs ...`: preview a (customised) certificate template, verify a PDF, manage the
PDF-signing issuer certificate, re-sign issued certificates.

The lead mounts `certs` under the main `ldptrain` group. When a database is configured, the
parent group puts a status lookup into `ctx.meta[STATUS_LOOKUP_META]` (a callable
serial -> RegistryStatus) and `certs verify` then also reports revoked / superseded / unknown;
`--online URL` asks an instance's public verify JSON instead.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ldptrain.certificates.data import sample_certificate, signatory_warning
from ldptrain.certificates.issuer import (
    IssuerError,
    IssuerSettings,
    ensure_issuer,
    load_certificates,
    published_certificates,
)
from ldptrain.certificates.pdf import render_certificate_pdf
from ldptrain.certificates.signing import (
    key_id,
    load_existing_key,
    load_or_create_key,
    load_public_keys,
)
from ldptrain.certificates.verify import (
    RegistryStatus,
    StatusLookup,
    VerificationResult,
    verify_pdf,
)

STATUS_LOOKUP_META = "ldptrain.certificates.status_lookup"
EXIT_GENUINE, EXIT_ALTERED, EXIT_UNREADABLE, EXIT_NOT_VALID, EXIT_LEGACY = 0, 1, 3, 4, 5
EXIT_FORGED = EXIT_ALTERED  # the old name
_EXIT = {
    "genuine": EXIT_GENUINE,
    "legacy": EXIT_LEGACY,
    "altered": EXIT_ALTERED,
    "unreadable": EXIT_UNREADABLE,
    "unsigned": EXIT_UNREADABLE,
}
_VERDICT = {
    "genuine": "GENUINE: PDF signed by the issuer, unchanged, and the page says exactly what "
               "was signed",
    "legacy": "SIGNED PAYLOAD, ISSUED BEFORE PDF SIGNATURES: the embedded data is signed by "
              "the issuer and the page shows it, but the file itself carries no PDF signature",
    "altered": "ALTERED: this PDF is not what the issuer signed",
    "unreadable": "UNREADABLE: cannot read this file as a certificate",
    "unsigned": "UNSIGNED: no ldptrain signature in this PDF",
    "expired": "EXPIRED: genuine, but past its validity date",
    "revoked": "REVOKED: genuine, but revoked by the issuer",
    "superseded": "SUPERSEDED: genuine, but replaced by a newer certificate",
    "unknown": "UNKNOWN: genuine signature, but the serial is not in the registry",
}


def _default_instance() -> Path:
    return Path(os.environ.get("LDPTRAIN_INSTANCE", "instance"))


@click.group("certs")
def certs() -> None:
    """Completion certificates: preview the template, verify a PDF."""


@certs.command("preview")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the sample PDF.",
)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A customised certificate.html (files beside it may be used too).",
)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    help="Sign with this instance's key (created if missing). "
    "Default: a throwaway key, so the preview never touches real keys.",
)
@click.pass_context
def preview(ctx: click.Context, out: Path, template: Path | None,
            instance: Path | None) -> None:
    """Render the certificate template with sample data (a Thai name with ำ, a Thai LAO and
    the ldp-sfci course), PDF-signed like a real one."""
    config = _app_config(ctx)
    overrides = {}
    warning = signatory_warning(config)
    if warning is None:
        overrides = {"signatory_name": config["LDPTRAIN_CERT_SIGNATORY_NAME"],
                     "signatory_title": config.get("LDPTRAIN_CERT_SIGNATORY_TITLE_TH", ""),
                     "signatory_title_en": config.get("LDPTRAIN_CERT_SIGNATORY_TITLE_EN", "")}
    else:
        click.echo(f"warning: {warning}. The preview shows a placeholder signatory.", err=True)
    with tempfile.TemporaryDirectory(prefix="ldptrain-preview-") as throwaway:
        # Without --instance, throwaway keys: a preview never touches real ones.
        folder = instance or Path(throwaway)
        key = load_or_create_key(folder) if instance else Ed25519PrivateKey.generate()
        issuer = ensure_issuer(IssuerSettings(folder))
        out.write_bytes(render_certificate_pdf(sample_certificate(**overrides),
                                               template=template, key=key, issuer=issuer))
    click.echo(
        f"wrote {out} ({out.stat().st_size:,} bytes), signed with key {key_id(key)}"
        + ("" if instance else " (throwaway preview keys)")
    )


def _app_config(ctx: click.Context) -> dict[str, Any]:
    """The instance's configuration when run under `ldptrain` (empty when run standalone)."""
    info = ctx.find_root().obj
    if info is None or not hasattr(info, "load_app"):
        return {}
    try:
        return dict(info.load_app().config)
    except Exception:  # no configured app: the command works from its options alone
        return {}


def run_verify(
    pdf_path: Path,
    public_keys: Ed25519PublicKey | list[Ed25519PublicKey],
    *,
    status_lookup: StatusLookup | None = None,
    **checks: Any,
) -> tuple[int, VerificationResult]:
    """Verify and print a report; returns (exit code, result). `checks` go to `verify_pdf`
    (issuer_certs, trust_roots, template)."""
    result = verify_pdf(pdf_path.read_bytes(), public_keys, status_lookup=status_lookup,
                        **checks)
    payload = result.payload or {}
    course = payload.get("course") if isinstance(payload.get("course"), dict) else {}
    rows = [
        ("serial", payload.get("serial")),
        ("name", payload.get("name")),
        ("organisation", payload.get("organisation")),
        ("course", (course or {}).get("title", {}).get("th") if course else None),
        ("completed", payload.get("completed")),
        ("kind / delivery",
         f"{payload.get('kind')} / {payload.get('delivery')}" if payload else None),
        ("valid until", payload.get("valid_until")),
        ("payload key", result.kid),
        ("PDF signed by", result.pdf_signature.signer if result.pdf_signature else None),
        ("PDF signed at", result.pdf_signature.signed_at if result.pdf_signature else None),
    ]
    click.echo(f"file: {pdf_path}")
    for label, value in rows:
        if value:
            click.echo(f"  {label + ':':<17} {value}")
    if status_lookup is None:
        click.echo("  (registry status not checked: no database configured; use --online URL)")
    elif result.registry is not None:
        click.echo(f"  {'registry:':<17} {result.registry.state}"
                   + (f" ({result.registry.detail})" if result.registry.detail else ""))
    for reason in result.reasons:
        click.echo(f"  - {reason}")
    click.echo(_VERDICT[result.status])
    return _EXIT.get(result.status, EXIT_NOT_VALID), result


def online_lookup(base_url: str) -> StatusLookup:
    """Registry status from an instance's public verify JSON (`<base>/verify/<serial>.json`)."""

    def lookup(serial: str) -> RegistryStatus:
        url = f"{base_url.rstrip('/')}/verify/{urllib.parse.quote(serial)}.json"
        try:
            with urllib.request.urlopen(url, timeout=15) as response:  # noqa: S310 (http/https)
                data = json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return RegistryStatus("unknown", f"{url}: no such certificate")
            raise click.ClickException(f"cannot ask the registry at {url}: {exc}") from exc
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"cannot ask the registry at {url}: {exc}") from exc
        state = data.get("state", "unknown")
        if state not in ("valid", "revoked", "superseded", "unknown", "expired"):
            state = "unknown"
        detail = " ".join(str(data[k]) for k in ("revoked_on", "revoked_reason", "expires_on")
                          if data.get(k) and state != "valid")
        return RegistryStatus(state, detail)

    return lookup


@certs.command("verify")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The issuer's payload key(s): PEM, JWK or JWK set (as published). "
    "Default: the key in the instance folder.",
)
@click.option(
    "--issuer-cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The issuer's published PDF-signing certificate(s) (PEM). "
    "Default: those of the instance folder.",
)
@click.option(
    "--trust-roots",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="LDPTRAIN_CERT_TRUST_ROOTS",
    help="CA certificates (PEM, e.g. DLA's root): accept PDF signers that chain to them.",
)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="LDPTRAIN_CERT_TEMPLATE",
    help="The certificate template the instance uses, if customised.",
)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    help="Instance folder holding the keys (default: $LDPTRAIN_INSTANCE or ./instance).",
)
@click.option("--online", "online", metavar="URL",
              help="Also ask this instance (its base URL, e.g. https://training.dla.go.th) "
                   "whether the certificate is valid, revoked or expired.")
@click.pass_context
def verify(ctx: click.Context, pdf: Path, public_key: Path | None, issuer_cert: Path | None,
           trust_roots: Path | None, template: Path | None, instance: Path | None,
           online: str | None) -> None:
    """Check a certificate PDF. Exit 0 only if GENUINE (and, with a registry, valid);
    1 altered or forged; 3 unreadable or unsigned; 4 expired, revoked, superseded or unknown;
    5 signed payload from before PDF signatures."""
    folder = instance or _default_instance()
    try:
        if public_key is not None:
            keys = load_public_keys(public_key.read_bytes())
        else:
            keys = [load_existing_key(folder).public_key()]
        if issuer_cert is not None:
            issuers = load_certificates(issuer_cert.read_bytes())
        else:
            issuers = published_certificates(IssuerSettings(folder))
        roots = load_certificates(trust_roots.read_bytes()) if trust_roots else []
    except (OSError, ValueError, StopIteration, IssuerError) as exc:
        raise click.UsageError(f"cannot load the issuer's keys: {exc}") from exc
    lookup = online_lookup(online) if online else ctx.meta.get(STATUS_LOOKUP_META)
    code, _ = run_verify(pdf, keys, status_lookup=lookup, issuer_certs=issuers,
                         trust_roots=roots, template=template)
    ctx.exit(code)


@certs.command("init-issuer")
@click.pass_context
def init_issuer(ctx: click.Context) -> None:
    """Create the self-signed PDF-signing certificate now (else the first issue does), and
    publish the configured one."""
    from flask import current_app

    from ldptrain.services.certificates import issuer_settings

    with ctx.find_root().obj.load_app().app_context():
        issuer = ensure_issuer(issuer_settings())
        click.echo(f"issuer certificate {issuer.fingerprint} "
                   f"({issuer.cert.subject.rfc4514_string()}) in {current_app.instance_path}")


@certs.command("rotate-issuer")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def rotate_issuer_command(ctx: click.Context, yes: bool) -> None:
    """Replace the self-signed PDF-signing key and certificate. Certificates downloaded from
    now on are signed with the new one; the old certificate stays published, so PDFs signed
    with it keep verifying. Its private key is deleted."""
    from ldptrain.certificates.issuer import rotate_issuer
    from ldptrain.services.audit import record
    from ldptrain.services.certificates import issuer_settings

    if not yes:
        click.confirm("Replace the PDF-signing key and certificate?", abort=True)
    with ctx.find_root().obj.load_app().app_context():
        try:
            old, new = rotate_issuer(issuer_settings())
        except IssuerError as exc:
            raise click.ClickException(str(exc)) from exc
        from ldptrain.db import get_session

        record("certificate.rotate_issuer", details={
            "old": old.fingerprint if old else None, "new": new.fingerprint,
            "by": "cli", "host": os.uname().nodename})
        get_session().commit()
    click.echo(f"new issuer certificate {new.fingerprint}"
               + (f"; {old.fingerprint} stays published" if old else ""))


@certs.command("resign")
@click.argument("serials", nargs=-1)
@click.option("--all", "everything", is_flag=True,
              help="Every valid certificate issued before PDF signatures (payload v1).")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
@click.option("--now", is_flag=True,
              help="Re-sign here and wait, instead of queueing a background job.")
@click.pass_context
def resign_command(ctx: click.Context, serials: tuple[str, ...], everything: bool,
                   reason: str, now: bool) -> None:
    """Re-sign issued certificates with the same serials: today's payload version (PDF
    signatures, current course title and signatory), audit-logged. Runs as a background job
    (`ldptrain worker`, or the one `serve` starts) unless --now."""
    from ldptrain.db import get_session
    from ldptrain.services import certificate_pdfs as service

    if not serials and not everything:
        raise click.UsageError("name SERIAL... or --all")
    origin = f"cli@{os.uname().nodename}"
    with ctx.find_root().obj.load_app().app_context():
        try:
            job = service.start_resign(list(serials) or None, reason=reason, actor=None,
                                       origin=origin)
            if now:
                get_session().rollback()  # no job: the same work, here
                count = service.run_resign(list(serials) or None, reason, None, origin)
            else:
                get_session().commit()
        except service.CertificateError as exc:
            get_session().rollback()
            raise click.ClickException(str(exc)) from exc
    if now:
        click.echo(f"re-signed {count} certificate(s)")
    else:
        click.echo(f"queued as background job {job.id}; `ldptrain jobs list` or the admin's "
                   "background jobs page shows its progress")
