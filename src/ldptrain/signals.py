"""Hooks other parts of ldptrain (and hosts) subscribe to, with blinker.

``course_completed``
    Sent once per enrolment, the moment the course becomes complete (every non-retired module
    complete and the final assessment passed). Sender: the current app's name (``None`` outside an
    app). Keyword argument: ``enrolment`` (an :class:`~ldptrain.models.Enrolment` whose
    ``completed_at``, ``status`` and ``completion_source`` are already set and flushed).

    It is sent *inside* the transaction that records the completion, before the caller commits:
    a receiver may add rows (a certificate) with ``ldptrain.db.session`` and they are committed
    with the completion, or rolled back with it. A receiver must not commit or roll back itself.
    A conditional UPDATE guards the completion, so two racing requests cannot both send it.

    Example::

        from ldptrain.signals import course_completed

        @course_completed.connect
        def issue(sender, enrolment, **extra):
            ...
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

course_completed = _signals.signal("course-completed")
