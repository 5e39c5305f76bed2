"""`ldptrain certs ...`: preview a (customised) certificate template, verify a PDF offline.

The lead mounts `certs` under the main `ldptrain` group. When a database is configured, the
parent group puts a status lookup into `ctx.meta[STATUS_LOOKUP_META]` (a callable
serial -> RegistryStatus) and `certs verify` then also reports revoked / superseded / unknown.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ldptrain.certificates.data import sample_certificate
from ldptrain.certificates.pdf import render_certificate_pdf
from ldptrain.certificates.signing import (
    key_id,
    load_existing_key,
    load_or_create_key,
    load_public_key,
)
from ldptrain.certificates.verify import StatusLookup, VerificationResult, verify_pdf

STATUS_LOOKUP_META = "ldptrain.certificates.status_lookup"
EXIT_GENUINE, EXIT_FORGED, EXIT_UNREADABLE, EXIT_NOT_VALID = 0, 1, 3, 4
_EXIT = {
    "genuine": EXIT_GENUINE,
    "forged": EXIT_FORGED,
    "altered": EXIT_FORGED,
    "unreadable": EXIT_UNREADABLE,
    "unsigned": EXIT_UNREADABLE,
}
_VERDICT = {
    "genuine": "GENUINE: signed by the issuer's key and unaltered",
    "forged": "FORGED: not signed by the issuer's key",
    "altered": "ALTERED: this PDF differs from what the issuer signed",
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
def preview(out: Path, template: Path | None, instance: Path | None) -> None:
    """Render the certificate template with sample data (a Thai name with ำ, a Thai LAO and
    the ldp-sfci course)."""
    key = load_or_create_key(instance) if instance else Ed25519PrivateKey.generate()
    out.write_bytes(render_certificate_pdf(sample_certificate(), template=template, key=key))
    click.echo(
        f"wrote {out} ({out.stat().st_size:,} bytes), signed with key {key_id(key)}"
        + ("" if instance else " (throwaway preview key)")
    )


def run_verify(
    pdf_path: Path, public_key: Ed25519PublicKey, *, status_lookup: StatusLookup | None = None
) -> tuple[int, VerificationResult]:
    """Verify and print a report; returns (exit code, result). `status_lookup` is the hook
    for the database status check (revoked / superseded / unknown)."""
    result = verify_pdf(pdf_path.read_bytes(), public_key, status_lookup=status_lookup)
    payload = result.payload or {}
    course = payload.get("course") if isinstance(payload.get("course"), dict) else {}
    rows = [
        ("serial", payload.get("serial")),
        ("name", payload.get("name")),
        ("organisation", payload.get("organisation")),
        ("course", (course or {}).get("title", {}).get("th") if course else None),
        ("course version", (course or {}).get("version") if course else None),
        ("completed", payload.get("completed")),
        ("issued", payload.get("issued")),
        (
            "kind / delivery",
            f"{payload.get('kind')} / {payload.get('delivery')}" if payload else None,
        ),
        ("valid until", payload.get("valid_until")),
        ("signed by key", result.kid),
    ]
    click.echo(f"file: {pdf_path}")
    for label, value in rows:
        if value:
            click.echo(f"  {label + ':':<17} {value}")
    if status_lookup is None:
        click.echo("  (registry status not checked: no database configured)")
    for reason in result.reasons:
        click.echo(f"  - {reason}")
    click.echo(_VERDICT[result.status])
    return _EXIT.get(result.status, EXIT_NOT_VALID), result


@certs.command("verify")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The issuer's public key: PEM, JWK or JWK set (as published). "
    "Default: the key in the instance folder.",
)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    help="Instance folder holding the signing key (default: $LDPTRAIN_INSTANCE or ./instance).",
)
@click.pass_context
def verify(ctx: click.Context, pdf: Path, public_key: Path | None, instance: Path | None) -> None:
    """Check a certificate PDF offline. Exit 0 only if genuine and unaltered (and, with a
    database, not revoked); 1 forged or altered; 3 unreadable or unsigned; 4 expired, revoked,
    superseded or unknown."""
    try:
        if public_key is not None:
            key = load_public_key(public_key.read_bytes())
        else:
            key = load_existing_key(instance or _default_instance()).public_key()
    except (OSError, ValueError, StopIteration) as exc:
        raise click.UsageError(f"cannot load the issuer's public key: {exc}") from exc
    code, _ = run_verify(pdf, key, status_lookup=ctx.meta.get(STATUS_LOOKUP_META))
    ctx.exit(code)
