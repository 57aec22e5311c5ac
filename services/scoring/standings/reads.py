"""The read port: the only standings code that touches scoring's score, case and rating tables.

Standings read the same locked scores as ``GetCaseResult`` through the one query that serves both
(``services.scoring.store.locked_scores``); the rework and rating evidence are read here. Same
service, same schema: nothing here reaches another service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from services.scoring import store as scoring_store
from services.scoring.models import cases, ratings, scores
from services.scoring.store import LockedScore

#: One locked score with its case's consultancy and agency (the calibration's input row).
ScoreEvidence = LockedScore


@dataclass(frozen=True)
class RatingEvidence:
    case_name: str
    direction: str
    ratee: str
    mean: float


def window_scores(*, session: Session, start: datetime, end: datetime) -> list[ScoreEvidence]:
    """Every locked score whose panel locked in [start, end), by case and expert."""
    return scoring_store.locked_scores(session=session, start=start, end=end)


def window_rounds(*, session: Session, start: datetime, end: datetime) -> dict[str, bool]:
    """For each case locked in [start, end) whose enterprise is known: whether it is another round
    of review, i.e. the same enterprise's report at the same stage was locked before (at any time,
    so a first round in an earlier month still counts). The standings' rework evidence."""
    earlier = cases.alias("earlier")
    repeat = (
        select(earlier.c.name)
        .where(
            earlier.c.enterprise == cases.c.enterprise,
            earlier.c.stage == cases.c.stage,
            earlier.c.lock_time < cases.c.lock_time,
        )
        .exists()
    )
    rows = session.execute(
        select(cases.c.name, repeat).where(
            cases.c.lock_time >= start, cases.c.lock_time < end, cases.c.enterprise != ""
        )
    ).all()
    return {r[0]: bool(r[1]) for r in rows}


def window_ratings(*, session: Session, start: datetime, end: datetime) -> list[RatingEvidence]:
    """Mutual ratings of cases locked in [start, end), with whom they rate."""
    rows = session.execute(
        select(ratings.c.case_name, ratings.c.direction, ratings.c.ratee, ratings.c.mean)
        .join(cases, cases.c.name == ratings.c.case_name)
        .where(cases.c.lock_time >= start, cases.c.lock_time < end)
        .order_by(ratings.c.id)
    ).all()
    return [RatingEvidence(r[0], r[1], r[2], float(r[3])) for r in rows]


def falsified_vetoes(*, session: Session, start: datetime, end: datetime) -> dict[str, list[str]]:
    """Per consultancy, the cases locked in [start, end) whose panel vetoed the report for falsified
    data (an expert's locked score ticks the rubric's ``falsified_data`` veto item)."""
    rows = session.execute(
        select(cases.c.consultancy, cases.c.name, scores.c.vetoes)
        .join(scores, scores.c.case_name == cases.c.name)
        .where(
            cases.c.lock_time >= start,
            cases.c.lock_time < end,
            scores.c.locked.is_(True),
            scores.c.vetoed.is_(True),
        )
    ).all()
    out: dict[str, set[str]] = {}
    for consultancy, case, vetoes in rows:
        if any(v.get("veto_id") == "falsified_data" for v in vetoes or ()):
            out.setdefault(consultancy, set()).add(case)
    return {k: sorted(v) for k, v in out.items()}


@dataclass(frozen=True)
class CaseRecord:
    name: str
    consultancy: str
    agency: str
    enterprise: str
    stage: str
    track: str
    create_time: datetime
    lock_time: datetime
    vetoed: bool


def locked_cases(*, session: Session, start: datetime, end: datetime) -> list[CaseRecord]:
    """Every case locked in [start, end), with whether any locked score of its panel vetoed it."""
    vetoed = (
        select(scores.c.case_name)
        .where(scores.c.case_name == cases.c.name, scores.c.locked.is_(True), scores.c.vetoed.is_(True))
        .exists()
    )
    rows = session.execute(
        select(
            cases.c.name,
            cases.c.consultancy,
            cases.c.agency,
            cases.c.enterprise,
            cases.c.stage,
            cases.c.track,
            cases.c.create_time,
            cases.c.lock_time,
            vetoed,
        )
        .where(cases.c.lock_time >= start, cases.c.lock_time < end)
        .order_by(cases.c.name)
    ).all()
    return [CaseRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8])) for r in rows]
