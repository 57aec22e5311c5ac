"""A realistic month end to end, through the public gRPC APIs only (all data synthetic).

Called by ``make run`` once the services are healthy (``scripts/run.py``), or on
its own against running services: ``python -m scripts.month``. Every mutation
carries a request_id derived from the seed, so running it again on the same
data folder changes nothing and prints the same month.

Steps: register a city's worth of parties; declare experts' relations; create
the tender lots and their cases; draw the panels (printing the replayable draw
record and replaying it); one expert recuses and the seat is redrawn; experts
score with their own leniency; panels lock; both sides rate each other; the
enterprises answer their surveys; the authority records determinations, trains
the flag model, computes the standing, proposes notices, hears a statement,
approves; the bulletin is published and written out as HTML/PDF/CSV/JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import grpc
from google.protobuf import json_format, timestamp_pb2

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as agrpc
from dgcp.audit.v1 import audit_pb2 as aupb
from dgcp.audit.v1 import audit_pb2_grpc as augrpc
from dgcp.scoring.v1 import scoring_pb2 as spb
from dgcp.scoring.v1 import scoring_pb2_grpc as sgrpc
from dgcp.scoring.v1 import standings_pb2 as stpb
from dgcp.scoring.v1 import standings_pb2_grpc as stgrpc
from dgcp.surveys.v1 import surveys_pb2 as vpb
from dgcp.surveys.v1 import surveys_pb2_grpc as vgrpc
from runtime import auth, config
from runtime.errors import details_of
from scripts.synthetic import INDUSTRIES, SYNTHETIC, City, make_city

T = TypeVar("T")
R = TypeVar("R")


def say(msg: str) -> None:
    print(msg, flush=True)


@dataclass
class Clients:
    assignment: agrpc.AssignmentServiceStub
    scoring: sgrpc.ScoringServiceStub
    standings: stgrpc.StandingsServiceStub
    surveys: vgrpc.SurveysServiceStub
    pool: ThreadPoolExecutor
    tokens: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def md(self, role: auth.Role, subject: str = "month/authority", org: str = "") -> list[tuple[str, str]]:
        key = (str(role), subject, org)
        if key not in self.tokens:
            self.tokens[key] = auth.issue_token(
                config.jwt_secret(), subject=subject, role=role, org=org, ttl_seconds=4 * 3600
            )
        return [("authorization", f"Bearer {self.tokens[key]}")]

    @property
    def authority(self) -> list[tuple[str, str]]:
        return self.md(auth.Role.AUTHORITY)

    def pmap(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        return list(self.pool.map(fn, items))


def connect(workers: int = 8, addresses: dict[str, str] | None = None) -> tuple[Clients, list[grpc.Channel]]:
    where = addresses or {name: config.service_addr(name) for name in ("assignment", "scoring", "surveys")}
    chans = {name: grpc.insecure_channel(where[name]) for name in ("assignment", "scoring", "surveys")}
    clients = Clients(
        assignment=agrpc.AssignmentServiceStub(chans["assignment"]),
        scoring=sgrpc.ScoringServiceStub(chans["scoring"]),
        standings=stgrpc.StandingsServiceStub(chans["scoring"]),
        surveys=vgrpc.SurveysServiceStub(chans["surveys"]),
        pool=ThreadPoolExecutor(workers),
    )
    return clients, list(chans.values())


def _ts(dt: datetime) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(dt)
    return ts


@dataclass
class Month:
    """What the month produced, step by step (resource names keyed by seed index)."""

    city: City
    seed: int
    period: str
    out: Path
    consultancies: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    experts: list[str] = field(default_factory=list)
    enterprises: list[str] = field(default_factory=list)
    lots: list[apb.Lot] = field(default_factory=list)
    cases: list[tuple[apb.Case, int]] = field(default_factory=list)  # (case, enterprise index)
    panels: dict[str, list[str]] = field(default_factory=dict)  # case -> experts
    results: dict[str, spb.CaseResult] = field(default_factory=dict)
    open_forms: list[tuple[str, vpb.SurveyForm]] = field(default_factory=list)
    forms_opened_at: float = 0.0

    def rid(self, *parts: object) -> str:
        return "month-" + "-".join(str(p) for p in (self.seed, self.period, *parts))


# --- 1. registry -----------------------------------------------------------


def register(c: Clients, m: Month) -> None:
    city, a = m.city, c.assignment
    t0 = time.perf_counter()
    m.consultancies = c.pmap(
        lambda i: (
            a.CreateConsultancy(
                apb.CreateConsultancyRequest(
                    consultancy=apb.Consultancy(
                        credit_code=city.consultancies[i].credit_code,
                        display_name=city.consultancies[i].name,
                        contact=apb.Contact(person="联系人（模拟）", phone="0769-2200" + f"{i:04d}"),
                    ),
                    request_id=m.rid("consultancy", i),
                ),
                metadata=c.authority,
            ).name
        ),
        range(len(city.consultancies)),
    )
    m.agencies = c.pmap(
        lambda i: (
            a.CreateReviewAgency(
                apb.CreateReviewAgencyRequest(
                    review_agency=apb.ReviewAgency(
                        credit_code=city.agencies[i].credit_code, display_name=city.agencies[i].name
                    ),
                    request_id=m.rid("agency", i),
                ),
                metadata=c.authority,
            ).name
        ),
        range(len(city.agencies)),
    )
    m.experts = c.pmap(
        lambda i: (
            a.CreateExpert(
                apb.CreateExpertRequest(
                    expert=apb.Expert(
                        display_name=city.experts[i].name,
                        employer_name=city.experts[i].employer.name,
                        employer_credit_code=city.experts[i].employer.credit_code,
                        specialties=city.experts[i].specialties,
                    ),
                    request_id=m.rid("expert", i),
                ),
                metadata=c.authority,
            ).name
        ),
        range(len(city.experts)),
    )
    m.enterprises = c.pmap(
        lambda i: (
            a.CreateEnterprise(
                apb.CreateEnterpriseRequest(
                    enterprise=apb.Enterprise(
                        credit_code=city.enterprises[i].credit_code,
                        display_name=city.enterprises[i].name,
                        town=city.enterprises[i].town,
                        industry_code=city.enterprises[i].industry,
                        audit_category=city.enterprises[i].category,  # type: ignore[arg-type]
                    ),
                    request_id=m.rid("enterprise", i),
                ),
                metadata=c.authority,
            ).name
        ),
        range(len(city.enterprises)),
    )
    say(
        f"  registered {len(m.consultancies)} consultancies, {len(m.agencies)} review agencies, "
        f"{len(m.experts)} experts, {len(m.enterprises)} enterprises ({time.perf_counter() - t0:.1f} s)"
    )


def declare_relations(c: Clients, m: Month) -> None:
    """Experts employed by a consultancy now or within 36 months, shareholdings, family ties."""
    rng = random.Random(m.seed + 1)
    code_to_consultancy = {
        org.credit_code: name for org, name in zip(m.city.consultancies, m.consultancies, strict=True)
    }
    relations: list[tuple[int, int, str, str]] = []  # expert, kind, organisation, end date
    for i, expert in enumerate(m.city.experts):
        firm = code_to_consultancy.get(expert.employer.credit_code)
        if firm:
            relations.append((i, apb.RELATION_KIND_EMPLOYMENT, firm, ""))
        elif rng.random() < 0.05:
            relations.append((i, apb.RELATION_KIND_EMPLOYMENT, rng.choice(m.consultancies), "2025-03-31"))
        if rng.random() < 0.03:
            relations.append((i, apb.RELATION_KIND_CONTRACT, rng.choice(m.consultancies), "2026-06-30"))
        if rng.random() < 0.02:
            relations.append((i, apb.RELATION_KIND_SHAREHOLDING, rng.choice(m.enterprises), ""))
        if rng.random() < 0.01:
            relations.append((i, apb.RELATION_KIND_FAMILY, rng.choice(m.enterprises), ""))

    def declare(item: tuple[int, tuple[int, int, str, str]]) -> None:
        n, (i, kind, org, end) = item
        c.assignment.CreateExpertRelation(
            apb.CreateExpertRelationRequest(
                parent=m.experts[i],
                relation=apb.ExpertRelation(kind=kind, organization=org, end_date=end),  # type: ignore[arg-type]
                request_id=m.rid("relation", n),
            ),
            metadata=c.authority,
        )

    c.pmap(declare, enumerate(relations))
    kinds: dict[str, int] = defaultdict(int)
    for _, kind, _, _ in relations:
        kinds[apb.RelationKind.Name(kind).removeprefix("RELATION_KIND_").lower()] += 1  # type: ignore[arg-type]
    say(f"  declared {len(relations)} relations: {dict(kinds)}")


# --- 2. lots, cases, draw ----------------------------------------------------


def create_lots(c: Clients, m: Month) -> None:
    rng = random.Random(m.seed + 2)
    year, batch = int(m.period[:4]), int(m.period[5:])
    # Reviews are due a week after the month ends, lot by lot one day apart.
    month_end = datetime(year + batch // 12, batch % 12 + 1, 1, 18, tzinfo=UTC) - timedelta(days=1)
    for n, agency in enumerate(m.agencies):
        lot = c.assignment.CreateLot(
            apb.CreateLotRequest(
                lot=apb.Lot(
                    year=year,
                    batch=batch,
                    lot_number=n + 1,
                    review_agency=agency,
                    review_deadline=_ts(month_end + timedelta(days=7 + n)),
                ),
                request_id=m.rid("lot", n),
            ),
            metadata=c.authority,
        )
        m.lots.append(lot)
    order = list(range(len(m.enterprises)))
    rng.shuffle(order)

    def add(item: tuple[int, int]) -> tuple[apb.Case, int]:
        k, e = item
        seed = m.city.enterprises[e]
        voluntary = seed.category == apb.AUDIT_CATEGORY_VOLUNTARY
        track = apb.CASE_TRACK_FAST if voluntary and rng.random() < 0.8 else apb.CASE_TRACK_STANDARD
        stage = apb.CASE_STAGE_ACCEPTANCE if (e * 7919) % 10 < 3 else apb.CASE_STAGE_EVALUATION
        case = c.assignment.CreateCase(
            apb.CreateCaseRequest(
                parent=m.lots[k % len(m.lots)].name,
                case=apb.Case(
                    enterprise=m.enterprises[e],
                    consultancy=m.consultancies[seed.consultancy],
                    stage=stage,  # type: ignore[arg-type]
                    track=track,  # type: ignore[arg-type]
                    industry_code=seed.industry,
                ),
                request_id=m.rid("case", e),
            ),
            metadata=c.authority,
        )
        return case, e

    m.cases = c.pmap(add, list(enumerate(order)))
    fast = sum(1 for case, _ in m.cases if case.track == apb.CASE_TRACK_FAST)
    say(f"  {len(m.lots)} lots, {len(m.cases)} cases ({fast} fast-track, {len(m.cases) - fast} standard)")


def draw_panels(c: Clients, m: Month) -> None:
    draws_dir = m.out / "draws"
    draws_dir.mkdir(parents=True, exist_ok=True)
    for n, lot in enumerate(m.lots):
        # A number announced in public before the draw (e.g. a lottery result).
        seed = f"{m.period.replace('-', '')}{lot.lot_number:02d}{m.seed % 10000:04d}"
        t0 = time.perf_counter()
        draw = c.assignment.DrawPanels(
            apb.DrawPanelsRequest(lot=lot.name, seed=seed, request_id=m.rid("draw", n)), metadata=c.authority
        )
        took = time.perf_counter() - t0
        replay = c.assignment.ReplayDraw(apb.ReplayDrawRequest(name=draw.name), metadata=c.authority)
        # DrawPanels answers with a summary; the full record (marginals, input document) is GetDraw's
        draw = c.assignment.GetDraw(apb.GetDrawRequest(name=draw.name), metadata=c.authority)
        path = draws_dir / f"lot-{lot.lot_number}.json"
        path.write_text(json_format.MessageToJson(draw, indent=1, ensure_ascii=False), encoding="utf-8")
        say(
            f"  lot {lot.lot_number}: {draw.name}  seed «{draw.seed}»\n"
            f"      inputs sha256 {draw.inputs_sha256[:16]}…  result sha256 {draw.result_sha256[:16]}…\n"
            f"      objective expected {draw.expected_objective:.2f} realised {draw.realised_objective:.2f}, "
            f"weakest panel fit {draw.weakest_panel_fit:.2f}, solver "
            + ", ".join(f"{k} {v}" for k, v in sorted(draw.solver_versions.items()))
            + f"\n      drawn in {took:.2f} s; replayed: {'identical' if replay.identical else 'DIFFERENT'}; "
            f"record: {path}"
        )
        current = c.assignment.GetLot(apb.GetLotRequest(name=lot.name), metadata=c.authority)
        if current.status != apb.LOT_STATUS_REVIEWING:  # a second run finds it under review already
            c.assignment.TransitionLot(
                apb.TransitionLotRequest(name=lot.name, status=apb.LOT_STATUS_REVIEWING), metadata=c.authority
            )
    _load_panels(c, m)


def _seats(c: Clients, request: apb.ListPanelSeatsRequest) -> list[apb.PanelSeat]:
    """Every page of a ListPanelSeats query."""
    out: list[apb.PanelSeat] = []
    request.page_size = 1000
    while True:
        page = c.assignment.ListPanelSeats(request, metadata=c.authority)
        out += page.seats
        if not page.next_page_token:
            return out
        request.page_token = page.next_page_token


def _load_panels(c: Clients, m: Month) -> None:
    m.panels = {}
    for lot in m.lots:
        for seat in _seats(c, apb.ListPanelSeatsRequest(lot=lot.name)):
            if seat.active:
                m.panels.setdefault(seat.case, []).append(seat.expert)


def recuse_one(c: Clients, m: Month) -> None:
    case, _ = m.cases[0]
    # The expert is chosen from the draw's original seats, so a second run recuses the same one
    # (and gets the first answer back) rather than whoever holds the first seat now.
    seats = _seats(c, apb.ListPanelSeatsRequest(case=case.name, include_inactive=True))
    expert = min(s.expert for s in seats if not s.from_amendment)
    try:
        c.assignment.RecuseExpert(
            apb.RecuseExpertRequest(
                case=case.name,
                expert=expert,
                reason="曾为该企业的咨询机构做过培训讲师，主动申请回避（模拟）",
                request_id=m.rid("recuse"),
            ),
            metadata=c.md(auth.Role.REVIEWER, subject=expert),
        )
    except grpc.RpcError as err:
        got = details_of(err)
        say(f"  recusal on {case.name} refused: {got.code.name} {got.reason}")
        return
    _load_panels(c, m)
    say(f"  {expert} recused from {case.name}; the seat alone was redrawn: panel now {m.panels[case.name]}")


# --- 3. scoring, ratings --------------------------------------------------------


def _rubric(c: Clients, stage: int, track: int, cache: dict[tuple[int, int], spb.RubricVersion]) -> Any:
    if (stage, track) not in cache:
        series = f"{'evaluation' if stage == 1 else 'acceptance'}-{'standard' if track == 1 else 'fast'}"
        cache[(stage, track)] = c.scoring.GetRubricVersion(
            spb.GetRubricVersionRequest(name=f"rubrics/{series}/versions/latest"), metadata=c.authority
        )
    return cache[(stage, track)]


def score_cases(c: Clients, m: Month) -> None:
    rubrics: dict[tuple[int, int], spb.RubricVersion] = {}
    expert_index = {name: i for i, name in enumerate(m.experts)}
    for case, _ in m.cases:  # fetch rubrics once, before the threads
        _rubric(c, case.stage, case.track, rubrics)
    jobs = [(case, e, expert) for case, e in m.cases for expert in m.panels.get(case.name, [])]

    def submit(job: tuple[apb.Case, int, str]) -> bool:
        case, e, expert = job
        seed = m.city.enterprises[e]
        rng = random.Random(f"{m.seed}-{case.name}-{expert}")
        truth = m.city.consultancy_quality[seed.consultancy] + random.Random(f"{case.name}").gauss(0, 4)
        lean = m.city.experts[expert_index[expert]].leniency
        level = max(0.2, min(1.0, (truth + lean + rng.gauss(0, 3)) / 100))
        rubric = _rubric(c, case.stage, case.track, rubrics)
        items = []
        for crit in rubric.criteria:
            step = crit.step or 0.5
            raw = crit.max_points * min(1.0, max(0.0, level + rng.gauss(0, 0.05)))
            points = min(crit.max_points, round(raw / step) * step)
            comment = (
                "" if points >= crit.max_points else f"扣分：{crit.title_zh or crit.title}论证不足（模拟）"
            )
            items.append(spb.CriterionScore(criterion_id=crit.id, points=points, comment=comment))
        vetoes = []
        if truth < 60 and rng.random() < 0.05 and rubric.veto_items:
            vetoes.append(
                spb.VetoFinding(veto_id=rubric.veto_items[0].id, reason="物料平衡数据前后矛盾（模拟）")
            )
        try:
            c.scoring.SubmitScore(
                spb.SubmitScoreRequest(
                    case=case.name, items=items, vetoes=vetoes, request_id=m.rid("score", case.name, expert)
                ),
                metadata=c.md(auth.Role.REVIEWER, subject=expert),
            )
        except grpc.RpcError as err:
            # A re-run after a seat changed on the pages (a recusal): the newcomer's panel was
            # locked by the earlier run, so its score is refused; nothing else is.
            if err.code() != grpc.StatusCode.FAILED_PRECONDITION:  # type: ignore[attr-defined]
                raise
            return False
        return True

    t0 = time.perf_counter()
    done = c.pmap(submit, jobs)
    say(
        f"  {sum(done)} scores submitted by {len({j[2] for j, ok in zip(jobs, done, strict=True) if ok})} "
        f"experts ({time.perf_counter() - t0:.1f} s)"
    )
    if not all(done):
        say(f"  {len(done) - sum(done)} not taken: their panels were locked by an earlier run")

    def lock(case: apb.Case) -> tuple[str, spb.CaseResult]:
        return case.name, c.scoring.LockPanel(
            spb.LockPanelRequest(case=case.name, request_id=m.rid("lock", case.name)), metadata=c.authority
        )

    m.results = dict(c.pmap(lock, [case for case, _ in m.cases if m.panels.get(case.name)]))
    grades: dict[str, int] = defaultdict(int)
    for r in m.results.values():
        grades[r.grade or "?"] += 1
    flagged = sum(1 for r in m.results.values() if r.spread_flag)
    vetoed = sum(1 for r in m.results.values() if r.vetoed)
    say(f"  {len(m.results)} panels locked; grades {dict(grades)}; {flagged} spread flags; {vetoed} vetoed")


def rate_each_other(c: Clients, m: Month) -> None:
    jobs: list[tuple[apb.Case, str]] = []
    for case, _ in m.cases:
        for expert in m.panels.get(case.name, []):
            jobs.append((case, expert))
        jobs.append((case, ""))  # the consultancy rates the review side
    consultancy_quality = dict(zip(m.consultancies, m.city.consultancy_quality, strict=True))

    def rate(job: tuple[apb.Case, str]) -> None:
        case, expert = job
        rng = random.Random(f"{m.seed}-rating-{case.name}-{expert}")
        if expert:
            q = consultancy_quality[case.consultancy]
            base = 1 + 4 * max(0.0, min(1.0, (q - 50) / 45))
            items = {
                k: max(1, min(5, round(base + rng.gauss(0, 0.6))))
                for k in ("technical_capability", "service_quality")
            }
            md = c.md(auth.Role.REVIEWER, subject=expert)
        else:
            items = {
                k: max(1, min(5, round(4 + rng.gauss(0, 0.7))))
                for k in ("professionalism", "fairness", "timeliness", "communication")
            }
            md = c.md(auth.Role.CONSULTANCY, subject=f"{case.consultancy}/users/main", org=case.consultancy)
        c.scoring.SubmitRating(
            spb.SubmitRatingRequest(
                case=case.name, items=items, request_id=m.rid("rating", case.name, expert or "c")
            ),
            metadata=md,
        )

    c.pmap(rate, jobs)
    case, _ = m.cases[1]
    seen = c.scoring.ListRatings(
        spb.ListRatingsRequest(case=case.name, direction=spb.RATING_DIRECTION_EXPERT_TO_CONSULTANCY),
        metadata=c.authority,
    )
    say(
        f"  {len(jobs)} mutual ratings, sealed until both sides rated "
        f"({case.name}: {len(seen.ratings)} by the panel)"
    )


# --- 4. surveys ---------------------------------------------------------------


def send_surveys(c: Clients, m: Month) -> None:
    """The authority issues the links when review starts; enterprises open their forms."""
    ent = {name: m.city.enterprises[i] for i, name in enumerate(m.enterprises)}
    agency_names = dict(zip(m.agencies, (a.name for a in m.city.agencies), strict=True))
    firm_names = dict(zip(m.consultancies, (f.name for f in m.city.consultancies), strict=True))
    lot_agency = {lot.name: lot.review_agency for lot in m.lots}
    deadline = _ts(datetime.now(UTC) + timedelta(days=14))
    links: list[str] = []
    (m.out / "surveys").mkdir(parents=True, exist_ok=True)
    for lot in m.lots:
        facts = [
            vpb.CaseFacts(
                case=case.name,
                case_display_name=ent[case.enterprise].name
                + ("清洁生产审核评估" if case.stage == apb.CASE_STAGE_EVALUATION else "清洁生产审核验收"),
                lot=lot.name,
                enterprise=case.enterprise,
                enterprise_display_name=ent[case.enterprise].name,
                consultancy=case.consultancy,
                consultancy_display_name=firm_names[case.consultancy],
                review_agency=lot_agency[lot.name],
                review_agency_display_name=agency_names[lot_agency[lot.name]],
            )
            for case, _ in m.cases
            if case.lot == lot.name
        ]
        issued = c.surveys.IssueInvitations(
            vpb.IssueInvitationsRequest(cases=facts, deadline=deadline), metadata=c.authority
        )
        links += [link.url for link in issued.links]
        if issued.links:  # a re-run issues none: keep the earlier run's file, the links' only copy
            (m.out / "surveys" / f"links-lot-{lot.lot_number}.csv").write_bytes(issued.links_csv)
    public = c.md(auth.Role.PUBLIC, subject="anonymous")

    def open_form(item: tuple[int, str]) -> tuple[str, vpb.SurveyForm] | None:
        n, url = item
        if random.Random(f"{m.seed}-survey-{n}").random() > 0.78:  # some never answer
            return None
        token = url.rsplit("/", 1)[-1]
        return token, c.surveys.OpenSurvey(vpb.OpenSurveyRequest(token=token), metadata=public)

    if not links:
        say(
            "  invitations were issued by an earlier run (a link is shown once, when issued; "
            f"its CSV stays under {m.out / 'surveys'})"
        )
    m.open_forms = [f for f in c.pmap(open_form, list(enumerate(links))) if f is not None]
    m.forms_opened_at = time.monotonic()
    say(
        f"  {len(links)} single-use survey links issued (CSV under {m.out / 'surveys'}); "
        f"{len(m.open_forms)} enterprises opened their form"
    )


def answer_surveys(c: Clients, m: Month, *, min_seconds: float = 65.0) -> None:
    """Enterprises answer; answers given faster than the threshold would be flagged."""
    if not m.open_forms:  # a re-run: every link was used by an earlier run, nothing to wait for
        say("  no survey form is open: the links were answered by an earlier run")
        return
    wait = m.forms_opened_at + min_seconds - time.monotonic()
    if wait > 0:
        say(f"  enterprises take their time: waiting {wait:.0f} s so no answer counts as too fast")
        time.sleep(wait)
    quality = dict(zip((f.name for f in m.city.consultancies), m.city.consultancy_quality, strict=True))
    public = c.md(auth.Role.PUBLIC, subject="anonymous")

    def answer(item: tuple[int, tuple[str, vpb.SurveyForm]]) -> None:
        n, (token, form) = item
        rng = random.Random(f"{m.seed}-answer-{n}")
        good = 0.75
        if form.rated_party_kind == vpb.RATED_PARTY_KIND_CONSULTANCY:
            good = max(0.1, min(1.0, (quality.get(form.rated_party_display_name, 80) - 50) / 45))
        dims = {it.dimension for it in form.survey_template.items}
        lean = {d: rng.gauss(0, 0.15) for d in dims}
        answers: dict[str, vpb.Answer] = {}
        for it in form.survey_template.items:
            if it.purpose in (vpb.ITEM_PURPOSE_DIMENSION, vpb.ITEM_PURPOSE_OVERALL_SATISFACTION):
                lo, hi = it.scale_min, it.scale_max
                level = good + lean.get(it.dimension, 0.0) + rng.gauss(0, 0.2)
                answers[it.key] = vpb.Answer(scale=round(lo + (hi - lo) * min(1.0, max(0.0, level))))
            elif it.purpose == vpb.ITEM_PURPOSE_SERVICE_QUALITY_SCORE:
                answers[it.key] = vpb.Answer(scale=max(0, min(100, round(100 * good + rng.gauss(0, 8)))))
            elif it.purpose == vpb.ITEM_PURPOSE_WOULD_HIRE_AGAIN:
                answers[it.key] = vpb.Answer(yes=good + rng.gauss(0, 0.2) > 0.5)
            elif it.purpose == vpb.ITEM_PURPOSE_COMMENT and rng.random() < 0.3:
                answers[it.key] = vpb.Answer(text="服务总体满意，希望现场指导更及时。（模拟）")
        c.surveys.SubmitSurveyResponse(
            vpb.SubmitSurveyResponseRequest(token=token, answers=answers), metadata=public
        )

    c.pmap(answer, list(enumerate(m.open_forms)))
    say(f"  {len(m.open_forms)} surveys answered, each link used once")


# --- 5. standing, flags, bulletin ------------------------------------------------


def standings_and_bulletin(c: Clients, m: Month) -> list[Path]:
    st = c.standings
    rng = random.Random(m.seed + 5)
    computed = st.ComputeStandings(
        stpb.ComputeStandingsRequest(period=m.period, request_id=m.rid("standings")), metadata=c.authority
    )
    say(
        f"  standings {computed.period}: {computed.consultancies} consultancies, "
        f"{computed.review_agencies} review agencies; components {', '.join(computed.components)}"
    )
    for note in computed.notes:
        say(f"      note: {note}")
    # The authority's spot checks this month: the labels the flag model learns from.
    checked = rng.sample(range(len(m.consultancies)), min(80, len(m.consultancies)))
    # Decided on a fixed day of the period, so that a second run sends the very same requests.
    decided = _ts(datetime(int(m.period[:4]), int(m.period[5:]), 20, 10, tzinfo=UTC))
    for n, i in enumerate(checked):
        st.RecordDetermination(
            stpb.RecordDeterminationRequest(
                determination=stpb.Determination(
                    consultancy=m.consultancies[i],
                    period=m.period,
                    kind=stpb.DETERMINATION_KIND_SPOT_CHECK,
                    substandard=m.city.consultancy_quality[i] < 70,
                    evidence=[f"抽查记录 {m.period}-{n:03d}（模拟）"],
                    decide_time=decided,
                ),
                request_id=m.rid("determination", i),
            ),
            metadata=c.authority,
        )
    try:
        model = st.TrainFlagModel(stpb.TrainFlagModelRequest(request_id=m.rid("train")), metadata=c.authority)
        say(
            f"  flag model {model.name} trained on {len(checked)} determinations; "
            f"metrics {dict(model.metrics)}"
        )
    except grpc.RpcError as err:
        got = details_of(err)
        say(f"  flag model not trained ({got.reason}): {got.message}; the statistical rule alone decides")
    scored = st.ScoreFlags(
        stpb.ScoreFlagsRequest(period=m.period, request_id=m.rid("flags")), metadata=c.authority
    )
    say(f"  flags: {scored.ok} OK, {scored.watch} WATCH, {scored.proposed} PROPOSE_NOTICE")
    proposed = st.ListFlags(
        stpb.ListFlagsRequest(period=m.period, level=stpb.FLAG_LEVEL_PROPOSE_NOTICE, page_size=1000),
        metadata=c.authority,
    ).flags
    for n, flag in enumerate(proposed):
        # Due process: each firm reads its proposed flag and answers within its window.
        statement = (
            "本机构对报告质量评分有异议，已补充提交物料平衡原始数据，请复核。（模拟）"
            if n % 2 == 0
            else "本机构接受评定结果，将按要求整改。（模拟）"
        )
        st.FileStatement(
            stpb.FileStatementRequest(
                name=flag.name, statement=statement, request_id=m.rid("statement", flag.name)
            ),
            metadata=c.md(
                auth.Role.CONSULTANCY, subject=f"{flag.consultancy}/users/main", org=flag.consultancy
            ),
        )
        if flag.notice_state == stpb.NOTICE_STATE_PROPOSED:
            st.ApproveNotice(
                stpb.ApproveNoticeRequest(
                    name=flag.name,
                    reason="经复核，证据充分，予以通报。（模拟）",
                    request_id=m.rid("approve", flag.name),
                ),
                metadata=c.authority,
            )
    if proposed:
        say(
            f"  {len(proposed)} proposed notices: each firm filed a statement; "
            "the authority reviewed and approved"
        )
    else:
        say("  no notice proposed this period: no firm's evidence reached the notice threshold")
    bulletin = st.PublishBulletin(
        stpb.PublishBulletinRequest(period=m.period, request_id=m.rid("publish")), metadata=c.authority
    )
    verified = st.VerifyBulletin(stpb.VerifyBulletinRequest(name=bulletin.name), metadata=c.authority)
    folder = m.out / "bulletins" / m.period / f"v{bulletin.version}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in bulletin.files:
        content = (
            f.content
            or st.GetBulletinFile(
                stpb.GetBulletinFileRequest(bulletin=bulletin.name, file=f.file), metadata=c.authority
            ).content
        )
        path = folder / f.file
        path.write_bytes(content)
        paths.append(path)
    say(
        f"  bulletin {bulletin.name} v{bulletin.version} published, sha256 {bulletin.sha256[:16]}…, "
        f"{bulletin.notices} notices; verification: {'ok' if verified.ok else 'FAILED'}"
    )
    return paths


def gateway_logins(c: Clients, m: Month) -> None:
    """Accounts for one seeded reviewer and one consultancy, with single-use activation links."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    if not (root / "gateway" / "__main__.py").exists():
        return
    base = config.public_base_url()
    expert = next(iter(m.panels.values()))[0]
    firm = m.cases[0][0].consultancy
    people = [
        ("reviewer-demo", "reviewer", expert, "", "示例评审专家（模拟）"),
        ("consultancy-demo", "consultancy", f"{firm}/users/main", firm, "示例咨询机构（模拟）"),
        ("authority-demo", "authority", "authority/users/demo", "", "示例主管部门人员（模拟）"),
    ]
    for username, role, subject, org, display in people:
        args = ["--username", username]
        out = subprocess.run(
            [sys.executable, "-m", "gateway", "account", "create", *args, "--role", role,
             "--subject", subject, "--org", org, "--display-name", display],
            cwd=root, capture_output=True, text=True,
        )  # fmt: skip
        if out.returncode != 0:  # exists from an earlier run: a fresh activation link
            out = subprocess.run(
                [sys.executable, "-m", "gateway", "account", "reissue", *args],
                cwd=root, capture_output=True, text=True,
            )  # fmt: skip
        link = out.stdout.strip().splitlines()[-1] if out.returncode == 0 and out.stdout.strip() else ""
        say(
            f"  {role:<11} {username}: set a password at {base}{link}"
            if link
            else f"  {username}: {out.stderr}"
        )
    say(f"  public bulletins: {base}/bulletins")


def _event_id(name: str) -> int:
    return int(name.rsplit("/", 1)[1]) if name else 0


def _audit_heads(c: Clients, audits: Sequence[augrpc.AuditServiceStub]) -> list[int] | None:
    """The newest audit event id of each service (None when the audit trail cannot be read)."""
    try:
        heads = []
        for a in audits:
            page = a.ListAuditEvents(aupb.ListAuditEventsRequest(page_size=1), metadata=c.authority)
            heads.append(_event_id(page.audit_events[0].name) if page.audit_events else 0)
        return heads
    except grpc.RpcError:
        return None


def _changes_since(
    c: Clients, audits: Sequence[augrpc.AuditServiceStub], before: list[int] | None
) -> int | None:
    """How many changes the services recorded since ``before`` (0: the step had been done)."""
    if before is None:
        return None
    total = 0
    try:
        for a, head in zip(audits, before, strict=True):
            request = aupb.ListAuditEventsRequest(page_size=1000)
            while True:
                page = a.ListAuditEvents(request, metadata=c.authority)
                newer = [e for e in page.audit_events if _event_id(e.name) > head]
                total += sum(1 for e in newer if e.code == "OK")
                if len(newer) < len(page.audit_events) or not page.next_page_token:
                    break
                request.page_token = page.next_page_token
    except grpc.RpcError:
        return None
    return total


STEPS: Sequence[tuple[str, Callable[[Clients, Month], Any]]] = (
    ("Registering parties", register),
    ("Declaring experts' relations", declare_relations),
    ("Creating tender lots and cases", create_lots),
    ("Drawing panels", draw_panels),
    ("Recusal", recuse_one),
    ("Survey links to the enterprises", send_surveys),
    ("Scoring audit reports", score_cases),
    ("Mutual ratings", rate_each_other),
    ("Enterprises answer their surveys", answer_surveys),
    ("Standing, flags and bulletin", standings_and_bulletin),
    ("Logins for people (gateway)", gateway_logins),
)


def main(argv: Sequence[str] | None = None) -> Month:
    parser = argparse.ArgumentParser(prog="python -m scripts.month", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--period", default=datetime.now(UTC).strftime("%Y-%m"), help="YYYY-MM")
    parser.add_argument("--consultancies", type=int, default=100)
    parser.add_argument("--experts", type=int, default=300)
    parser.add_argument("--enterprises", type=int, default=400)
    parser.add_argument("--agencies", type=int, default=4)
    parser.add_argument("--out", default=str(config.data_dir() / "out"))
    args = parser.parse_args(list(argv or []))
    city = make_city(
        args.seed,
        consultancies=args.consultancies,
        experts=args.experts,
        enterprises=args.enterprises,
        agencies=args.agencies,
    )
    month = Month(city=city, seed=args.seed, period=args.period, out=Path(args.out))
    clients, channels = connect()
    audits = [augrpc.AuditServiceStub(ch) for ch in channels]
    say(
        f"\nA month of SYNTHETIC data {SYNTHETIC}: period {args.period}, seed {args.seed}, "
        f"{len(INDUSTRIES)} industries"
    )
    started = time.perf_counter()
    files: list[Path] = []
    try:
        for n, (title, step) in enumerate(STEPS, 1):
            say(f"[{n}/{len(STEPS)}] {title}")
            t0 = time.perf_counter()
            before = _audit_heads(clients, audits)
            try:
                result = step(clients, month)
            except grpc.RpcError as err:
                # Whatever people did on the pages in between, a re-run reports and goes on.
                got = details_of(err)
                say(f"      not finished: {got.code.name} {got.reason}: {got.message}")
                continue
            # The gateway's accounts are made by its CLI, outside the services' audit trails.
            changed = None if step is gateway_logins else _changes_since(clients, audits, before)
            took = f"{time.perf_counter() - t0:.1f} s"
            if changed == 0:
                took += "; already done by an earlier run, nothing changed"
            elif changed is not None:
                took += f"; {changed} changes recorded"
            say(f"      ({took})")
            if isinstance(result, list):
                files = result
    finally:
        clients.pool.shutdown()
        for ch in channels:
            ch.close()
    say(f"\nThe month ran end to end in {time.perf_counter() - started:.0f} s. Bulletin files:")
    for path in files:
        say(f"  {path}")
    summary = {"period": args.period, "bulletin": [str(p) for p in files], "draws": str(month.out / "draws")}
    (month.out / "month.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return month


if __name__ == "__main__":
    main(__import__("sys").argv[1:])
