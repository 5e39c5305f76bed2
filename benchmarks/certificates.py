"""Benchmark: render + sign certificate PDFs (Thai shaping, ำ text-layer repair, QR code,
signed attachment), against a baseline measured in the same run: the same engine (WeasyPrint)
rendering a one-line Latin-text PDF.

    .venv/bin/python benchmarks/certificates.py [--quick] [--count N] [--memory N]

Memory: after the timings, N more certificates (1,000; 100 with --quick) are rendered and signed
in the same process, and the growth of peak RSS (and of current RSS) over them is reported: a
long-running worker must not grow with the number of certificates (goal: < 10 MB per 1,000).

Last line: RESULT certificates: ms_per_cert=... peak_rss_mb=... baseline_ms=... ratio=...
rss_growth_mb=...
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from ldptrain.certificates.data import sample_certificate
from ldptrain.certificates.issuer import IssuerSettings, ensure_issuer
from ldptrain.certificates.pdf import (
    FONTS_DIR,
    PackageOnlyFetcher,
    render_certificate_pdf,
    render_html,
)
from ldptrain.certificates.serials import format_serial
from ldptrain.certificates.signing import load_or_create_key
from ldptrain.certificates.verify import verify_pdf

NAMES = ("นางสาวกำไล คำแสง", "นายสมชาย ใจดี", "นางน้ำฝน ทองคำ", "ดร.ประเสริฐ ศรีสุข")


def timed(label: str, count: int, make: Callable[[int], bytes]) -> tuple[float, float]:
    """Mean wall-clock ms and mean CPU ms (this process) per document. CPU time is reported
    too because the team's shared VM is often busy: it barely moves with other load."""
    for i in range(3):  # warm-up: font loading, caches
        make(i)
    times, size = [], 0
    cpu_start = time.process_time()
    for i in range(count):
        start = time.perf_counter()
        size = len(make(i))
        times.append((time.perf_counter() - start) * 1000)
    cpu_ms = (time.process_time() - cpu_start) * 1000 / count
    ms = statistics.fmean(times)
    print(
        f"{label:<34} {ms:8.1f} ms/doc wall (median {statistics.median(times):.1f}), "
        f"{cpu_ms:6.1f} ms CPU, n={count}, last PDF {size / 1024:.1f} KiB"
    )
    return ms, cpu_ms


def current_rss_mb() -> float:
    """Resident set size now (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except OSError:
        return peak_rss_mb()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def memory_growth(count: int, make: Callable[[int], bytes]) -> tuple[float, float]:
    """Growth of peak and of current RSS (MB) over `count` certificates, after a warm-up that
    fills the caches a worker keeps (fonts, templates, the signer)."""
    for i in range(20):
        make(i)
    peak0, now0 = peak_rss_mb(), current_rss_mb()
    marks = []
    for i in range(count):
        make(i)
        if (i + 1) % max(count // 5, 1) == 0:
            marks.append(f"{i + 1}: {current_rss_mb() - now0:+.1f}")
    peak, now = peak_rss_mb() - peak0, current_rss_mb() - now0
    print(f"memory over {count} certificates: peak RSS {peak:+.1f} MB, current RSS {now:+.1f} MB "
          f"(current after n: {', '.join(marks)} MB)")
    return peak, now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 certificates instead of 200")
    parser.add_argument("--count", type=int, help="number of certificates")
    parser.add_argument("--memory", type=int,
                        help="certificates for the memory growth (default 1000; 100 --quick)")
    args = parser.parse_args()
    count = args.count or (20 if args.quick else 200)
    memory_count = args.memory if args.memory is not None else (100 if args.quick else 1000)
    folder = tempfile.mkdtemp(prefix="ldptrain-bench-")
    key = load_or_create_key(folder)
    issuer = ensure_issuer(IssuerSettings(Path(folder)))  # PAdES signing is part of the cost

    def certificate(i: int) -> bytes:
        serial = format_serial("DLA", "LDP", 2569, i + 1)
        data = sample_certificate(
            name=NAMES[i % len(NAMES)],
            serial=serial,
            verify_url=f"https://training.example.go.th/verify/{serial}",
        )
        return render_certificate_pdf(data, key=key, issuer=issuer)

    html, search = render_html(sample_certificate())
    # Same reuse of the font configuration as render_certificate_pdf, so the rows compare.
    engine_fonts, baseline_fonts = FontConfiguration(), FontConfiguration()

    def weasyprint_only(i: int) -> bytes:
        fetcher = PackageOnlyFetcher([*search, FONTS_DIR])
        document = HTML(string=html, base_url=search[0].as_uri() + "/", url_fetcher=fetcher)
        return document.write_pdf(font_config=engine_fonts)

    def baseline(i: int) -> bytes:
        document = HTML(string="<p>Certificate of completion</p>")
        return document.write_pdf(font_config=baseline_fonts)

    base_ms, base_cpu = timed("baseline: WeasyPrint, 1 Latin line", count, baseline)
    engine_ms, engine_cpu = timed(
        "same certificate, WeasyPrint only", max(count // 4, 5), weasyprint_only
    )
    cert_ms, cert_cpu = timed("certificate: render+repair+sign", count, certificate)
    sample = certificate(0)
    start = time.perf_counter()
    for _ in range(10):
        assert verify_pdf(sample, key.public_key(), issuer_certs=[issuer.cert]).ok
    verify_ms = (time.perf_counter() - start) * 100
    print(f"{'verify_pdf (offline)':<34} {verify_ms:8.1f} ms/doc")
    print(
        f"overhead of text repair + signing + attachment: {cert_ms - engine_ms:.1f} ms/doc wall, "
        f"{cert_cpu - engine_cpu:.1f} ms CPU"
    )
    print(f"load average while running: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    peak_mb = peak_rss_mb()
    growth, current_growth = memory_growth(memory_count, certificate) if memory_count else (0, 0)
    print(
        f"RESULT certificates: ms_per_cert={cert_ms:.1f} peak_rss_mb={peak_mb:.1f} "
        f"baseline_ms={base_ms:.1f} ratio={cert_ms / base_ms:.2f} verify_ms={verify_ms:.1f} "
        f"cpu_ms_per_cert={cert_cpu:.1f} cpu_baseline_ms={base_cpu:.1f} "
        f"rss_growth_mb={growth:.1f} rss_now_growth_mb={current_growth:.1f} "
        f"rss_growth_over={memory_count}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
