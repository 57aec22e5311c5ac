"""Panel rules, avoidance (回避) and the canonical draw document (pure, no database).

The draw is auditable because everything it depends on is written into one canonical JSON
document (cases, experts, eligible pairs with their fit, rules) whose SHA-256 is recorded
with the seed. Replaying needs the document and the seed only: :func:`instance_from_document`
rebuilds the solver's input byte for byte, whatever the database holds by then.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any

import numpy as np

from services.assignment.solver import Instance

DOCUMENT_FORMAT = "dgcp-draw-input/1"
MAX_SEED = 2**128

# RelationKind values of the contract (kept here so the domain needs no generated code).
EMPLOYMENT, CONTRACT, SHAREHOLDING, FAMILY = 1, 2, 3, 4
TRACK_STANDARD, TRACK_FAST = 1, 2


@dataclass(frozen=True)
class TrackRules:
    """Panel rules of one track; every number is policy with a default."""

    panel_size: int = 3
    specialist_minimum: int = 1
    max_cases_per_lot: int = 16
    max_cases_per_month: int = 30
    probability_cap: float = 0.5
    rotation_window_months: int = 12
    rotation_limit: int = 3
    rotation_penalty: float = 0.3
    floor_fraction: float = 0.0
    specialty_fit: float = 1.0

    def problems(self) -> list[tuple[str, str]]:
        """(field, description) for every rule out of range."""
        out = []
        if self.panel_size < 1:
            out.append(("panel_size", "must be at least 1"))
        if not 0 <= self.specialist_minimum <= self.panel_size:
            out.append(("specialist_minimum", "must be between 0 and panel_size"))
        if self.max_cases_per_lot < 1 or self.max_cases_per_month < 1:
            out.append(("max_cases_per_lot", "load caps must be at least 1"))
        if not 0 < self.probability_cap <= 1:
            out.append(("probability_cap", "must lie in (0, 1]"))
        if self.rotation_window_months < 0 or self.rotation_limit < 1 or self.rotation_penalty < 0:
            out.append(("rotation_limit", "rotation window >= 0, limit >= 1, penalty >= 0"))
        if not 0 <= self.floor_fraction <= 1:
            out.append(("floor_fraction", "must lie in [0, 1]"))
        return out


DEFAULT_RULES = {TRACK_STANDARD: TrackRules(), TRACK_FAST: TrackRules(panel_size=1)}


@dataclass(frozen=True)
class AvoidancePolicy:
    """Avoidance rules modelled on government-procurement expert rules."""

    #: A past employment, contract or shareholding conflicts for this many months after it ends.
    lookback_months: int = 36


#: What the draw does with a case that cannot be served under the probability cap:
#: ``raise`` its cap to the least value that can (recorded per case), or ``strict``: refuse.
CAP_POLICIES = ("raise", "strict")


@dataclass(frozen=True)
class LotRules:
    standard: TrackRules = field(default_factory=lambda: DEFAULT_RULES[TRACK_STANDARD])
    fast: TrackRules = field(default_factory=lambda: DEFAULT_RULES[TRACK_FAST])
    cap_policy: str = "raise"
    #: Among assignments within this relative distance of the best fit, loads are spread
    #: as evenly as the rules allow (0: exact ties only).
    balance_tolerance: float = 0.0

    def for_track(self, track: int) -> TrackRules:
        return self.fast if track == TRACK_FAST else self.standard

    def to_json(self) -> str:
        return canonical_json(
            {
                "standard": asdict(self.standard),
                "fast": asdict(self.fast),
                "cap_policy": self.cap_policy,
                "balance_tolerance": self.balance_tolerance,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> LotRules:
        data = json.loads(text)
        return cls(
            standard=TrackRules(**data["standard"]),
            fast=TrackRules(**data["fast"]),
            cap_policy=data.get("cap_policy", "raise"),
            balance_tolerance=float(data.get("balance_tolerance", 0.0)),
        )


def merge_rules(given: dict[str, Any], default: TrackRules) -> TrackRules:
    """Zero / absent fields take the default (proto3 scalars cannot say 'unset')."""
    names = {f.name for f in fields(TrackRules)}
    return replace(default, **{k: v for k, v in given.items() if k in names and v})


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (clamped to the month's last day)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = [
        31,
        29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    return date(y, m + 1, min(day.day, last[m]))


# --- avoidance -----------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    kind: int
    org: str  # enterprises/... or consultancies/...
    end_date: date | None


@dataclass(frozen=True)
class ExpertFacts:
    name: str
    employer_code: str
    specialties: tuple[str, ...]
    active: bool = True
    unavailable: bool = False
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class CaseFacts:
    name: str
    enterprise: str
    enterprise_code: str
    consultancy: str
    consultancy_code: str
    industry: str
    track: int


_VERB = {EMPLOYMENT: "EMPLOYED_BY", CONTRACT: "CONTRACTED_BY", SHAREHOLDING: "SHAREHOLDER_OF"}


def conflicts(
    expert: ExpertFacts, case: CaseFacts, *, as_of: date, policy: AvoidancePolicy
) -> list[tuple[str, str]]:
    """(reason, organisation) for every avoidance rule that keeps ``expert`` off ``case``."""
    out: list[tuple[str, str]] = []
    if not expert.active:
        out.append(("INACTIVE", ""))
    if expert.unavailable:
        out.append(("UNAVAILABLE", ""))
    sides = (
        ("ENTERPRISE", case.enterprise, case.enterprise_code),
        ("CONSULTANCY", case.consultancy, case.consultancy_code),
    )
    for side, org, code in sides:
        if code and expert.employer_code == code:
            out.append((f"EMPLOYER_IS_{side}", org))
    since = months_before(as_of, policy.lookback_months)
    for rel in expert.relations:
        for side, org, _ in sides:
            if rel.org != org:
                continue
            if rel.kind == FAMILY:
                out.append((f"FAMILY_TIE_WITH_{side}", org))
            elif rel.end_date is None or rel.end_date >= since:
                out.append((f"{_VERB[rel.kind]}_{side}_WITHIN_{policy.lookback_months}_MONTHS", org))
    return sorted(set(out))


def is_specialist(specialties: Iterable[str], industry: str) -> bool:
    """A specialty matches an industry when one code is a prefix of the other."""
    return bool(industry) and any(
        s and (s.startswith(industry) or industry.startswith(s)) for s in specialties
    )


# --- the canonical document and the solver instance -------------------------------------


@dataclass(frozen=True)
class DocCase:
    name: str
    panel_size: int
    specialist_min: int
    prob_cap: float
    floor_tau: float


@dataclass(frozen=True)
class DocExpert:
    name: str
    employer: str
    load_cap: int


def build_document(
    *,
    lot: str,
    as_of: date,
    rules: LotRules,
    cases: Sequence[DocCase],
    experts: Sequence[DocExpert],
    pairs: Iterable[tuple[str, str, float, bool]],
) -> str:
    """The canonical input document: sorted, so equal inputs give equal bytes."""
    cs = sorted(cases, key=lambda c: c.name)
    es = sorted(experts, key=lambda e: e.name)
    ci = {c.name: i for i, c in enumerate(cs)}
    ei = {e.name: i for i, e in enumerate(es)}
    rows = sorted([ci[c], ei[e], float(f), bool(s)] for c, e, f, s in pairs)
    return canonical_json(
        {
            "format": DOCUMENT_FORMAT,
            "lot": lot,
            "as_of": as_of.isoformat(),
            "rules": json.loads(rules.to_json()),
            "cases": [asdict(c) for c in cs],
            "experts": [asdict(e) for e in es],
            "pairs": rows,
        }
    )


@dataclass(frozen=True)
class Document:
    """A parsed document with the solver instance it defines."""

    cases: list[str]
    experts: list[str]
    instance: Instance
    cap_policy: str = "raise"
    balance_tolerance: float = 0.0


def instance_from_document(text: str) -> Document:
    data = json.loads(text)
    if data.get("format") != DOCUMENT_FORMAT:
        raise ValueError(f"unknown document format {data.get('format')!r}")
    cases, experts = data["cases"], data["experts"]
    pairs = data["pairs"]
    employers = sorted({e["employer"] for e in experts})
    emp_ix = {code: i for i, code in enumerate(employers)}
    pc = np.array([p[0] for p in pairs], dtype=np.int64)
    pe = np.array([p[1] for p in pairs], dtype=np.int64)
    case_cap = np.array([c["prob_cap"] for c in cases], dtype=np.float64)
    inst = Instance.build(
        n_cases=len(cases),
        n_experts=len(experts),
        pair_case=pc,
        pair_expert=pe,
        fit=np.array([p[2] for p in pairs], dtype=np.float64),
        specialist=np.array([p[3] for p in pairs], dtype=bool),
        prob_cap=case_cap[pc] if pairs else 1.0,
        panel_size=np.array([c["panel_size"] for c in cases], dtype=np.int64),
        specialist_min=np.array([c["specialist_min"] for c in cases], dtype=np.int64),
        floor_tau=np.array([c["floor_tau"] for c in cases], dtype=np.float64),
        load_cap=np.array([e["load_cap"] for e in experts], dtype=np.int64),
        employer=np.array([emp_ix[e["employer"]] for e in experts], dtype=np.int64),
    )
    rules = data.get("rules", {})
    return Document(
        [c["name"] for c in cases],
        [e["name"] for e in experts],
        inst,
        cap_policy=rules.get("cap_policy", "raise"),
        balance_tolerance=float(rules.get("balance_tolerance", 0.0)),
    )


def result_pairs(doc: Document, pairs: np.ndarray) -> list[tuple[str, str]]:
    inst = doc.instance
    return sorted(
        (doc.cases[c], doc.experts[e])
        for c, e in zip(inst.pair_case[pairs].tolist(), inst.pair_expert[pairs].tolist(), strict=True)
    )


def result_sha256(seats: Sequence[tuple[str, str]]) -> str:
    return sha256_text(canonical_json(sorted([list(s) for s in seats])))


def parse_seed(text: str) -> int | None:
    """A decimal seed in [0, 2^128), or None when it is not one."""
    if not text.isdigit() or len(text) > 39:
        return None
    value = int(text)
    return value if value < MAX_SEED else None


def new_seed() -> int:
    return secrets.randbits(64)


def amendment_seed(draw_seed: str, number: int, case: str) -> int:
    """Each amendment's seed follows from the draw's, so it too can be replayed."""
    digest = hashlib.sha256(f"{draw_seed}:{number}:{case}".encode()).digest()
    return int.from_bytes(digest[:16], "big")
