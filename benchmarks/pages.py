"""Benchmark: a module page against a bare Flask route returning the same HTML from memory, both
served by gunicorn (same worker count, both running, taking turns under load in alternating
rounds) on 127.0.0.1, plus the number of SQL queries one module page costs for a 5-module and a
40-module course.

    .venv/bin/python benchmarks/pages.py [--quick] [--workers N] [--seconds S] [--threads T]
                                         [--rounds R] [--database-url URL]

The load client is Python threads opening one connection per request (gunicorn's sync workers
close each connection), the same client for both servers. On a small machine the client competes
with the server for CPU, which caps the baseline more than the module page, so the ratio is an
upper estimate; compare runs on the same machine.

Last line: RESULT pages: ratio=... queries_per_page=... module_rps=... baseline_rps=...
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response

HERE = Path(__file__).resolve().parent
EMAIL, PASSWORD = "bench@example.org", "benchmark password 1"
SECRET = "bench-secret-key-not-for-production"
SMALL, LARGE = ("bench-5", 5), ("bench-40", 40)
PAGE = f"/courses/{LARGE[0]}/m/module-20"  # a module in the middle of the large course


def module_html(n: int) -> str:
    """About 14 KB of Thai text with headings, a list and a table: a typical module."""
    para = ("<p>แผนพัฒนาท้องถิ่นเป็นเครื่องมือสำคัญขององค์กรปกครองส่วนท้องถิ่นในการกำหนดทิศทาง"
            "การพัฒนาให้สอดคล้องกับหลักการเมืองยั่งยืนแห่งอนาคตและเป้าหมายการพัฒนาที่ยั่งยืน "
            "ข้อที่ 11 โดยอาศัยการมีส่วนร่วมของประชาชนและภาคีเครือข่าย</p>")
    parts = []
    for section in range(1, 7):
        parts.append(f'<h2 id="s{n}-{section}">ส่วนที่ {section} ของบทที่ {n}</h2>')
        parts.append(para * 3)
        parts.append("<ul>" + "<li>ประเด็นสำคัญของการจัดทำแผน</li>" * 4 + "</ul>")
    parts.append("<table><thead><tr><th>ขั้นตอน</th><th>ผู้รับผิดชอบ</th></tr></thead><tbody>"
                 + "<tr><td>ประชุมประชาคม</td><td>คณะกรรมการพัฒนาท้องถิ่น</td></tr>" * 6
                 + "</tbody></table>")
    return "".join(parts)


def _instance() -> Path:
    return Path(os.environ["LDPTRAIN_BENCH_INSTANCE"])


def bench_app() -> Flask:
    """The app gunicorn serves (``pages:bench_app()``)."""
    from ldptrain import create_app

    if os.environ.get("LDPTRAIN_BENCH_ACCESS_LOG"):  # --access-log: JSON lines as `serve` logs
        import logging

        from ldptrain.web.access_log import configure_stderr, log

        log.addHandler(logging.FileHandler(os.environ["LDPTRAIN_BENCH_ACCESS_LOG"]))
        configure_stderr()
    return create_app({"LDPTRAIN_DATABASE_URL": os.environ["LDPTRAIN_BENCH_DB"],
                       "LDPTRAIN_SECRET_KEY": SECRET, "LDPTRAIN_IMPORT_BUNDLED": False,
                       # Rate limiting on, as `ldptrain serve` runs (the page has no limit
                       # of its own, but every request passes Flask-Limiter's hooks).
                       "LDPTRAIN_RATELIMIT_STORAGE_URL": "memory://"},
                      instance_path=_instance())


def baseline_app() -> Flask:
    """A bare Flask route returning the module page HTML from memory (``pages:baseline_app()``)."""
    html = (_instance() / "page.html").read_text(encoding="utf-8")
    app = Flask("baseline")

    @app.get(PAGE)
    def page() -> Response:
        return Response(html, mimetype="text/html")

    return app


def seed(app: Flask) -> None:
    from sqlalchemy import inspect

    from ldptrain.db import Base, get_session
    from ldptrain.models import Course, Module, ModuleVersion
    from ldptrain.services import accounts, enrolment

    with app.app_context():
        session = get_session()
        if inspect(session.get_bind()).get_table_names():
            raise SystemExit("pages.py: --database-url must name an empty database")
        Base.metadata.create_all(session.get_bind())
        user = accounts.create_user(email=EMAIL, password=PASSWORD, name_th="ผู้ทดสอบ",
                                    language="th")
        for slug, count in (SMALL, LARGE):
            course = Course(slug=slug, code="BEN", title_th=f"หลักสูตร {count} บท",
                            title_en=f"{count}-module course", version="1", hours=count)
            session.add(course)
            session.flush()
            for n in range(1, count + 1):
                module = Module(course_id=course.id, slug=f"module-{n}", position=n)
                session.add(module)
                session.flush()
                version = ModuleVersion(
                    module_id=module.id, content_hash=f"{slug}-{n}", title_th=f"บทที่ {n}",
                    title_en=f"Module {n}", html_th=module_html(n), duration_minutes=45,
                    toc={"th": [{"level": 2, "id": f"s{n}-{s}", "text": f"ส่วนที่ {s}"}
                                for s in range(1, 7)]})
                session.add(version)
                session.flush()
                module.current_version_id = version.id
            enrolment.enrol(user, course)
        session.commit()


def count_queries(app: Flask) -> dict[str, tuple[int, int]]:
    """(first visit, revisit) SQL statements per module page, per course size."""
    from sqlalchemy import event

    from ldptrain.db import get_session

    with app.app_context():
        engine = get_session().get_bind()
    seen: list[str] = []

    def on_execute(*_args: Any) -> None:
        seen.append(_args[2])

    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)
    assert token, "no CSRF token on the login page"
    client.post("/login", data={"csrf_token": token.group(1), "email": EMAIL,
                                "password": PASSWORD})
    counts = {}
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        for slug, size in (SMALL, LARGE):
            url = f"/courses/{slug}/m/module-{min(3, size)}"
            seen.clear()
            assert client.get(url).status_code == 200
            first = len(seen)
            seen.clear()
            assert client.get(url).status_code == 200
            counts[slug] = (first, len(seen))
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    page = client.get(PAGE)
    assert page.status_code == 200
    (_instance() / "page.html").write_bytes(page.data)
    return counts


def cpu_per_request(app: Flask, n: int) -> dict[str, float]:
    """In-process CPU ms per request: the bare route; the floor of any signed-in ldptrain page
    (session, sign-in, language, CSRF, base.html), measured on a course-not-found page (one
    query, the error template); and the module page."""
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)
    assert token
    client.post("/login", data={"csrf_token": token.group(1), "email": EMAIL,
                                "password": PASSWORD})
    bare = baseline_app().test_client()
    pages = (("bare route", lambda: bare.get(PAGE), 200),
             ("signed-in 404 page", lambda: client.get("/courses/none/"), 404),
             ("module page", lambda: client.get(PAGE), 200))
    out = {}
    for name, get, status in pages:
        for _ in range(5):
            assert get().status_code == status
        start = time.process_time()
        for _ in range(n):
            get()
        out[name] = (time.process_time() - start) / n * 1000
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn in a subprocess on a free localhost port."""

    def __init__(self, target: str, workers: int, env: dict[str, str]) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b",
             f"127.0.0.1:{self.port}", "--chdir", str(HERE), "--log-level", "warning",
             # The worker settings `ldptrain serve` runs with, for both servers.
             "-c", "python:ldptrain.gunicorn_hooks", target],
            env=env)
        # Ready when a worker answers over HTTP (workers import the app after the port opens).
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                request(self.port, "GET", "/", {}, timeout=30)
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"gunicorn {target} exited") from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn {target} did not start")

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers so far (Linux /proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if pid == self.proc.pid or ppid == self.proc.pid:
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def request(port: int, method: str, path: str, headers: dict[str, str],
            body: str | None = None, timeout: float = 30) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def sign_in(port: int, headers: dict[str, str]) -> str:
    """A signed-in session cookie from the real server, as a browser would get it: with the
    same headers as the later requests (a different User-Agent trips Flask-Login's session
    protection, which then re-signs and re-sends the cookie on every request of a client that,
    unlike a browser, never stores the new one)."""
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/login", headers=headers)
    page = conn.getresponse()
    html = page.read().decode()
    cookie = (page.getheader("Set-Cookie") or "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token, "no CSRF token on the login page"
    body = urlencode({"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD})
    conn.request("POST", "/login", body=body, headers={
        **headers, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    done = conn.getresponse()
    done.read()
    assert done.status == 302, f"sign-in failed: {done.status}"
    cookie = (done.getheader("Set-Cookie") or cookie).split(";")[0]
    # Signing in gives the session a fresh CSRF secret on the first page with a form; a browser
    # stores that cookie once, so take it here.
    conn.request("GET", "/account/", headers={**headers, "Cookie": cookie})
    page = conn.getresponse()
    page.read()
    conn.close()
    return (page.getheader("Set-Cookie") or cookie).split(";")[0]


def load(server: Server, path: str, headers: dict[str, str], seconds: float, threads: int,
         max_requests: int) -> tuple[float, int, float]:
    """Requests per second over `seconds` (bounded by `max_requests`), errors, and the server's
    CPU ms per request (what the server costs, whatever else the machine is doing)."""
    port = server.port
    for _ in range(20):  # warm-up: both workers, templates, connection pools
        warm = request(port, "GET", path, headers, timeout=60)
        # A browser would store a new cookie; this client sends the same one throughout.
        assert not warm.getheader("Set-Cookie"), "the server re-sends the session cookie"
    cpu_before = server.cpu_seconds()
    done = [0] * threads
    errors = [0] * threads
    stop_at = time.monotonic() + seconds

    def worker(i: int) -> None:
        while time.monotonic() < stop_at and sum(done) < max_requests:
            if request(port, "GET", path, headers).status == 200:
                done[i] += 1
            else:
                errors[i] += 1

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    count = sum(done) + sum(errors)
    cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / count if count else 0.0
    return sum(done) / elapsed, sum(errors), cpu_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s per server instead of 10")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--database-url", default=None,
                        help="an EMPTY database to use (e.g. PostgreSQL); default: a temporary "
                        "SQLite file")
    parser.add_argument("--access-log", default=None, metavar="FILE",
                        help="write ldptrain's JSON access lines to FILE (e.g. /dev/null), "
                        "as `ldptrain serve` does on stderr")
    parser.add_argument("--rounds", type=int, default=None,
                        help="turns each server takes under load (default 5; 3 with --quick)")
    args = parser.parse_args()
    args.rounds = args.rounds or (3 if args.quick else 5)
    seconds = args.seconds or (3.0 if args.quick else 10.0)

    if args.access_log:
        os.environ["LDPTRAIN_BENCH_ACCESS_LOG"] = args.access_log
    with tempfile.TemporaryDirectory(prefix="ldp-bench-") as tmp:
        os.environ["LDPTRAIN_BENCH_INSTANCE"] = tmp
        os.environ["LDPTRAIN_BENCH_DB"] = (args.database_url
                                           or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        app = bench_app()
        seed(app)
        counts = count_queries(app)
        for name, ms in cpu_per_request(bench_app(), 50 if args.quick else 200).items():
            print(f"in-process CPU per request, {name:<20} {ms:6.2f} ms")
        with app.app_context():
            app.extensions["ldptrain"].db.engine.dispose()
        for slug, (first, again) in counts.items():
            print(f"SQL per module page, {slug:<9} first visit {first:3d}, revisit {again:3d}")
        queries = counts[LARGE[0]][1]
        constant = counts[SMALL[0]] == counts[LARGE[0]]
        print(f"queries constant across course sizes: {constant}")

        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(HERE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
        # Both servers run side by side and take turns under load, a short round each, so a
        # machine that speeds up or slows down during the run (a shared VM does) moves both.
        # The ratio is the median of the rounds' ratios.
        servers = {"baseline": Server("pages:baseline_app()", args.workers, env),
                   "module": Server("pages:bench_app()", args.workers, env)}
        try:
            headers = {"baseline": {"User-Agent": "ldptrain-bench"},
                       "module": {"User-Agent": "ldptrain-bench"}}
            headers["module"]["Cookie"] = sign_in(servers["module"].port, headers["module"])
            rounds: dict[str, list[tuple[float, int, float]]] = {"baseline": [], "module": []}
            for _ in range(args.rounds):
                for name, server in servers.items():
                    rounds[name].append(load(server, PAGE, headers[name],
                                             seconds / args.rounds, args.threads,
                                             args.max_requests))
        finally:
            for server in servers.values():
                server.stop()
    ratios = [m[0] / b[0] for b, m in zip(rounds["baseline"], rounds["module"], strict=True)
              if b[0]]
    results = {name: statistics.median(r[0] for r in runs) for name, runs in rounds.items()}
    server_cpu = {name: statistics.median(r[2] for r in runs) for name, runs in rounds.items()}
    for name, runs in rounds.items():
        print(f"{name:<9} {results[name]:8.1f} req/s (median of {len(runs)} rounds: "
              f"{', '.join(f'{r[0]:.0f}' for r in runs)}), server CPU {server_cpu[name]:5.2f} "
              f"ms/request, errors {sum(r[1] for r in runs)}  ({args.workers} gunicorn workers, "
              f"{args.threads} client threads, {seconds:.0f} s in all)")
    ratio = statistics.median(ratios) if ratios else 0.0
    print(f"ratio module/baseline {ratio:.2f} (goal >= 0.5; rounds: "
          f"{', '.join(f'{r:.2f}' for r in ratios)}); server CPU per request ratio "
          f"baseline/module {server_cpu['baseline'] / max(server_cpu['module'], 1e-9):.2f}")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(other work on the machine lowers req/s, not server CPU per request)")
    print(f"RESULT pages: ratio={ratio:.2f} queries_per_page={queries} "
          f"module_rps={results['module']:.1f} baseline_rps={results['baseline']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
