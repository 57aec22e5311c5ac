"""A case as the people on it may see it (GetCaseOutcome): no expert's id ever leaves here.

A panel expert sees her own score (so the form opens what she saved) and, once the panel is
locked, the panel's result and every member's points and comments. The case's consultancy sees
nothing before the lock and then the same result and comments. Comments are labelled "A", "B",
"C" by the order of SHA-256(case, expert): stable within a case, unrelated across cases, so a
consultancy cannot follow one expert from case to case by the letter.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

from dgcp.scoring.v1 import scoring_pb2 as pb
from runtime.auth import Role, current_caller
from runtime.db import read_transaction
from runtime.errors import PermissionDenied
from runtime.resources import to_timestamp
from services.scoring import store
from services.scoring.models import cases

LABELS = string.ascii_uppercase


def labels_for(case: str, experts: Sequence[str]) -> dict[str, str]:
    """Expert id → letter, in an order that says nothing about the id."""
    order = sorted(set(experts), key=lambda e: hashlib.sha256(f"{case}\n{e}".encode()).hexdigest())
    return {e: (LABELS[i] if i < len(LABELS) else f"Z{i}") for i, e in enumerate(order)}


def case_outcome(
    *,
    engine: Any,
    case: str,
    check_member: Callable[[str, str], Any],
    case_facts: Callable[[str], store.CaseFacts],
    case_result: Callable[[str], pb.CaseResult],
    score_state: Callable[[Any], int],
) -> pb.CaseOutcome:
    caller = current_caller()
    me = ""
    if caller.role == Role.REVIEWER:
        check_member(case, caller.subject)  # PERMISSION_DENIED NOT_ON_PANEL otherwise
        me = caller.subject
        panel_size = len(case_facts(case).panel)
    elif caller.role == Role.CONSULTANCY:
        facts = case_facts(case)
        if not caller.org or facts.consultancy != caller.org:
            raise PermissionDenied(
                "NOT_CASE_CONSULTANCY",
                "only the case's consultancy sees its outcome",
                metadata={"case": case},
            )
        panel_size = len(facts.panel)
    else:
        panel_size = len(case_facts(case).panel)
    with read_transaction(engine) as session:
        row = session.execute(select(cases).where(cases.c.name == case)).first()
        scores = store.list_scores(session=session, case_name=case, after=None, limit=1000) if row else []
    out = pb.CaseOutcome(case=case, panel_size=panel_size)
    if row is None:
        return out
    locked = row.lock_time is not None
    out.locked = locked
    lock_time = to_timestamp(row.lock_time)
    if lock_time is not None:
        out.lock_time.CopyFrom(lock_time)
    counted = [s for s in scores if s.locked or not locked]
    out.score_count = len(counted)
    if scores:
        out.rubric_version = scores[0].rubric_version
    for s in scores:
        if me and s.expert == me:
            out.my_score = f"scores/{s.id}"
            out.my_revision = s.revision
            out.my_state = score_state(s)  # type: ignore[assignment]
    if not locked or not counted:
        return out
    out.result.CopyFrom(case_result(case))
    letters = labels_for(case, [s.expert for s in counted])
    for s in sorted(counted, key=lambda s: letters[s.expert]):
        for item in s.items:
            out.items.append(
                pb.AnonymousItem(
                    criterion_id=item["criterion_id"],
                    expert_label=letters[s.expert],
                    points=float(item["points"]),
                    comment=item.get("comment", ""),
                )
            )
        for veto in s.vetoes:
            out.vetoes.append(
                pb.AnonymousVeto(
                    veto_id=veto["veto_id"], expert_label=letters[s.expert], reason=veto.get("reason", "")
                )
            )
    return out
