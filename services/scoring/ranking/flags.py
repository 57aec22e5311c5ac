"""Flags per consultancy (OK / WATCH / PROPOSE_NOTICE) with reasons a firm can contest.

The publication rule (ranking README, "Why this rule") decides: at least ``min_reports`` (10)
calibrated reports and P(true quality < pass line) above ``propose_probability`` (0.99) proposes
a notice; from ``watch_probability`` (0.1) up, the firm is watched (unpublished).
The model may also propose, under the same minimum evidence, when its calibrated risk passes its
threshold; hard rules (verified falsification) propose regardless. A flag is only a proposal:
the authority decides (see ``dueprocess``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from services.scoring.ranking.flagmodel import FeatureSpec, FlagModel
from services.scoring.ranking.standing import Standings

FloatArray = NDArray[np.float64]


class FlagLevel(StrEnum):
    OK = "OK"
    WATCH = "WATCH"
    PROPOSE_NOTICE = "PROPOSE_NOTICE"


@dataclass(frozen=True)
class FlagConfig:
    """Policy thresholds of the flag rule."""

    # A firm is judged afresh every month, so the rule must hold at the level of a firm over a
    # year: a name needs the posterior certainty whose complement bounds the chance that it is
    # wrong at the moment it is given, however many months looked before (a posterior at a
    # stopping time stays a posterior), and enough reports for the posterior to be trusted (the
    # wrong names of the old rule, P > 0.9 on 3 reports, came from 3-8 reports). See README.
    min_reports: int = 10
    propose_probability: float = 0.99
    watch_probability: float = 0.1
    model_propose_risk: float = 0.95
    model_watch_risk: float = 0.5
    # The model may propose only where the firm's own reports already give the certainty a notice
    # needs: a model trained on few boundary cases is overconfident there (it proposed a firm at
    # P = 0.80 that was above the line, in the year simulation), and a notice must rest on
    # evidence the firm can contest. Below that, its risk only puts a firm on the watch list.
    model_min_probability: float = 0.99
    explain_top: int = 3
    # Occlusion contributions below this (in probability) are not worth naming.
    explain_min_contribution: float = 0.01


@dataclass(frozen=True)
class Reason:
    """One reason, in the two languages of the bulletin; ``code`` is stable for machines."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Flag:
    firm_id: str
    level: FlagLevel
    reasons: tuple[Reason, ...]
    n_reports: int
    quality_mean: float
    p_below_pass: float
    model_risk: float | None
    hard_rule: bool


@dataclass(frozen=True)
class ModelEvidence:
    """The model's calibrated risk per firm and each feature's share of it (for the wording)."""

    version: str
    risk: FloatArray
    contributions: FloatArray  # firms x the model's features
    features: tuple[FeatureSpec, ...]
    values: FloatArray  # firms x the model's features: the evidence named in the reasons


def percent(p: float) -> str:
    """Probability in words that never claim certainty the model does not have."""
    if p > 0.995:
        return ">99%"
    if p < 0.005:
        return "<1%"
    return f"{p:.0%}"


def _statistical_reason(
    n: int, q: float, sd: float, p: float, line: float, level: float, min_reports: int
) -> Reason:
    z = float(ndtri(0.5 + level / 2.0))
    lo, hi = q - z * sd, q + z * sd
    side_zh, side_en = ("低于", "below") if q < line else ("高于", "above")
    pct = f"{level:.0%}"
    zh = (
        f"统计窗口内经校准的报告 {n} 份；报告质量估计 {q:.1f} 分（{pct} 区间 {lo:.1f}–{hi:.1f}），"
        f"{side_zh}合格线 {line:.0f} 分 {abs(q - line):.1f} 分；真实质量低于合格线的概率为 {percent(p)}。"
    )
    en = (
        f"{n} calibrated reports in the window; estimated report quality {q:.1f} "
        f"({pct} interval {lo:.1f}-{hi:.1f}), {abs(q - line):.1f} points {side_en} the pass line of "
        f"{line:.0f}; probability that true quality is below the line: {percent(p)}."
    )
    if n < min_reports:
        zh += f"报告少于按统计规则提议通报所需的 {min_reports} 份，统计规则不据此提议通报。"
        en += (
            f" Fewer than the {min_reports} reports the statistical rule needs, so the statistics alone"
            " propose no notice."
        )
    return Reason("STATISTICAL_RULE", zh, en)


def _feature_value(name: str, v: float) -> tuple[str, str]:
    """A feature's value in the unit a reader knows: a count, a probability, or points of 100."""
    if name == "n_reports":
        return f" {v:.0f} 份", f"{v:.0f}"
    if name == "p_below_pass":
        return f" {percent(v)}", percent(v)
    return f" {v:.1f} 分（满分 100）", f"{v:.1f} of 100"


def _model_reason(ev: ModelEvidence, i: int, cfg: FlagConfig) -> Reason:
    risk = float(ev.risk[i])
    order = np.argsort(-ev.contributions[i])[: cfg.explain_top]
    named = [j for j in order if ev.contributions[i, j] >= cfg.explain_min_contribution]
    parts_zh, parts_en = [], []
    for j in named:
        f = ev.features[j]
        value_zh, value_en = _feature_value(f.name, float(ev.values[i, j]))
        share = ev.contributions[i, j]
        parts_zh.append(f"{f.label_zh}{value_zh}（该项使风险上升 {share:.0%}）")
        parts_en.append(f"{f.label_en} {value_en} (raises the risk by {share:.0%})")
    zh = (
        f"辅助风险评估模型（版本 {ev.version}）评估的风险为 {percent(risk)}"
        f"（提议阈值 {cfg.model_propose_risk:.0%}）；"
        + ("主要依据：" + "；".join(parts_zh) + "。" if parts_zh else "无单项证据起主导作用。")
    )
    en = (
        f"The supporting risk model (version {ev.version}) puts the risk at {percent(risk)} "
        "(proposal threshold "
        f"{cfg.model_propose_risk:.0%}); "
        + ("main evidence: " + "; ".join(parts_en) + "." if parts_en else "no single item dominates.")
    )
    return Reason("MODEL_RISK", zh, en)


FALSIFICATION_REASON = Reason(
    "VERIFIED_FALSIFICATION",
    "经主管部门核实存在数据造假，按硬性规则提议通报，不论统计结果。",
    "Falsified data verified by the authority: a notice is proposed under the hard rule, "
    "whatever the statistics say.",
)


def decide_flags(
    standings: Standings,
    config: FlagConfig | None = None,
    model: ModelEvidence | None = None,
    falsified: Collection[str] = (),
) -> list[Flag]:
    """Flag every firm of ``standings``; vectorised decision, reasons worded per firm."""
    cfg = config or FlagConfig()
    scfg = standings.config
    quality = standings.components.get(scfg.quality_component)
    if quality is None:
        raise ValueError("standings have no quality component; the publication rule needs it")
    p = standings.p_below_pass
    n = standings.n_quality
    enough = n >= cfg.min_reports
    hard = np.isin(np.asarray(standings.firm_ids, dtype=object), list(falsified))
    risk = model.risk if model is not None else np.zeros_like(p)
    propose = hard | (enough & (p > cfg.propose_probability))
    if model is not None:
        propose |= enough & (risk >= cfg.model_propose_risk) & (p >= cfg.model_min_probability)
    watch = ~propose & ((p >= cfg.watch_probability) | (risk >= cfg.model_watch_risk))
    flags = []
    for i, firm in enumerate(standings.firm_ids):
        level = FlagLevel.PROPOSE_NOTICE if propose[i] else FlagLevel.WATCH if watch[i] else FlagLevel.OK
        reasons: list[Reason] = []
        if hard[i]:
            reasons.append(FALSIFICATION_REASON)
        reasons.append(
            _statistical_reason(
                int(n[i]),
                float(quality.mean[i]),
                float(quality.sd[i]),
                float(p[i]),
                scfg.pass_line,
                scfg.interval_level,
                cfg.min_reports,
            )
        )
        if model is not None and level is not FlagLevel.OK:
            reasons.append(_model_reason(model, i, cfg))
        flags.append(
            Flag(
                firm_id=firm,
                level=level,
                reasons=tuple(reasons),
                n_reports=int(n[i]),
                quality_mean=float(quality.mean[i]),
                p_below_pass=float(p[i]),
                model_risk=float(risk[i]) if model is not None else None,
                hard_rule=bool(hard[i]),
            )
        )
    return flags


def evaluate_model(model: FlagModel, x: FloatArray) -> ModelEvidence:
    """Risk of every firm and each feature's contribution against the period's median firm."""
    reference = np.array([np.median(c[np.isfinite(c)]) if np.isfinite(c).any() else 0.0 for c in x.T])
    return ModelEvidence(
        model.version, model.risk(x), model.contributions(x, reference), model.features, model.used(x)
    )
