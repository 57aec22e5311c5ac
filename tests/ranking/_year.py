"""A city's year, replayed through the production path of a month: the scoring calibration, the
standings' evidence building, the stored run (JSON and back), the flag rule, and due process with
every proposed notice approved (the worst case for a wrong name).

World (as in the issue that measured the old rule): consultancies with known true report quality
N(mean, 9), skewed volumes, experts with a leniency bias of a given SD, panels of three drawn at
random, monthly lots; the authority spot-checks firms behind 10 % of cases (its determinations are
the flag model's labels, retrained quarterly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from scipy.stats import spearmanr
from threadpoolctl import threadpool_limits

from services.scoring.calibration import calibrate
from services.scoring.ranking.dueprocess import DueProcessConfig, NoticeState, decide, merge_notice
from services.scoring.ranking.flagmodel import FlagModel, InsufficientLabelsError, train_flag_model
from services.scoring.ranking.flags import FlagLevel
from services.scoring.ratings import EXPERT_TO_CONSULTANCY
from services.scoring.standings.config import StandingsConfig
from services.scoring.standings.evidence import gather_evidence
from services.scoring.standings.period import judge, rank
from services.scoring.standings.reads import RatingEvidence, ScoreEvidence
from services.scoring.standings.runs import CONSULTANCY, StoredStanding, features_of


@dataclass(frozen=True)
class World:
    quality_mean: float = 78.0
    quality_sd: float = 9.0
    expert_bias_sd: float = 5.0
    n_firms: int = 100
    n_experts: int = 300
    cases_per_month: int = 200
    months: int = 12
    case_sd: float = 6.0
    score_noise_sd: float = 3.0
    volume_sigma: float = 1.0
    spot_check_share: float = 0.10
    seed: int = 19


@dataclass
class Year:
    world: World
    true_quality: np.ndarray
    notices: list[tuple[int, int, int, float]] = field(default_factory=list)  # month, firm, n, p
    spearman: float = float("nan")
    rmse_raw: float = float("nan")
    rmse_calibrated: float = float("nan")
    final: list[StoredStanding] = field(default_factory=list)
    models: list[str] = field(default_factory=list)

    @property
    def bad(self) -> set[int]:
        return set(np.flatnonzero(self.true_quality < 70.0).tolist())

    @property
    def named(self) -> set[int]:
        return {f for _, f, _, _ in self.notices}

    @property
    def wrong(self) -> set[int]:
        return self.named - self.bad

    @property
    def wrong_share(self) -> float:
        """Distinct firms wrongly named over distinct firms named in the year."""
        return len(self.wrong) / max(len(self.named), 1)

    @property
    def recall(self) -> float:
        return len(self.named & self.bad) / max(len(self.bad), 1)

    def line(self) -> str:
        w = self.world
        months = len({(m, f) for m, f, _, _ in self.notices})
        return (
            f"N({w.quality_mean:.0f}, {w.quality_sd:.0f}), bias SD {w.expert_bias_sd:.0f}: "
            f"{len(self.named)} firms named ({months} notice-months), {len(self.wrong)} wrongly "
            f"({self.wrong_share:.1%}); recall {self.recall:.1%} of {len(self.bad)} substandard; "
            f"Spearman {self.spearman:.3f} (>=10 cases); RMSE raw {self.rmse_raw:.2f} -> "
            f"calibrated {self.rmse_calibrated:.2f}; models {len(self.models)}"
        )


def firm_name(i: int) -> str:
    return f"consultancies/{i:05d}"


def simulate(world: World, cfg: StandingsConfig | None = None) -> Year:
    # one BLAS thread: on a shared machine a threaded 300x300 eigh is 30 times slower, not faster
    with threadpool_limits(1):
        return _simulate(world, cfg or StandingsConfig())


def _simulate(world: World, cfg: StandingsConfig) -> Year:
    rng = np.random.default_rng(world.seed)
    quality = np.clip(rng.normal(world.quality_mean, world.quality_sd, world.n_firms), 35, 98)
    volume = rng.lognormal(0.0, world.volume_sigma, world.n_firms)
    n_cases = world.cases_per_month * world.months
    month = np.sort(rng.integers(0, world.months, n_cases))
    firm = rng.choice(world.n_firms, size=n_cases, p=volume / volume.sum())
    case_q = quality[firm] + rng.normal(0, world.case_sd, n_cases)
    bias = rng.normal(0, world.expert_bias_sd, world.n_experts)
    panel = np.stack([rng.choice(world.n_experts, 3, replace=False) for _ in range(n_cases)])
    raw = case_q[:, None] + bias[panel] + rng.normal(0, world.score_noise_sd, panel.shape)
    veto = rng.random(n_cases) < 0.5 / (1 + np.exp((case_q - 58) / 4))
    rating = np.clip(np.rint(1 + 4 * np.clip(quality[firm] + rng.normal(0, 10, n_cases), 0, 100) / 100), 1, 5)
    cases = [f"lots/{month[c]}/cases/{c}" for c in range(n_cases)]
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        ScoreEvidence(
            cases[c],
            f"experts/{panel[c, k]}",
            float(raw[c, k]),
            firm_name(int(firm[c])),
            "reviewAgencies/a",
            t0 + timedelta(days=30 * int(month[c])),
            bool(veto[c]),
        )
        for c in range(n_cases)
        for k in range(3)
    ]
    ratings = [
        RatingEvidence(cases[c], EXPERT_TO_CONSULTANCY, firm_name(int(firm[c])), float(rating[c]))
        for c in range(n_cases)
    ]
    year = Year(world, quality)
    due = DueProcessConfig()
    model: FlagModel | None = None
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    periods: list[str] = []
    stored_flags: dict[str, object] = {}
    index_of = {firm_name(i): i for i in range(world.n_firms)}
    for m in range(world.months):
        upto = [r for r in rows if int(r.case_name.split("/")[1]) <= m]
        in_window = [r for r in upto if int(r.case_name.split("/")[1]) > m - cfg.window_months]
        # the month's fit (its window covers the standing's), then the standings' own evidence
        fit = calibrate(
            [r.case_name for r in upto], [r.expert for r in upto], [r.total for r in upto], cfg.calibration
        )
        calibrated = dict(zip(map(str, fit.case_ids), fit.calibrated.tolist(), strict=True))
        win_cases = {r.case_name for r in in_window}
        win_ratings = [r for r in ratings if r.case_name in win_cases]
        firms, agencies, notes = gather_evidence(in_window, win_ratings, cfg, {}, calibrated, "fit")
        ranked = {r.kind: r for r in rank(firms, agencies, cfg, notes, "fit")}
        run = [StoredStanding.from_json(r.to_json()) for r in ranked[CONSULTANCY].rows]
        result = judge(run, cfg, model)
        month_flags = {}
        for flag in result.flags:
            notice = merge_notice(None, proposed=flag.level is FlagLevel.PROPOSE_NOTICE, now=t0)
            month_flags[flag.firm_id] = notice
            if notice is not None and notice.notice_state == NoticeState.PROPOSED.value:
                proposed_at = t0 + timedelta(days=30 * m + 1)
                decide(
                    state=NoticeState.PROPOSED,
                    approve=True,
                    reason="按规则批准",
                    proposed_at=proposed_at,
                    now=proposed_at + timedelta(days=due.statement_window_days + 1),
                    statement_filed=False,
                    config=due,
                )
                year.notices.append((m, index_of[flag.firm_id], flag.n_reports, flag.p_below_pass))
        stored_flags[str(m)] = month_flags
        # spot checks: the firms behind 10 % of the month's cases, truth revealed
        month_cases = np.flatnonzero(month == m)
        checked = {int(firm[c]) for c in month_cases if rng.random() < world.spot_check_share}
        by_firm = {index_of[r.entity]: k for k, r in enumerate(run)}
        picked = sorted(f for f in checked if f in by_firm)
        if picked:
            xs.append(features_of([run[by_firm[f]] for f in picked]))
            ys.append((quality[picked] < 70).astype(np.int64))
            periods += [f"m{m:02d}"] * len(picked)
        if m % 3 == 2 and xs:
            try:
                model = train_flag_model(np.vstack(xs), np.concatenate(ys), periods, cfg.model)
                year.models.append(model.version)
            except InsufficientLabelsError:
                model = None
        if m == world.months - 1:
            year.final = run
            per_case_raw = raw.mean(axis=1)
            cal = np.array([calibrated[cases[c]] for c in range(n_cases)])
            year.rmse_raw = float(np.sqrt(np.mean((per_case_raw - case_q) ** 2)))
            year.rmse_calibrated = float(np.sqrt(np.mean((cal - case_q) ** 2)))
            counts = np.bincount(firm, minlength=world.n_firms)
            ents = [r for r in run if counts[index_of[r.entity]] >= 10]
            year.spearman = float(
                spearmanr([r.composite for r in ents], [quality[index_of[r.entity]] for r in ents]).statistic
            )
    return year
