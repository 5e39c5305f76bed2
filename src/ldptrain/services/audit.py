"""The one way to write the audit log."""

from __future__ import annotations

from typing import Any

from ..db import session
from ..models import AuditEvent, User


def record(action: str, *, actor: User | None = None, target: Any = None,
           organisation_id: int | None = None, details: dict[str, Any] | None = None,
           ip: str = "") -> None:
    """``ip``: where the action came from (the view passes the client's address; "" for the
    command line and jobs). In a request, web/transaction.py fills in an event left without one.
    """
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        # A stand-in for a model (the signed-in user's light row) names the model it stands for.
        target_type=(getattr(target, "audit_type", None) or type(target).__name__.lower())
        if target is not None else "",
        target_id=str(getattr(target, "id", "") or "") if target is not None else "",
        organisation_id=organisation_id,
        details=details or {},
        ip=(ip or "")[:45],
    )
    session.add(event)
    session.info.setdefault(_PENDING, []).append(event)


_PENDING = "ldptrain.audit_events"


def written_this_transaction(current: Any) -> list[AuditEvent]:
    """The events recorded since the last call (the request boundary fills in their origin)."""
    return list(current.info.pop(_PENDING, []))
