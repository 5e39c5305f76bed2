"""The learning half of the demo simulation: enrolments, module progress, attempts with answers,
completions and certificates, for one trainee at a time (see ``services/demo.py``).

Behaviour is drawn from a few per-trainee traits (ability, keenness) so that scores, drop-out,
retries and completion times vary the way a real cohort's do; nothing happens after ``as_of``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Table, select

from ..certificates.data import CertificateData, CourseLine
from ..certificates.serials import format_serial
from ..certificates.signing import sign_payload
from ..models import (
    Assessment,
    AssessmentVersion,
    Course,
    Module,
    ModuleVersion,
    Programme,
    Question,
    SerialCounter,
)
from ..services.engagement import required_seconds
from ..thai import be_year

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from .generate import Writer

BANGKOK = dt.timezone(dt.timedelta(hours=7))
REVOKED_REASON = "ออกเกียรติบัตรผิดพลาด (ข้อมูลตัวอย่าง)"


@dataclass(frozen=True)
class CertSettings:
    """What the certificates service takes from the app config, for the demo's certificates."""

    prefix: str = "DLA"
    verify_base: str = "/verify/"  # the serial is appended
    issuer_th: str = "กรมส่งเสริมการปกครองท้องถิ่น"
    issuer_en: str = "Department of Local Administration"
    issuer_url: str = ""
    signatory_name: str = ""
    signatory_title: str = "อธิบดีกรมส่งเสริมการปกครองท้องถิ่น"
    signatory_title_en: str = "Director-General, Department of Local Administration"
    key: Ed25519PrivateKey | None = None  # None: certificates are left unsigned


# --- the catalogue already in the database -------------------------------------------------------
class Json(str):
    """JSON already serialised: the writer stores it as is (the same few responses recur
    millions of times, and encoding each again is most of the cost)."""

    @classmethod
    def of(cls, value: Any) -> Json:
        return cls(json.dumps(value, ensure_ascii=False))


@dataclass(frozen=True, slots=True)
class CatQuestion:
    id: int
    points: float
    n: int  # choices
    right_json: Json  # the response that earns the points
    wrong_json: list[Json]  # responses that do not
    ease: float = 0.0  # added to the trainee's chance: some questions are easier than others
    wrong_weights: tuple[float, ...] = ()  # how tempting each wrong response is


def question_traits(question_id: int, n_wrong: int) -> tuple[float, tuple[float, ...]]:
    """A question's ease and its distractors' pull, fixed by its id so reruns agree: most
    questions sit near the trainee's ability, a few are much easier or harder; one distractor
    usually draws most wrong answers and about one question in five has one nobody picks, as
    item analysis of real banks shows."""
    rng = random.Random(question_id)
    ease = max(-0.45, min(0.3, rng.gauss(0.0, 0.18)))
    weights = [rng.choice((1.0, 0.5, 0.25)) for _ in range(n_wrong)]
    if n_wrong > 1 and rng.random() < 0.2:
        weights[rng.randrange(n_wrong)] = 0.0
    return ease, tuple(weights)


@lru_cache(maxsize=16)
def _permutations(n: int) -> tuple[tuple[int, ...], ...]:
    return tuple(itertools.permutations(range(n))) if n <= 7 else ()


def shuffled(rng: random.Random, n: int) -> tuple[int, ...]:
    """A random order of n choices (random.sample on a range is slow for this many calls)."""
    perms = _permutations(n)
    if perms:
        return perms[int(rng.random() * len(perms))]
    order = list(range(n))
    rng.shuffle(order)
    return tuple(order)


@dataclass
class CatAssessment:
    id: int
    version_id: int
    pass_mark: float
    attempts: int | None
    time_limit: int | None
    draw: int | None
    shuffle: bool
    questions: list[CatQuestion]


@dataclass
class CatModule:
    id: int
    version_id: int | None
    minutes: int
    assessment: CatAssessment | None


@dataclass
class CatCourse:
    id: int
    slug: str
    code: str
    title_th: str
    title_en: str
    version: str
    hours: float
    prerequisites: list[str]
    certificate: bool
    valid_years: int | None
    modules: list[CatModule]
    final: CatAssessment | None
    min_time: int = 0  # completion: {min_time: N%} of each module's duration; 0 = no rule


def load_catalogue(conn: Connection) -> list[CatCourse]:
    """The live courses with their current module and assessment versions."""
    questions: dict[int, list[CatQuestion]] = defaultdict(list)
    q = table_of(Question)
    for row in conn.execute(select(q.c.id, q.c.assessment_version_id, q.c.kind, q.c.points,
                                   q.c.choices, q.c.answers).order_by(q.c.position, q.c.id)):
        choices = row.choices or []
        if row.kind == "short":
            right_json = Json.of({"text": (row.answers or [""])[0]})
            wrong_json = [Json.of({"text": "ไม่ทราบ"})]
        elif row.kind in ("ordering", "matching"):
            right_json = Json.of({"slots": list(range(len(choices)))})
            # Wrong: two neighbours swapped.
            wrong_json = [Json.of({"slots": [i + 1 if k == i else i if k == i + 1 else k
                                              for k in range(len(choices))]})
                          for i in range(len(choices) - 1)] or [right_json]
        else:
            right = [i for i, c in enumerate(choices) if c.get("correct")]
            right_json = Json.of({"choices": right})
            wrong_json = [Json.of({"choices": [i]}) for i in range(len(choices))
                          if i not in right] or [right_json]
        ease, weights = question_traits(row.id, len(wrong_json))
        questions[row.assessment_version_id].append(
            CatQuestion(row.id, float(row.points), len(choices), right_json, wrong_json, ease,
                        weights if any(weights) else (1.0,) * len(wrong_json)))
    a, av = table_of(Assessment), table_of(AssessmentVersion)
    assessments = {
        r.id: CatAssessment(r.id, r.vid, float(r.pass_mark), r.attempts_allowed,
                          r.time_limit_minutes, r.draw, bool(r.shuffle), questions[r.vid])
        for r in conn.execute(select(a.c.id, av.c.id.label("vid"), av.c.pass_mark,
                                     av.c.attempts_allowed, av.c.time_limit_minutes, av.c.draw,
                                     av.c.shuffle).join(av, av.c.id == a.c.current_version_id)
                              .where(a.c.retired.is_(False)))}
    m, mv = table_of(Module), table_of(ModuleVersion)
    modules: dict[int, list[CatModule]] = defaultdict(list)
    for r in conn.execute(select(m.c.id, m.c.course_id, mv.c.id.label("vid"),
                                 mv.c.duration_minutes, mv.c.assessment_id)
                          .outerjoin(mv, mv.c.id == m.c.current_version_id)
                          .where(m.c.retired.is_(False)).order_by(m.c.course_id, m.c.position)):
        modules[r.course_id].append(CatModule(r.id, r.vid, r.duration_minutes or 30,
                                            assessments.get(r.assessment_id)))
    c = table_of(Course)
    return [CatCourse(r.id, r.slug, r.code or r.slug[:8].upper(), r.title_th, r.title_en,
                    r.version, float(r.hours), list(r.prerequisites or []), bool(r.certificate),
                    r.certificate_valid_years, modules[r.id],
                    assessments.get(r.final_assessment_id), int(r.min_time_percent or 0))
            for r in conn.execute(select(c).where(c.c.retired.is_(False))
                                  .order_by(c.c.order, c.c.id))]



@dataclass
class CatProgramme:
    id: int
    slug: str
    code: str
    title_th: str
    title_en: str
    courses: list[str]


def load_programmes(conn: Connection) -> list[CatProgramme]:
    p = table_of(Programme)
    return [CatProgramme(r.id, r.slug, r.code or "PROG", r.title_th, r.title_en,
                         list(r.course_slugs or []))
            for r in conn.execute(select(p).where(p.c.retired.is_(False),
                                                  p.c.certificate.is_(True)).order_by(p.c.id))]


def table_of(model: Any) -> Table:
    """A model's Table, typed as such (``__table__`` is typed as a plain FromClause)."""
    return cast(Table, model.__table__)


def lognormal_minutes(rng: random.Random, median: float, sigma: float = 0.6) -> dt.timedelta:
    return dt.timedelta(minutes=median * math.exp(rng.gauss(0, sigma)))


class Learning:
    """Mixed into the demo World, which provides the attributes declared here."""

    rng: random.Random
    w: Writer
    t: dict[str, Table]
    as_of: dt.datetime
    courses: list[CatCourse]
    programmes: list[CatProgramme]
    answers: bool
    certs: list[tuple[Any, ...]]
    attempt_no: dict[tuple[int, int], int]
    completions: int
    orgs: list[tuple[int, str, str, str, str]]

    def learn(self, uid: int, person: dict[str, Any],
              history: list[tuple[int, dt.datetime, dt.datetime | None]], signup: dt.datetime,
              trainer: bool) -> dt.datetime:
        """Enrolments in the courses, in catalogue order; returns the last moment of activity."""
        rng = self.rng
        ability = min(0.98, max(0.35, rng.gauss(0.74, 0.12)))
        keen = min(0.99, max(0.5, rng.gauss(0.9, 0.08)))  # chance to go on to the next module
        done: dict[str, tuple[dt.datetime, int]] = {}
        last = signup
        for index, course in enumerate(self.courses):
            chance = (0.9, 0.45)[index] if index < 2 else 0.25
            if rng.random() >= (max(chance, 0.8) if trainer else chance):
                continue
            if course.prerequisites:
                if not all(slug in done for slug in course.prerequisites):
                    continue
                after = max(done[slug][0] for slug in course.prerequisites)
                begin = after + lognormal_minutes(rng, 7 * 1440, 0.8)
            elif index == 0:
                begin = signup + lognormal_minutes(rng, 20)
            else:
                begin = signup + (self.as_of - signup) * rng.random() * 0.6
            if begin >= self.as_of:
                continue
            org = next(o for o, since, until in history if until is None or begin < until)
            finished, seen, eid = self.enrol(uid, course, org, begin, ability, keen)
            last = max(last, seen)
            if finished is not None:
                done[course.slug] = (finished, org)
                self.certs.append((finished, course, uid, person, org, eid))
        for programme in self.programmes:
            if programme.courses and all(slug in done for slug in programme.courses):
                when, org = max(done[slug] for slug in programme.courses)
                self.certs.append((when, programme, uid, person, org, None))
        return last

    def enrol(self, uid: int, course: CatCourse, org: int, begin: dt.datetime, ability: float,
              keen: float) -> tuple[dt.datetime | None, dt.datetime, int]:
        rng, w = self.rng, self.w
        eid = w.new_id(self.t["ldp_enrolment"])
        t, seen, last_module, finished, best = begin, begin, None, None, None
        all_done = True
        for number, module in enumerate(course.modules):
            t += lognormal_minutes(rng, 3 if number == 0 else 1440, 1.0)
            # Some never start (about 8%); others stop between modules.
            if t >= self.as_of or rng.random() > (0.92 if number == 0 else keen):
                all_done = False
                break
            started, last_module = t, module.id
            reading = lognormal_minutes(rng, module.minutes, 0.5)
            # Time measured on the module (services/engagement.py), as the platform would have
            # counted it: a reader who stopped short of the course's minimum time came back and
            # read on before the module could count (and its quiz complete it), so completed
            # modules meet the rule and their certificates print the course's hours.
            required = dt.timedelta(seconds=required_seconds(module.minutes, course.min_time))
            if reading < required:
                reading = required + dt.timedelta(seconds=rng.uniform(15, 240))
            t = started + reading
            completed = None
            if module.assessment is not None:
                passed, t, _ = self.attempts(uid, eid, module.assessment, t, ability, 0.88)
                completed = t if passed else None
            elif t < self.as_of:
                completed = t
            seen = max(seen, min(t, self.as_of - dt.timedelta(seconds=1)))
            spent = min(reading, self.as_of - started).total_seconds()
            w.add(self.t["ldp_module_progress"], {
                "id": w.new_id(self.t["ldp_module_progress"]), "enrolment_id": eid,
                "module_id": module.id, "module_version_id": module.version_id,
                "started_at": started, "last_seen_at": seen, "completed_at": completed,
                "seconds_spent": max(0, int(spent))})
            if completed is None:
                all_done = False
                break
        if all_done:
            if course.final is not None:
                t += lognormal_minutes(rng, 600, 1.0)
                passed, t, best = self.attempts(uid, eid, course.final, t, ability, 0.75)
                seen = max(seen, min(t, self.as_of - dt.timedelta(seconds=1)))
                finished = t if passed else None
            else:
                finished = t
        status, withdrawn = ("completed", None) if finished else ("active", None)
        if finished is None and rng.random() < 0.08 and \
                seen + dt.timedelta(days=30) < self.as_of:
            status = "withdrawn"
            withdrawn = seen + (self.as_of - seen) * rng.uniform(0.1, 0.9)
        self.completions += finished is not None
        w.add(self.t["ldp_enrolment"], {
            "id": eid, "user_id": uid, "course_id": course.id, "organisation_id": org,
            "status": status, "enrolled_at": begin, "withdrawn_at": withdrawn,
            "completed_at": finished, "completion_source": "online" if finished else None,
            "last_module_id": last_module, "best_score": best})
        return finished, max(seen, withdrawn or seen), eid

    def attempts(self, uid: int, eid: int, a: CatAssessment, t: dt.datetime, ability: float,
                 persist: float) -> tuple[bool, dt.datetime, float | None]:
        """Attempts until a pass, the attempt limit or giving up; (passed, time, best score)."""
        rng, w, best = self.rng, self.w, None
        limit = a.attempts if a.attempts is not None else 6
        table = self.t["ldp_assessment_attempt"]
        for _ in range(limit):
            if t >= self.as_of:
                return False, t, best
            key = (uid, a.id)
            number = self.attempt_no[key] = self.attempt_no.get(key, 0) + 1
            started = t
            drawn = rng.sample(a.questions, min(a.draw, len(a.questions))) if a.draw \
                else list(a.questions)
            spent = lognormal_minutes(rng, 0.8 * max(1, len(drawn)), 0.5)
            deadline = started + dt.timedelta(minutes=a.time_limit) if a.time_limit else None
            if deadline is not None:
                spent = min(spent, deadline - started)
            submitted = started + spent
            layout = [{"q": q.id, "order": list(shuffled(rng, q.n) if a.shuffle else range(q.n))}
                      for q in drawn]
            aid = w.new_id(table)
            row = {"id": aid, "user_id": uid, "assessment_id": a.id,
                   "assessment_version_id": a.version_id, "enrolment_id": eid, "number": number,
                   "status": "in_progress", "started_at": started, "deadline_at": deadline,
                   "submitted_at": None, "layout": layout, "points": None, "max_points": None,
                   "score": None, "passed": None}
            if submitted >= self.as_of:  # still answering when the window closes
                w.add(table, row)
                return False, self.as_of, best
            p = min(0.99, ability + 0.07 * (number - 1))
            points = max_points = 0.0
            answer_table = self.t["ldp_attempt_answer"]
            for q in drawn:
                correct = rng.random() < min(0.99, max(0.03, p + q.ease))
                max_points += q.points
                points += q.points if correct else 0.0
                if self.answers:
                    w.add(answer_table, {
                        "id": w.new_id(answer_table), "attempt_id": aid, "question_id": q.id,
                        "response": q.right_json if correct
                        else rng.choices(q.wrong_json, q.wrong_weights)[0],
                        "saved_at": submitted, "correct": correct,
                        "points_awarded": q.points if correct else 0.0})
            score = round(100 * points / max_points, 2) if max_points else 0.0
            passed = score >= a.pass_mark
            row.update(status="submitted", submitted_at=submitted, points=points,
                       max_points=max_points, score=score, passed=passed)
            w.add(table, row)
            best = score if best is None else max(best, score)
            t = submitted
            if passed:
                return True, t, best
            if rng.random() > persist:
                return False, t, best
            t += lognormal_minutes(rng, 1440, 1.2)
        return False, t, best

    # -- certificates --
    def make_certificates(self, conn: Connection,
                          settings: CertSettings) -> tuple[int, dict[str, int]]:
        """Certificates in completion order, so serial numbers rise with time in each series,
        shaped and signed like the certificates service's; returns (count, last number per
        series)."""
        table, rng, w = self.t["ldp_certificate"], self.rng, self.w
        counters = {r.series: r.last_value for r in conn.execute(select(table_of(SerialCounter)))}
        serials: dict[str, int] = {}
        names = {oid: (th, en) for oid, _, _, th, en in self.orgs}
        by_slug = {c.slug: c for c in self.courses}
        made = 0
        for when, what, uid, person, org, eid in sorted(self.certs, key=lambda c: (c[0], c[2])):
            course = what if isinstance(what, CatCourse) else None
            if course is not None and not course.certificate:
                continue
            issued = when + dt.timedelta(seconds=rng.uniform(1, 5))
            code = course.code if course else what.code
            year = be_year(issued.astimezone(BANGKOK).date())
            series = f"{settings.prefix}-{code}-{year}"
            number = serials[series] = serials.get(series, counters.get(series, 0)) + 1
            serial = format_serial(settings.prefix, code, year, number)
            completed_on = when.astimezone(BANGKOK).date()
            years = course.valid_years if course else None
            valid_until = add_years(completed_on, years) if years else None
            lines = () if course else tuple(
                CourseLine(slug=s, title_th=by_slug[s].title_th, title_en=by_slug[s].title_en,
                           hours=by_slug[s].hours) for s in what.courses if s in by_slug)
            org_th, org_en = names.get(org, ("", ""))
            data = CertificateData(
                serial=serial, name=person["name_th"], name_en=person["name_en"],
                organisation=org_th, organisation_en=org_en,
                course_slug=(course or what).slug, course_title_th=(course or what).title_th,
                course_title_en=(course or what).title_en,
                content_version=course.version if course else "", completed_on=completed_on,
                issued_on=issued.astimezone(BANGKOK).date(),
                verify_url=settings.verify_base + serial, signatory_name=settings.signatory_name,
                signatory_title=settings.signatory_title,
                signatory_title_en=settings.signatory_title_en,
                hours=course.hours if course else sum(c.hours or 0 for c in lines),
                kind="course" if course else "programme", issuer_th=settings.issuer_th,
                issuer_en=settings.issuer_en, issuer_url=settings.issuer_url,
                valid_until=valid_until, courses=lines)
            payload = data.payload()
            revoked = rng.random() < 0.003 and issued + dt.timedelta(days=2) < self.as_of
            w.add(table, {
                "id": w.new_id(table), "serial": serial, "kind": data.kind, "user_id": uid,
                "course_id": course.id if course else None,
                "programme_id": None if course else what.id, "enrolment_id": eid,
                "organisation_id": org, "status": "revoked" if revoked else "valid",
                "delivery": "online", "completed_at": when, "issued_at": issued,
                "expires_at": (dt.datetime.combine(valid_until, dt.time(23, 59, 59), BANGKOK)
                               if valid_until else None),
                "revoked_at": issued + dt.timedelta(days=2) if revoked else None,
                "revoked_reason": REVOKED_REASON if revoked else "", "superseded_by_id": None,
                "payload": payload,
                "signature": sign_payload(payload, settings.key) if settings.key else "",
                "details": {"name_en": data.name_en, "organisation_en": data.organisation_en,
                            "signatory_name": data.signatory_name,
                            "signatory_title": data.signatory_title,
                            "signatory_title_en": data.signatory_title_en,
                            "issuer_url": data.issuer_url,
                            "courses": [c.__dict__ for c in lines], "demo": True}})
            made += 1
        return made, serials


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
