"""Running totals of enrolments per organisation, for the dashboards' attribution view.

Database triggers on ``ldp_enrolment`` keep these rows in step, in the same transaction as the
change (migration 0002 holds the trigger SQL): every write path is covered, the ORM, Core
``UPDATE`` statements (membership transfers, completion) and bulk loads alike, and several
processes can write at once (an upsert per row). An enrolment counts under
``Enrolment.organisation_id``, the organisation it happened under (NULL while the trainee's
membership is unconfirmed: not counted). Rows whose counts fall to zero stay; readers ignore
them. ``services.reports.tally.differences()`` recounts everything from the enrolments.

Keyed by organisation, so a report joins ``ldp_organisation`` when it reads: scoping, an
organisation's change of type (an อบต. becoming a เทศบาล) and leaving DLA's own offices out
happen at read time, exactly as for the live queries. Per organisation, months and days do not
add up to fewer rows than there are enrolments, so those two are also added up per province
(the Region tallies) for the pages that cover a province or the country.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class OrganisationTally(Base):
    """Per organisation, all courses together: what the default (no course chosen) dashboard
    reads. Enrolment sums come from the enrolment trigger; the people counts follow the
    organisation's TraineeTally rows (a trigger on that table)."""

    __tablename__ = "ldp_tally_organisation"

    organisation_id: Mapped[int] = mapped_column(primary_key=True)
    enrolments: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)  # enrolments completed
    best_score_sum: Mapped[float] = mapped_column(default=0.0)
    best_score_count: Mapped[int] = mapped_column(default=0)
    trainees: Mapped[int] = mapped_column(default=0)  # people with >= 1 enrolment here
    trainees_active: Mapped[int] = mapped_column(default=0)  # ... with >= 1 in progress
    trainees_completed: Mapped[int] = mapped_column(default=0)  # ... with >= 1 completed


class CourseTally(Base):
    """Per organisation and course: enrolments by status and the sum of best final scores."""

    __tablename__ = "ldp_tally_course"

    organisation_id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(primary_key=True)
    enrolments: Mapped[int] = mapped_column(default=0)  # every status, withdrawn included
    active: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    best_score_sum: Mapped[float] = mapped_column(default=0.0)
    best_score_count: Mapped[int] = mapped_column(default=0)


class TraineeTally(Base):
    """Per trainee and organisation: how many of their enrolments count there, by status.

    Lets a report count people without COUNT(DISTINCT) over every enrolment: one row per
    (trainee, organisation), so only trainees with rows under several organisations (a
    transfer) need de-duplicating when organisations are added up."""

    __tablename__ = "ldp_tally_trainee"

    # user_id first: finding trainees with rows under several organisations walks this key.
    user_id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(primary_key=True)
    enrolments: Mapped[int] = mapped_column(default=0)
    active: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)


class UserTally(Base):
    """Per trainee: under how many organisations their enrolments count (more than one only
    after a transfer), so the few to de-duplicate are found by index."""

    __tablename__ = "ldp_tally_user"

    user_id: Mapped[int] = mapped_column(primary_key=True)
    organisations: Mapped[int] = mapped_column(default=0, index=True)


class MonthTally(Base):
    """Per organisation, course and month (Thai time, 'YYYY-MM'): enrolments made and courses
    completed that month."""

    __tablename__ = "ldp_tally_month"

    organisation_id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    enrolments: Mapped[int] = mapped_column(default=0)
    completions: Mapped[int] = mapped_column(default=0)


class DurationTally(Base):
    """Per organisation and course: completions by whole days from enrolment to completion (the
    histogram the median time to complete is read from)."""

    __tablename__ = "ldp_tally_duration"

    organisation_id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(primary_key=True)
    days: Mapped[int] = mapped_column(primary_key=True)
    completions: Mapped[int] = mapped_column(default=0)


class RegionMonthTally(Base):
    """MonthTally added up per province over its LAOs (DLA offices left out): what a national or
    provincial page reads, a few thousand rows. Kept by a trigger on ldp_tally_month, and one on
    ldp_organisation moves an organisation's share if its province changes."""

    __tablename__ = "ldp_tally_region_month"

    province_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    course_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    enrolments: Mapped[int] = mapped_column(default=0)
    completions: Mapped[int] = mapped_column(default=0)


class RegionDurationTally(Base):
    """DurationTally added up per province and organisation type over LAOs (as above; the
    type follows an organisation that changes type, an อบต. becoming a เทศบาล)."""

    __tablename__ = "ldp_tally_region_duration"

    province_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    org_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    course_id: Mapped[int] = mapped_column(primary_key=True)
    days: Mapped[int] = mapped_column(primary_key=True)
    completions: Mapped[int] = mapped_column(default=0)


TALLIES = (OrganisationTally, CourseTally, TraineeTally, UserTally, MonthTally, DurationTally,
           RegionMonthTally, RegionDurationTally)
#: Filled by triggers from the other tallies, never written directly (a rebuild included).
DERIVED = (UserTally, RegionMonthTally, RegionDurationTally)
