"""Scoring, as pure functions: no database, no Flask.

A response is what the trainee gave for one question: ``{"choices": [authored indexes]}`` for
choice questions, ``{"text": "..."}`` for short answers, ``{"slots": [...]}`` for ordering and
matching: ``slots[i]`` is the position given to authored item i (ordering) or the authored index of
the partner chosen for left-hand item i (matching), None when left empty. Authored order is the
answer, so item i is right when ``slots[i] == i``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The feedback policy lives in content/ (pure) so `content check` applies the same rule.
from ..content.feedback import (  # noqa: F401
    Disclosure,
    disclosure,
    reveals_before_last_attempt,
)
from ..thai import fold_answer


@dataclass(frozen=True)
class Mark:
    points: float
    correct: bool


def _listed(response: object, key: str) -> list[Any]:
    """``response[key]`` when the response is a mapping and that value a list, else empty: a
    response comes from a form or the API as any JSON."""
    value = response.get(key) if isinstance(response, Mapping) else None
    return list(value) if isinstance(value, list | tuple) else []


def picked_indexes(response: Mapping[str, Any] | None, n_choices: int) -> frozenset[int]:
    """The valid, distinct choice indexes of a response (anything else is ignored)."""
    found: set[int] = set()
    for raw in _listed(response, "choices"):
        try:
            index = int(raw)
        except (TypeError, ValueError):
            continue
        if 0 <= index < n_choices:
            found.add(index)
    return frozenset(found)


def score_choices(correct_flags: Sequence[bool], picked: Iterable[int], *, points: float,
                  scoring: str = "all_or_nothing") -> Mark:
    """Single or multiple choice.

    all_or_nothing: the full points only when exactly the correct choices are picked.
    partial: (correct picks - wrong picks) / number of correct choices, floored at 0, times points.
    """
    chosen = frozenset(picked)
    correct = frozenset(i for i, flag in enumerate(correct_flags) if flag)
    exact = chosen == correct and bool(correct)
    if scoring != "partial" or len(correct) < 2:
        return Mark(points if exact else 0.0, exact)
    right = len(chosen & correct)
    wrong = len(chosen - correct)
    share = max(0.0, (right - wrong) / len(correct))
    return Mark(share * points, exact)


def score_short(accepted_folded: Iterable[str], text: object, *, points: float) -> Mark:
    """Short answer: right when the folded answer is one of the accepted (already folded) ones.
    A response that is not text (the API takes any JSON) is an empty answer."""
    given = fold_answer(text) if isinstance(text, str) else ""
    ok = bool(given) and given in set(accepted_folded)
    return Mark(points if ok else 0.0, ok)


def slot_values(response: Mapping[str, Any] | None, n_items: int) -> list[int | None]:
    """The response's slots, exactly n_items long; anything not a valid index is None."""
    raw = _listed(response, "slots")[:n_items]
    raw += [None] * (n_items - len(raw))
    out: list[int | None] = []
    for value in raw:
        try:
            index = int(value) if value is not None else None
        except (TypeError, ValueError):
            index = None
        out.append(index if index is not None and 0 <= index < n_items else None)
    return out


def score_slots(slots: Sequence[int | None], *, points: float,
                scoring: str = "all_or_nothing") -> Mark:
    """Ordering and matching.

    all_or_nothing: the full points only when every item is in its place (matched rightly).
    partial: points times the share of items in their right position (ordering) or rightly
    matched (matching); a wrong or empty one costs nothing more than its own share.
    """
    right = sum(1 for i, value in enumerate(slots) if value == i)
    exact = bool(slots) and right == len(slots)
    if scoring != "partial":
        return Mark(points if exact else 0.0, exact)
    return Mark(points * right / len(slots) if slots else 0.0, exact)


def score_question(kind: str, *, choices: Sequence[Mapping[str, Any]],
                   answers: Sequence[str], points: float, scoring: str,
                   response: Mapping[str, Any] | None) -> Mark:
    """One question of any kind; an empty or missing response scores 0."""
    if kind == "short":
        text = response.get("text") if isinstance(response, Mapping) else None
        return score_short(answers, text, points=points)
    if kind in ("ordering", "matching"):
        return score_slots(slot_values(response, len(choices)), points=points, scoring=scoring)
    flags = [bool(c.get("correct")) for c in choices]
    picked = picked_indexes(response, len(flags))
    if kind == "single" and len(picked) > 1:
        return Mark(0.0, False)  # a forged multi-pick on a radio question earns nothing
    return score_choices(flags, picked, points=points, scoring=scoring)


def percent(points: float, max_points: float) -> float:
    """Score in percent, rounded to 2 decimals; 0 when there is nothing to score."""
    if max_points <= 0:
        return 0.0
    return round(100.0 * points / max_points, 2)


def is_pass(points: float, max_points: float, pass_mark: float) -> bool:
    """Pass when the score shown to the trainee (2 decimals) reaches the pass mark, so what they
    read and what is recorded never disagree."""
    if max_points <= 0:
        return False
    return percent(points, max_points) >= pass_mark
