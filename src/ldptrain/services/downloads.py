"""Files made in the background for the person who asked for them: an organisation's
certificates as a ZIP. Rendering hundreds of signed PDFs takes minutes, so it never runs inside
a request: the request stores a Download and queues a job; the job renders and stores the file;
the requester's page shows it when ready. Files are deleted after DOWNLOAD_KEPT.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile

from sqlalchemy import delete, select

from ..db import session, utcnow
from ..models import Download, Job, JobState, Organisation, User
from .audit import record

ORGANISATION_CERTIFICATES = "organisation_certificates"
#: A made file is kept this long, then deleted (it holds many people's certificates).
DOWNLOAD_KEPT = dt.timedelta(days=1)
#: A request while the same file is still being made for the same person joins it.
_JOIN_WITHIN = dt.timedelta(minutes=30)
ZIP_JOB = "certificates.organisation_zip"


def prune(now: dt.datetime | None = None) -> int:
    """Delete files older than DOWNLOAD_KEPT; returns how many."""
    cutoff = (now or utcnow()) - DOWNLOAD_KEPT
    return session.execute(delete(Download).where(Download.created_at < cutoff)).rowcount or 0


def request_organisation_certificates(organisation: Organisation, requester: User, *,
                                      ip: str = "") -> Download:
    """Queue the ZIP of an organisation's valid certificates for `requester` (whose scope the
    caller has checked). The job runs once the caller's transaction commits."""
    from .. import tasks

    prune()
    pending = session.scalar(
        select(Download).where(Download.kind == ORGANISATION_CERTIFICATES,
                               Download.user_id == requester.id,
                               Download.organisation_id == organisation.id,
                               Download.ready_at.is_(None),
                               Download.created_at > utcnow() - _JOIN_WITHIN)
        .order_by(Download.id.desc()))
    if pending is not None and state(pending) in ("queued", "running"):
        return pending  # a second click joins the file already being made
    download = Download(kind=ORGANISATION_CERTIFICATES, user_id=requester.id,
                        organisation_id=organisation.id,
                        filename=f"certificates-{organisation.code}.zip",
                        media_type="application/zip")
    session.add(download)
    session.flush()
    download.job_id = tasks.enqueue(ZIP_JOB, download.id).id
    record("certificate.organisation_zip", actor=requester, target=organisation, ip=ip,
           organisation_id=organisation.id, details={"download": download.id})
    return download


def build_organisation_certificates(download_id: int) -> None:
    """The job: render every valid certificate of the organisation into one ZIP, one PDF at a
    time (a spooled temporary file holds the archive, not a list of PDFs)."""
    from .certificates import organisation_certificates, render_pdf

    download = session.get(Download, download_id)
    if download is None or download.ready_at is not None or download.organisation_id is None:
        return  # pruned, or made already (a duplicate hand-over)
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as buffer:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for cert in organisation_certificates(download.organisation_id):
                archive.writestr(f"{cert.serial}.pdf", render_pdf(cert))
                count += 1
        buffer.seek(0)
        data = buffer.read()
    download.data, download.size, download.items = data, len(data), count
    download.ready_at = utcnow()


def state(download: Download) -> str:
    """ready | queued | running | failed (the job gave up: an admin may retry it)."""
    if download.ready_at is not None:
        return "ready"
    job = session.get(Job, download.job_id) if download.job_id else None
    if job is None:
        return "failed"
    return str(job.state) if job.state != JobState.DONE else "failed"


def own(download_id: int, requester: User) -> Download | None:
    """The requester's own file (anyone else's is as good as absent), unless pruned."""
    download = session.get(Download, download_id)
    if download is None or download.user_id != requester.id:
        return None
    if download.created_at < utcnow() - DOWNLOAD_KEPT:
        return None
    return download


def recent(requester: User, organisation_id: int) -> list[Download]:
    return list(session.scalars(
        select(Download).where(Download.user_id == requester.id,
                               Download.organisation_id == organisation_id,
                               Download.created_at > utcnow() - DOWNLOAD_KEPT)
        .order_by(Download.id.desc()).limit(5)))
