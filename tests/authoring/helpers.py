"""Shared set-up of the authoring tests: the `good` content imported, an admin, a trainer of
plan-basics, a trainer of plan-advanced only, and a trainee."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ldptrain.db import get_session
from ldptrain.models import Course, Role, TrainerAssignment, User
from ldptrain.services.importer import import_content

from .. import factories

GOOD = Path(__file__).parent.parent / "fixtures" / "content" / "good"


@dataclass
class People:
    admin: User
    trainer: User  # assigned to plan-basics
    other: User  # a trainer assigned to plan-advanced only
    trainee: User
    course: Course


def set_up(tmp_path: Path) -> People:
    project = tmp_path / "project"
    shutil.copytree(GOOD, project)
    result = import_content([str(project)])
    assert result.ok, result.problems
    session = get_session()
    basics = session.scalar(select(Course).where(Course.slug == "plan-basics"))
    advanced = session.scalar(select(Course).where(Course.slug == "plan-advanced"))
    assert basics is not None and advanced is not None
    admin = factories.user("admin@example.org", roles=(Role.ADMIN,))
    trainer = factories.user("trainer@example.org", roles=(Role.TRAINER,))
    other = factories.user("other@example.org", roles=(Role.TRAINER,))
    trainee = factories.user("trainee@example.org")
    session.add(TrainerAssignment(user_id=trainer.id, course_id=basics.id))
    session.add(TrainerAssignment(user_id=other.id, course_id=advanced.id))
    session.commit()
    return People(admin, trainer, other, trainee, basics)


def signed_in(app: Any, email: str) -> Any:
    client = app.test_client()
    factories.sign_in(client, app, email)
    return client
