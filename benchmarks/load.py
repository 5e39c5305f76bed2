"""Load with nothing lost: simulated trainees against the platform as it is deployed, then a check
of the database that every acknowledged write is there exactly once.

    .venv/bin/python benchmarks/load.py [--quick] [--mode postgresql|sqlite|both]
        [--trainees N] [--sqlite-trainees N] [--seconds S] [--ramp R] [--think T]
        [--workers N] [--threads T] [--database-url URL] [--redis-url URL]

Two modes, each on a fresh database, each server started and stopped here, on 127.0.0.1 only:
- postgresql: `ldptrain serve --workers 4` (gthread, 4 threads each) on a fresh schema of
  --database-url, rate limits and the job queue on Redis (--redis-url);
- sqlite: `ldptrain serve` as installed (SQLite in the instance folder, its default workers and
  threads, the embedded queue).

Each trainee (a thread, its own cookies, its own client address through X-Forwarded-For as behind
nginx, LDPTRAIN_TRUSTED_PROXIES=1) arrives at a random moment of the first --ramp seconds (two
thirds of the run unless told: a training room fills over minutes, not all at once) and: signs
in, reads three modules (a reader's think time on each page, --think seconds on average) marking
each complete, opens the final assessment, starts an attempt, autosaves three times, submits
(every answer right) and reads the result. The think time is planned so that the last arrival
finishes within the run; on a busy machine journeys may take longer, up to a hard stop at 2.5
times the run, after which no request is sent.

Even so this is far busier than a real room: a reader spends minutes on a module page, here a
few seconds, so 500 simulated trainees ask for about ten times what 500 real ones would.

Then the database is checked: every attempt whose submit was acknowledged is submitted, once,
with one answer per question; no trainee has more attempts than they started; every trainee whose
submit passed has exactly one completion (one audit entry) and exactly one certificate.

Prints throughput, p50/p95/p99 per step, every error and where the CPU went during the run (the
server's processes, PostgreSQL, Redis, this client: whether the machine was the limit); last line:
RESULT load: key=value ... (pg_* and sqlite_* figures). Exit 1 on any error or anything lost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

PASSWORD = "load test password 1"
COURSE, MODULES, QUESTIONS = "load-course", 3, 5
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RADIO_RE = re.compile(r'<input[^>]*type="radio"[^>]*>')
NAME_RE = re.compile(r'name="(q-\d+)"')
VALUE_RE = re.compile(r'value="([^"]*)"')
PAGE_STEPS = ("login page", "module page", "assessment page", "attempt page", "result page")
WRITE_STEPS = ("mark complete", "start attempt", "autosave", "submit")


# --- the platform -------------------------------------------------------------------------
def seed(instance: Path, database_url: str, trainees: int) -> None:
    """Schema, a course of three modules and a five-question final, `trainees` enrolled trainees
    (one password hash computed once and shared: seeding stays fast)."""
    from ldptrain import create_app
    from ldptrain.db import get_session, utcnow
    from ldptrain.models import (
        Assessment,
        AssessmentVersion,
        Course,
        Membership,
        Module,
        ModuleVersion,
        Organisation,
        Question,
    )
    from ldptrain.services import accounts, enrolment, organisations, schema

    app = create_app({"LDPTRAIN_DATABASE_URL": database_url, "LDPTRAIN_IMPORT_BUNDLED": False},
                     instance_path=instance)
    with app.app_context():
        engine = app.extensions["ldptrain"].db.engine
        schema.upgrade(engine)
        s = get_session()
        organisations.load_provinces()
        org = Organisation(code="5500101", name_th="องค์การบริหารส่วนตำบลทดสอบ",
                           name_en="Test SAO", type="sao", province_code="50")
        s.add(org)
        final = Assessment(slug=f"{COURSE}-final")
        s.add(final)
        s.flush()
        version = AssessmentVersion(assessment_id=final.id, number=1, content_hash="load-final",
                                    pass_mark=70, title_th="แบบทดสอบท้ายหลักสูตร")
        s.add(version)
        s.flush()
        for i in range(QUESTIONS):
            s.add(Question(assessment_version_id=version.id, key=f"q{i + 1}", position=i,
                           kind="single", points=1, scoring="all_or_nothing",
                           text_html_th=f"<p>คำถามที่ {i + 1}</p>", text_html_en=f"<p>Q{i + 1}</p>",
                           explanation_html_th="", explanation_html_en="", answers=[],
                           choices=[{"html_th": "ถูก", "html_en": "right", "correct": True},
                                    {"html_th": "ผิด", "html_en": "wrong", "correct": False}]))
        final.current_version_id = version.id
        course = Course(slug=COURSE, code="LOAD", title_th="หลักสูตรทดสอบภาระ",
                        title_en="Load course", version="1.0", hours=3, certificate=True,
                        final_assessment_id=final.id)
        s.add(course)
        s.flush()
        for n in range(1, MODULES + 1):
            module = Module(course_id=course.id, slug=f"module-{n}", position=n)
            s.add(module)
            s.flush()
            body = "".join(f"<h2 id='s{k}'>ส่วนที่ {k}</h2>" + "<p>เนื้อหาการจัดทำแผนพัฒนาท้องถิ่น"
                           "โดยการมีส่วนร่วมของประชาชน</p>" * 8 for k in range(1, 6))
            mv = ModuleVersion(module_id=module.id, number=1, content_hash=f"load-{n}",
                               title_th=f"บทที่ {n}", title_en=f"Module {n}", html_th=body,
                               html_en=body, duration_minutes=30,
                               toc={"th": [{"level": 2, "id": f"s{k}", "text": f"ส่วนที่ {k}"}
                                           for k in range(1, 6)]})
            s.add(mv)
            s.flush()
            module.current_version_id = mv.id
        first = accounts.create_user(email="trainee0@example.org", password=PASSWORD,
                                     name_th="ผู้เรียน 0", organisation_id=org.id)
        for i in range(trainees):
            user = first if i == 0 else accounts.create_user(
                email=f"trainee{i}@example.org", password=None, name_th=f"ผู้เรียน {i}",
                organisation_id=org.id)
            user.password_hash = first.password_hash
            s.add(Membership(user_id=user.id, organisation_id=org.id, status="confirmed",
                             confirmed_at=utcnow()))
            enrolment.enrol(user, course)
        s.commit()
        s.remove()
        engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`ldptrain serve` in its own process group (gunicorn master, workers, queue worker)."""

    def __init__(self, instance: Path, env: dict[str, str], workers: int | None,
                 threads: int | None = None) -> None:
        self.port = free_port()
        self.log = instance / "serve.log"
        args = [sys.executable, "-c", "from ldptrain.cli import main; main()",
                "--instance", str(instance), "serve", "--host", "127.0.0.1",
                "--port", str(self.port)]
        if workers:
            args += ["--workers", str(workers)]
        if threads:
            args += ["--threads", str(threads)]
        with self.log.open("wb") as sink:
            self.proc = subprocess.Popen(args, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/healthz", {}, timeout=10)[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {self.log.read_text()[-2000:]}")
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("serve did not start")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def cpu_seconds(server_group: int) -> dict[str, float]:
    """CPU time so far (user + system, children waited for included) of the server's process
    group, PostgreSQL's processes and Redis, from /proc: where a run's CPU went."""
    tick = os.sysconf("SC_CLK_TCK")
    spent = {"server": 0.0, "postgresql": 0.0, "redis": 0.0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        used = sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
        if int(fields[2]) == server_group:
            spent["server"] += used
        elif name.startswith("postgres"):
            spent["postgresql"] += used
        elif name.startswith("redis-server"):
            spent["redis"] += used
    return spent


def request(port: int, method: str, path: str, headers: dict[str, str], body: str | None = None,
            timeout: float = 60) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        found = {"location": response.getheader("Location") or "",
                 "set-cookie": "\n".join(v for k, v in response.getheaders()
                                         if k.lower() == "set-cookie")}
        return response.status, found, text
    finally:
        conn.close()


# --- one trainee --------------------------------------------------------------------------
class Trainee:
    def __init__(self, n: int, run: Run) -> None:
        self.n, self.run = n, run
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256 + 1}"
        self.submitted: int | None = None

    def call(self, step: str, method: str, path: str, form: dict[str, Any] | None = None,
             expect: tuple[int, ...] = (200,), ajax: bool = False) -> tuple[int, str, str]:
        if self.run.over():
            raise Stop
        headers = {"User-Agent": "ldptrain-load", "X-Forwarded-For": self.address,
                   "X-Forwarded-Proto": "http"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if ajax:
            headers["X-CSRFToken"] = self.token
            headers["X-Requested-With"] = "XMLHttpRequest"
        started = time.perf_counter()
        try:
            status, got, text = request(self.run.port, method, path, headers, body)
        except OSError as exc:
            self.run.error(step, f"{type(exc).__name__}: {exc}", path)
            raise Stop from exc
        self.run.timing(step, (time.perf_counter() - started) * 1000)
        for line in got["set-cookie"].splitlines():
            name, _, value = line.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        if status not in expect:
            snippet = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:160]
            self.run.error(step, f"HTTP {status}: {snippet}", path)
            raise Stop
        match = CSRF_RE.search(text)
        if match:
            self.token = match.group(1)
        return status, got["location"], text

    def think(self, factor: float = 1.0) -> None:
        self.run.sleep(random.uniform(0.5, 1.5) * self.run.think * factor)

    def journey(self) -> None:
        self.call("login page", "GET", "/login")
        self.think(0.5)
        self.call("sign-in", "POST", "/login", {"csrf_token": self.token, "email":
                  f"trainee{self.n}@example.org", "password": PASSWORD}, expect=(302,))
        for n in range(1, MODULES + 1):
            self.call("module page", "GET", f"/courses/{COURSE}/m/module-{n}")
            self.think()
            self.call("mark complete", "POST", f"/courses/{COURSE}/m/module-{n}/complete",
                      {"csrf_token": self.token}, expect=(302,))
        self.call("assessment page", "GET", f"/courses/{COURSE}/a/{COURSE}-final")
        self.think(0.5)
        _, where, _ = self.call("start attempt", "POST", f"/courses/{COURSE}/a/{COURSE}-final"
                                "/start", {"csrf_token": self.token}, expect=(302,))
        attempt = re.search(r"/attempts/(\d+)", where)
        if not attempt:
            self.run.error("start attempt", f"redirected to {where}, not an attempt", "")
            raise Stop
        path = f"/attempts/{attempt.group(1)}"
        _, _, page = self.call("attempt page", "GET", path)
        answers: dict[str, str] = {}
        for radio in RADIO_RE.findall(page):  # the first choice of each question is right
            name, value = NAME_RE.search(radio), VALUE_RE.search(radio)
            if name and value:
                answers.setdefault(name.group(1), value.group(1))
        if len(answers) != QUESTIONS:
            self.run.error("attempt page", f"{len(answers)} questions found", path)
            raise Stop
        chosen: dict[str, str] = {}
        for key in list(answers)[:3]:  # answered one by one, an autosave after each
            self.think(0.6)
            chosen[key] = answers[key]
            self.call("autosave", "POST", f"{path}/autosave", {"csrf_token": self.token,
                      **chosen}, ajax=True)
        self.think(0.6)
        self.call("submit", "POST", path, {"csrf_token": self.token, "action": "submit",
                                           **answers}, expect=(302,))
        self.submitted = int(attempt.group(1))  # acknowledged: the database must have it
        self.run.sleep(0.2)
        self.call("result page", "GET", path)


class Stop(Exception):
    """End this trainee's journey (the run is over, or a request failed: already recorded)."""


class Run:
    def __init__(self, port: int, seconds: float, trainees: int, ramp: float | None = None,
                 think: float | None = None) -> None:
        self.port, self.seconds, self.trainees = port, seconds, trainees
        # Arrivals spread over the ramp; the journey's 11 pauses fill 80 % of what is left of
        # the run after it, which leaves the rest for the requests themselves.
        self.ramp = seconds * 2 / 3 if ramp is None else min(ramp, seconds)
        self.think = (max(seconds - self.ramp, 1.0) * 0.8 / 11) if think is None else think
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[tuple[str, str, str]] = []
        self.start = time.monotonic()
        # Journeys are planned to fit in `seconds`; those slowed down by a busy machine may
        # finish until this hard stop, after which no request is sent.
        self.end = self.start + seconds * 2.5
        self.stopped = threading.Event()

    def over(self) -> bool:
        return time.monotonic() >= self.end

    def sleep(self, seconds: float) -> None:
        self.stopped.wait(min(seconds, max(0.0, self.end - time.monotonic())))

    def timing(self, step: str, ms: float) -> None:
        with self.lock:
            self.times[step].append(ms)

    def error(self, step: str, what: str, path: str) -> None:
        with self.lock:
            self.errors.append((step, what, path))

    def trainee(self, n: int) -> Trainee:
        person = Trainee(n, self)
        self.sleep(random.uniform(0, self.ramp))
        try:
            person.journey()
        except Stop:
            pass
        except Exception as exc:  # a bug in this client must show, not vanish in a thread
            self.error("client", f"{type(exc).__name__}: {exc}", "")
        return person


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- checking the database ----------------------------------------------------------------
def check(database_url: str, people: list[Trainee]) -> list[str]:
    """What was acknowledged and is not in the database exactly once."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    problems: list[str] = []
    with engine.connect() as conn:
        ids = {row.email: row.id for row in conn.execute(
            text("SELECT id, email FROM ldp_user WHERE email LIKE 'trainee%'"))}
        attempts = defaultdict(list)
        for row in conn.execute(text("SELECT id, user_id, status, submitted_at, passed "
                                     "FROM ldp_assessment_attempt")):
            attempts[row.user_id].append(row)
        answers = dict(conn.execute(text(
            "SELECT attempt_id, COUNT(*) FROM ldp_attempt_answer GROUP BY attempt_id")).all())
        duplicates = conn.execute(text(
            "SELECT COUNT(*) FROM (SELECT attempt_id, question_id FROM ldp_attempt_answer "
            "GROUP BY attempt_id, question_id HAVING COUNT(*) > 1) d")).scalar()
        completed = dict(conn.execute(text(
            "SELECT user_id, id FROM ldp_enrolment WHERE completed_at IS NOT NULL")).all())
        audits = defaultdict(int)
        for (target,) in conn.execute(text(
                "SELECT target_id FROM ldp_audit_event WHERE action = 'course.complete'")):
            audits[str(target)] += 1
        certificates = defaultdict(int)
        for (enrolment_id,) in conn.execute(text("SELECT enrolment_id FROM ldp_certificate")):
            certificates[enrolment_id] += 1
    engine.dispose()
    if duplicates:
        problems.append(f"{duplicates} answer(s) stored twice")
    for person in people:
        uid = ids[f"trainee{person.n}@example.org"]
        mine = attempts.get(uid, [])
        if len(mine) > 1:
            problems.append(f"trainee{person.n}: {len(mine)} attempts for one start")
        if person.submitted is None:
            continue
        row = next((a for a in mine if a.id == person.submitted), None)
        if row is None or row.status == "in_progress" or row.submitted_at is None:
            problems.append(f"trainee{person.n}: submitted attempt {person.submitted} lost")
            continue
        if answers.get(row.id) != QUESTIONS:
            problems.append(f"trainee{person.n}: attempt {row.id} has "
                            f"{answers.get(row.id, 0)} answers, not {QUESTIONS}")
        if not row.passed:
            problems.append(f"trainee{person.n}: attempt {row.id} not passed")
            continue
        enrolment_id = completed.get(uid)
        if enrolment_id is None:
            problems.append(f"trainee{person.n}: completion lost")
            continue
        if audits[str(enrolment_id)] != 1:
            problems.append(f"trainee{person.n}: {audits[str(enrolment_id)]} completions "
                            "recorded")
        if certificates[enrolment_id] != 1:
            problems.append(f"trainee{person.n}: {certificates[enrolment_id]} certificates")
    return problems


# --- a mode -------------------------------------------------------------------------------
def run_mode(mode: str, trainees: int, seconds: float, args: argparse.Namespace,
             tmp: Path) -> dict[str, Any]:
    instance = tmp / mode
    env = {**os.environ, "LDPTRAIN_TRUSTED_PROXIES": "1", "LDPTRAIN_IMPORT_BUNDLED": "false",
           "LDPTRAIN_CERT_SIGNATORY_NAME": "นายทดสอบ ลงนาม"}
    for key in ("LDPTRAIN_DATABASE_URL", "LDPTRAIN_QUEUE_URL", "LDPTRAIN_RATELIMIT_STORAGE_URL"):
        env.pop(key, None)
    pg_schema = None
    workers = None
    if mode == "postgresql":
        from sqlalchemy import create_engine, text

        pg_schema = f"ldp_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {pg_schema}"))
        sep = "&" if "?" in args.database_url else "?"
        url = f"{args.database_url}{sep}options=-csearch_path%3D{pg_schema}"
        env.update({"LDPTRAIN_DATABASE_URL": url, "LDPTRAIN_QUEUE_URL": args.redis_url,
                    "LDPTRAIN_QUEUE_NAME": pg_schema,
                    "LDPTRAIN_RATELIMIT_STORAGE_URL": args.redis_url})
        workers = args.workers or 4
    else:
        url = f"sqlite:///{instance / 'ldptrain.sqlite3'}"
    try:
        started = time.monotonic()
        seed(instance, url, trainees)
        print(f"[{mode}] seeded {trainees} trainees in {time.monotonic() - started:.1f} s",
              flush=True)
        server = Server(instance, env, workers, args.threads)
        try:
            for _ in range(4 * (workers or 2)):  # warm every worker: imports, templates
                request(server.port, "GET", "/login", {"User-Agent": "warm-up"})
            cpu_before, client_before = cpu_seconds(server.proc.pid), time.process_time()
            run = Run(server.port, seconds, trainees, args.ramp, args.think)
            with ThreadPoolExecutor(max_workers=trainees) as pool:
                people = list(pool.map(run.trainee, range(trainees)))
            elapsed = time.monotonic() - run.start
            cpu = {k: v - cpu_before[k] for k, v in cpu_seconds(server.proc.pid).items()}
            cpu["client"] = time.process_time() - client_before
        finally:
            server.stop()
        log = server.log.read_text(errors="replace")
        problems = check(url, people)
    finally:
        if pg_schema:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {pg_schema} CASCADE"))
            admin.dispose()
    return report(mode, trainees, run, people, problems, log, elapsed, workers, args.threads, cpu)


def report(mode: str, trainees: int, run: Run, people: list[Trainee], problems: list[str],
           log: str, elapsed: float, workers: int | None,
           threads: int | None = None, cpu: dict[str, float] | None = None) -> dict[str, Any]:
    total = sum(len(v) for v in run.times.values())
    shape = (f"gunicorn {workers or 'default'} workers x {threads or 'default'} threads"
             if workers or threads else "serve defaults")
    print(f"\n[{mode}] {trainees} trainees arriving over {run.ramp:.0f} s of a {run.seconds:.0f} s "
          f"run, think {run.think:.1f} s, {shape}: "
          f"{total} requests in {elapsed:.1f} s = {total / elapsed:.1f} req/s; "
          f"{sum(p.submitted is not None for p in people)} attempts submitted")
    print(f"  {'step':<16} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for step in ("sign-in", *PAGE_STEPS, *WRITE_STEPS):
        values = run.times.get(step)
        if values:
            print(f"  {step:<16} {len(values):>6} {percentile(values, 50):>8.0f} "
                  f"{percentile(values, 95):>8.0f} {percentile(values, 99):>8.0f} "
                  f"{max(values):>8.0f}")
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for step, what, path in run.errors:  # every error, alike ones counted on one line
        grouped[(step, what)].append(path)
    for (step, what), paths in sorted(grouped.items(), key=lambda kv: -len(kv[1])):
        print(f"  ERROR x{len(paths)} {step}: {what} ({', '.join(sorted(set(paths))[:3])})")
    served = []  # the access log's own durations: time in the app, not waiting for a worker
    for line in log.splitlines():
        if line.startswith('{"method"'):
            served.append(json.loads(line)["duration_ms"])
    if served:
        print(f"  server side (access log, {len(served)} requests): p50 "
              f"{percentile(served, 50):.0f} ms, p95 {percentile(served, 95):.0f} ms "
              "(the rest of the client's time is waiting for a free worker)")
    if cpu:  # whether the machine, not the platform, was the limit
        available = elapsed * (os.cpu_count() or 1)
        print(f"  CPU during the run: {sum(cpu.values()):.0f} s of the {available:.0f} s "
              f"{os.cpu_count()} CPUs had in {elapsed:.0f} s; "
              + ", ".join(f"{k} {v:.1f} s" for k, v in cpu.items())
              + f"; server {cpu['server'] * 1000 / max(total, 1):.1f} ms a request, "
              f"PostgreSQL {cpu['postgresql'] * 1000 / max(total, 1):.1f}, "
              f"this client {cpu['client'] * 1000 / max(total, 1):.1f}")
    locked = log.count("database is locked")
    tracebacks = log.count("Traceback (most recent call last)")
    print(f"  server log: {locked} 'database is locked', {tracebacks} tracebacks")
    for problem in problems:
        print(f"  LOST {problem}")
    pages = [v for s in PAGE_STEPS for v in run.times.get(s, [])]
    return {"errors": len(run.errors), "lost": len(problems), "locked": locked,
            "rps": round(total / elapsed, 1),
            "submitted": sum(p.submitted is not None for p in people),
            "page_p95_ms": round(percentile(pages, 95)) if pages else 0,
            "submit_p95_ms": round(percentile(run.times["submit"], 95))
            if run.times.get("submit") else 0,
            "signin_p95_ms": round(percentile(run.times["sign-in"], 95))
            if run.times.get("sign-in") else 0,
            "cpu_busy": round(sum(cpu.values()) / (elapsed * (os.cpu_count() or 1)), 2)
            if cpu else 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="CI size: 20 trainees for 15 s in each mode")
    parser.add_argument("--mode", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--trainees", type=int, default=None, help="PostgreSQL mode (500)")
    parser.add_argument("--sqlite-trainees", type=int, default=None, help="SQLite mode (100)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="per mode: the run, arrivals and journeys (180; quick 15)")
    parser.add_argument("--ramp", type=float, default=None,
                        help="seconds over which trainees arrive (two thirds of the run)")
    parser.add_argument("--think", type=float, default=None,
                        help="a reader's mean pause between pages, seconds (fits the journey "
                        "into the rest of the run)")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers in PostgreSQL mode (4)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (serve's default, 4)")
    parser.add_argument("--database-url", default=os.environ.get(
        "LDPTRAIN_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL database where a fresh schema may be made (dropped at the end)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13",
                        help="Redis for rate limits and the queue (PostgreSQL mode)")
    args = parser.parse_args()
    seconds = args.seconds or (15.0 if args.quick else 180.0)
    load_before = os.getloadavg()[0]
    sizes = {"postgresql": args.trainees or (20 if args.quick else 500),
             "sqlite": args.sqlite_trainees or (20 if args.quick else 100)}
    modes = ["postgresql", "sqlite"] if args.mode == "both" else [args.mode]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="ldp-load-") as tmp:
        for mode in modes:
            results[mode] = run_mode(mode, sizes[mode], seconds, args, Path(tmp))
    load_after = os.getloadavg()[0]
    print(f"\nload average (1 min): {load_before:.1f} before, {load_after:.1f} now, on "
          f"{os.cpu_count()} CPUs")
    fields = " ".join(f"{'pg' if mode == 'postgresql' else mode}_{key}={value}"
                      for mode, found in results.items() for key, value in found.items())
    fields += f" load_before={load_before:.1f} load_after={load_after:.1f}"
    print(f"RESULT load: {fields}")
    bad = any(r["errors"] or r["lost"] or r["locked"] for r in results.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
