"""The demo simulation's world: the organisation register, DLA staff and the trainees, with the
calendar they act in (see ``services/demo.py``; learning is in ``demo_learning.py``).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from bisect import bisect
from collections import defaultdict
from collections.abc import Sequence
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from ..models import (
    AssessmentAttempt,
    AttemptAnswer,
    Certificate,
    Enrolment,
    Membership,
    ModuleProgress,
    Organisation,
    RoleAssignment,
    User,
)
from ..thai import nfc
from .learning import BANGKOK, CatCourse, CatProgramme, Learning, table_of

if TYPE_CHECKING:
    from .generate import Writer

WINDOW_DAYS = 730
# DLA's counts of about November 2023 (docs: data/README.md); smaller runs keep the proportions.
REAL_COUNTS = {"pao": 76, "city_municipality": 30, "town_municipality": 195,
               "subdistrict_municipality": 2247, "sao": 5300, "bma": 1, "pattaya": 1}
TYPE_DIGIT = {"pao": "2", "city_municipality": "3", "town_municipality": "4",
              "subdistrict_municipality": "5", "sao": "6", "pattaya": "7"}
TYPE_NAME = {"pao": ("องค์การบริหารส่วนจังหวัด", "Provincial Administrative Organisation"),
             "city_municipality": ("เทศบาลนคร", "City Municipality"),
             "town_municipality": ("เทศบาลเมือง", "Town Municipality"),
             "subdistrict_municipality": ("เทศบาลตำบล", "Subdistrict Municipality"),
             "sao": ("องค์การบริหารส่วนตำบล", "Subdistrict Administrative Organisation")}
# How many trainees an organisation sends, relative to the others: big ones have more staff.
STAFF_WEIGHT = {"pao": 30, "city_municipality": 60, "town_municipality": 20,
                "subdistrict_municipality": 9, "sao": 7, "bma": 400, "pattaya": 40}
# Districts (อำเภอ) per province: a proxy for how many LAOs a province has.
DISTRICTS = {int(k): int(v) for k, v in (p.split(":") for p in """
11:6 12:6 13:7 14:16 15:7 16:11 17:6 18:8 19:13 20:11 21:8 22:10 23:7 24:11 25:7 26:4 27:9
30:32 31:23 32:17 33:22 34:25 35:9 36:16 37:7 38:8 39:6 40:26 41:20 42:14 43:9 44:13 45:20
46:18 47:18 48:12 49:7 50:25 51:8 52:13 53:9 54:8 55:15 56:9 57:18 58:7 60:15 61:8 62:11 63:9
64:9 65:9 66:12 67:11 70:10 71:13 72:10 73:7 74:3 75:3 76:8 77:8 80:23 81:8 82:8 83:3 84:19
85:5 86:8 90:16 91:7 92:10 93:11 94:12 95:8 96:13""".split())}
CAMPAIGNS = (0.08, 0.33, 0.55, 0.83)  # training drives, as fractions of the 24-month window


def type_counts(n: int) -> dict[str, int]:
    """LAOs per type for ``n`` LAOs: the real proportions, at least one of each, PAOs <= 76."""
    counts = {"bma": 1, "pattaya": 1, "pao": min(76, max(1, round(n * 76 / 7850)))}
    keys = ["city_municipality", "town_municipality", "subdistrict_municipality", "sao"]
    rest = n - sum(counts.values())
    total = sum(REAL_COUNTS[k] for k in keys)
    raw = [rest * REAL_COUNTS[k] / total for k in keys]
    base = [max(1, int(x)) for x in raw]
    by_remainder = sorted(range(4), key=lambda i: raw[i] - base[i], reverse=True)
    for i in range(rest - sum(base)):
        base[by_remainder[i % 4]] += 1
    while sum(base) > rest:
        base[base.index(max(base))] -= 1
    counts.update(zip(keys, base, strict=True))
    return counts


def weighted_picker(rng: random.Random, weights: list[float]) -> Any:
    """A fast repeated weighted choice of an index (bisect over cumulative weights)."""
    cum = list(accumulate(weights))
    total = cum[-1]
    return lambda: bisect(cum, rng.random() * total)


def token() -> str:
    return secrets.token_urlsafe(24)  # session tokens stay unguessable, seed or not


class World(Learning):
    def __init__(self, *, rng: random.Random, writer: Writer, as_of: dt.datetime,
                 words: dict[str, list[tuple[str, str]]], provinces: list[dict[str, str]],
                 courses: list[CatCourse], programmes: list[CatProgramme], answers: bool,
                 privacy_version: str, email_domain: str) -> None:
        self.rng, self.w, self.as_of, self.words = rng, writer, as_of, words
        self.provinces = {p["code"]: p for p in provinces}
        self.courses, self.programmes, self.answers = courses, programmes, answers
        self.privacy_version, self.domain = privacy_version, email_domain
        self.start = as_of - dt.timedelta(days=WINDOW_DAYS)
        self.orgs = []  # (id, type, province, name_th, name_en) of every LAO
        self.offices: dict[str, int] = {}
        self.places: dict[tuple[str, int], tuple[str, str]] = {}
        self.certs = []
        self.completions = 0
        self.attempt_no = {}
        self.t = {table_of(m).name: table_of(m) for m in (
            Organisation, User, RoleAssignment, Membership, Enrolment, ModuleProgress,
            AssessmentAttempt, AttemptAnswer, Certificate)}

    # -- time --
    def when(self, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
        """A moment in office hours (Bangkok), busier lately and during training drives."""
        rng = self.rng
        for _ in range(20):
            r = rng.random()
            x = (rng.random() if r < 0.2 else math.sqrt(rng.random()) if r < 0.65
                 else rng.choice(CAMPAIGNS) + rng.random() * 0.04)
            day = (self.start + dt.timedelta(days=x * WINDOW_DAYS)).astimezone(BANGKOK).date()
            if day.weekday() >= 5 and rng.random() < 0.8:
                continue
            hour = rng.uniform(8.5, 16.5) if rng.random() < 0.85 else rng.uniform(19, 22)
            moment = (dt.datetime.combine(day, dt.time(), BANGKOK)
                      + dt.timedelta(hours=hour)).astimezone(dt.UTC)
            if lo <= moment < hi:
                return moment
        return lo + (hi - lo) * rng.random()

    # -- organisations --
    def place(self) -> tuple[str, str]:
        (a_th, a_en), (b_th, b_en) = (self.rng.choice(self.words["place_a"]),
                                      self.rng.choice(self.words["place_b"]))
        return a_th + b_th, f"{a_en} {b_en}"

    def district(self, prov: str, number: int) -> tuple[str, str]:
        if number == 1:
            p = self.provinces[prov]
            return "เมือง" + p["name_th"], "Mueang " + p["name_en"]
        if (prov, number) not in self.places:
            self.places[prov, number] = self.place()
        return self.places[prov, number]

    def _org_row(self, code: str, name_th: str, name_en: str, kind: str, prov: str,
                 district: tuple[str, str], parent: int | None) -> int:
        table = self.t["ldp_organisation"]
        oid = self.w.new_id(table)
        created = self.start - dt.timedelta(days=30)
        self.w.add(table, {"id": oid, "code": code, "name_th": name_th, "name_en": name_en,
                           "type": kind, "province_code": prov, "district_th": district[0],
                           "district_en": district[1], "parent_id": parent, "active": True,
                           "created_at": created, "updated_at": created})
        return oid

    def make_organisations(self, conn: Connection, n: int) -> dict[str, int]:
        """DLA offices, then ``n`` LAOs; LAOs already in the register count towards ``n``."""
        rng, table = self.rng, self.t["ldp_organisation"]
        existing = {r.code: r for r in conn.execute(
            select(table.c.code, table.c.id, table.c.type, table.c.province_code,
                   table.c.name_th, table.c.name_en))}
        used = set(existing)
        provs = sorted(c for c in self.provinces if c != "10")

        def office(code: str, prov: str, parent: int | None) -> int:
            if code in existing:
                return int(existing[code].id)
            p = self.provinces[prov]
            if parent is None:
                names = ("กรมส่งเสริมการปกครองท้องถิ่น", "Department of Local Administration")
                district = ("เขตดุสิต", "Dusit")
            else:
                names = ("สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด" + p["name_th"],
                         f"{p['name_en']} Provincial Office for Local Administration")
                district = self.district(prov, 1)
            return self._org_row(code, *names, "dla_office", prov, district, parent)

        self.offices["00"] = office("DLA-00", "10", None)
        for prov in provs:
            self.offices[prov] = office(f"DLA-{prov}", prov, self.offices["00"])

        counts = type_counts(n)
        created: dict[str, int] = defaultdict(int)
        taken: dict[str, set[str]] = defaultdict(set)  # provinces that have a PAO / a city
        for r in sorted(existing.values(), key=lambda r: r.id):
            if r.type in REAL_COUNTS:
                self.orgs.append((r.id, r.type, r.province_code, r.name_th, r.name_en))
                counts[r.type] = max(0, counts[r.type] - 1)
                created[r.type] += 1
                taken[r.type].add(r.province_code)
        weights = [float(DISTRICTS.get(int(p), 8)) for p in provs]
        plan = [(k, p) for k, p in (("bma", "10"), ("pattaya", "20")) if counts[k]]
        plan += [("pao", p) for p in rng.sample([p for p in provs if p not in taken["pao"]],
                                                counts["pao"])]
        # Cities go to distinct provinces, likelier in big ones (weighted sampling by key).
        ranked = sorted((p for p in provs if p not in taken["city_municipality"]),
                        key=lambda p: rng.random() ** (1 / DISTRICTS.get(int(p), 8)),
                        reverse=True)
        plan += [("city_municipality", ranked[i % len(ranked)])
                 for i in range(counts["city_municipality"])]
        pick = weighted_picker(rng, weights)
        for kind in ("town_municipality", "subdistrict_municipality", "sao"):
            plan += [(kind, provs[pick()]) for _ in range(counts[kind])]
        present = {p for _, p in plan} | {r[2] for r in self.orgs}
        if n > len(provs):  # every province gets at least one LAO
            donors = defaultdict(list)
            for i, (kind, prov) in enumerate(plan):
                if kind in ("sao", "subdistrict_municipality"):
                    donors[prov].append(i)
            for prov in provs:
                if prov not in present:
                    donor = max(donors, key=lambda p: (len(donors[p]), p))
                    i = donors[donor].pop()
                    plan[i] = (plan[i][0], prov)
        running: dict[tuple[str, str, int], int] = defaultdict(int)
        names = {(r.type, r.province_code, r.name_th) for r in existing.values()}
        for kind, prov in plan:
            created[kind] += 1
            p = self.provinces[prov]
            if kind == "bma":
                oid = self._org_row("BMA-10", "กรุงเทพมหานคร",
                                    "Bangkok Metropolitan Administration", kind, "10", ("", ""),
                                    None)
                self.orgs.append((oid, kind, prov, "กรุงเทพมหานคร",
                                  "Bangkok Metropolitan Administration"))
                continue
            count = DISTRICTS.get(int(prov), 8)
            number = {"pao": 1, "city_municipality": 1, "pattaya": 4}.get(kind) or \
                rng.randint(1, count)
            if kind == "pattaya":
                name_th, name_en = "เมืองพัทยา", "Pattaya City"
            else:
                # The PAO and a province's first city carry the province's name, like the real ones.
                place = (p["name_th"], p["name_en"])
                if kind not in ("pao", "city_municipality") or \
                        (kind, prov, TYPE_NAME[kind][0] + place[0]) in names:
                    for _ in range(30):
                        place = self.place()
                        if (kind, prov, nfc(TYPE_NAME[kind][0] + place[0])) not in names:
                            break
                name_th = nfc(TYPE_NAME[kind][0] + place[0])
                name_en = f"{place[1]} {TYPE_NAME[kind][1]}"
                names.add((kind, prov, name_th))
            while True:  # type digit + province + district + running number, skipping used codes
                running[kind, prov, number] += 1
                if running[kind, prov, number] > 99:
                    number = number % count + 1
                    continue
                code = f"{TYPE_DIGIT[kind]}{prov}{number:02d}{running[kind, prov, number]:02d}"
                if code not in used:
                    break
            used.add(code)
            oid = self._org_row(code, name_th, name_en, kind, prov, self.district(prov, number),
                                None)
            self.orgs.append((oid, kind, prov, name_th, name_en))
        self.w.flush()
        return dict(created)

    # -- people --
    def person(self, serial_no: int) -> dict[str, Any]:
        rng, words = self.rng, self.words
        female = rng.random() < 0.55
        given_th, given_en = rng.choice(words["given_f" if female else "given_m"])
        if rng.random() < 0.3:
            sur_th, sur_en = rng.choice(words["surname"])
        else:
            (a_th, a_en), (b_th, b_en) = (rng.choice(words["surname_a"]),
                                          rng.choice(words["surname_b"]))
            sur_th, sur_en = (a_th + b_th, a_en + b_en) if a_th != b_th else (a_th, a_en)
        if female:
            married = rng.random() < 0.5
            prefix, title = ("นาง", "Mrs") if married else ("นางสาว", "Ms")
        else:
            prefix, title = "นาย", "Mr"
        return {"email": f"{given_en.lower()}.{sur_en.lower()}.{serial_no}@{self.domain}",
                "name_th": nfc(f"{prefix}{given_th} {sur_th}"),
                "name_en": f"{title} {given_en} {sur_en}"}

    def user(self, serial_no: int, org: int, created: dt.datetime, position: str,
             roles: Sequence[tuple[str, int | None, str | None]], last: dt.datetime | None,
             history: list[tuple[int, dt.datetime, dt.datetime | None]] | None = None,
             person: dict[str, Any] | None = None, uid: int | None = None) -> int:
        uid = uid or self.w.new_id(self.t["ldp_user"])
        row = {"id": uid, **(person or self.person(serial_no)), "password_hash": "",
               "position": position, "organisation_id": org,
               "language": "en" if self.rng.random() < 0.05 else "th", "active": True,
               "session_token": token(), "consent_at": created,
               "privacy_version": self.privacy_version, "anonymised_at": None,
               "created_at": created, "last_login_at": last}
        self.w.add(self.t["ldp_user"], row)
        for role, role_org, prov in roles:
            self.w.add(self.t["ldp_role_assignment"], {
                "id": self.w.new_id(self.t["ldp_role_assignment"]), "user_id": uid,
                "role": role, "organisation_id": role_org, "province_code": prov,
                "created_at": created})
        for org_id, since, until in history or [(org, created, None)]:
            self.w.add(self.t["ldp_membership"], {
                "id": self.w.new_id(self.t["ldp_membership"]), "user_id": uid,
                "organisation_id": org_id, "status": "ended" if until else "confirmed",
                "started_at": since, "confirmed_at": since + dt.timedelta(hours=4),
                "confirmed_by_id": None, "ended_at": until})
        return uid

    def make_staff(self) -> int:
        """DLA administrators and trainers at the head office; an officer per province."""
        head, made = self.offices["00"], 0
        for i in range(10):
            roles = [("admin", None, None), ("trainer", None, None)] if i < 2 else \
                [("trainer", None, None)]
            self.user(900000 + i, head, self.start, "นักวิเคราะห์นโยบายและแผน", roles,
                      self.as_of)
            made += 1
        for prov, office in sorted(self.offices.items()):
            if prov != "00":
                self.user(900100 + int(prov), office, self.start, "นักวิเคราะห์นโยบายและแผน",
                          [("provincial_officer", None, prov)], self.as_of)
                made += 1
        self.w.flush()
        return made

    def make_trainees(self, n: int) -> None:
        rng, orgs = self.rng, self.orgs
        weights = [0.0 if kind not in ("bma", "pattaya") and rng.random() < 0.06
                   else STAFF_WEIGHT[kind] * math.exp(rng.gauss(0, 0.6))
                   for _, kind, _, _, _ in orgs]
        pick = weighted_picker(rng, weights)
        by_province: dict[str, list[int]] = defaultdict(list)
        for i, (_, _, prov, _, _) in enumerate(orgs):
            by_province[prov].append(i)
        positions = self.words["position"]
        position_weights = [4.0 if i == 0 else 1.0 for i in range(len(positions))]  # planners
        pick_position = weighted_picker(rng, position_weights)
        coordinated: set[int] = set()
        for serial_no in range(1, n + 1):
            index = pick()
            org_id, _, prov, _, _ = orgs[index]
            signup = self.when(self.start, self.as_of)
            history: list[tuple[int, dt.datetime, dt.datetime | None]] = [(org_id, signup, None)]
            # About 3% transferred (โอนย้าย) from another LAO of the province part-way through.
            if rng.random() < 0.03 and len(by_province[prov]) > 1 and \
                    (self.as_of - signup).days > 120:
                other = orgs[rng.choice([i for i in by_province[prov] if i != index])][0]
                moved = signup + dt.timedelta(days=rng.uniform(60, (self.as_of - signup).days - 30))
                history = [(other, signup, moved), (org_id, moved, None)]
            roles: list[tuple[str, int | None, str | None]] = [("trainee", None, None)]
            if org_id not in coordinated:
                coordinated.add(org_id)
                roles.append(("coordinator", org_id, None))
            trainer = rng.random() < 0.015
            if trainer:
                roles.append(("trainer", None, None))
            person = self.person(serial_no)
            uid = self.w.new_id(self.t["ldp_user"])
            last = self.learn(uid, person, history, signup, trainer)
            self.user(serial_no, org_id, signup, positions[pick_position()][0], roles, last,
                      history, person, uid)
            self.w.maybe_flush()
