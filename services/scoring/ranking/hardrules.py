"""Hard rules on top of the statistical flag: what a panel's veto means for the consultancy.

- A **falsified-data veto** (rubric veto item ``falsified_data``, 数据弄虚作假) ticked by an expert of a
  *locked* panel proposes a notice, whatever the statistics say, naming the cases. It is still only a
  proposal: the firm files its statement and the authority approves or rejects (due process).
- A consultancy with **vetoed or failed reports** in the window is never shown as a plain OK: a vetoed
  report puts it at least on the watch list with the count as the reason; failed reports without a
  veto keep the level the evidence gives and say how many failed.

Pure functions over the flags of :func:`services.scoring.ranking.flags.decide_flags` and the counts
read from the stored standings run; the servicer and the simulations call the same code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from services.scoring.ranking.flags import Flag, FlagLevel, Reason

FALSIFIED_DATA = "falsified_data"


@dataclass(frozen=True)
class Outcomes:
    """A consultancy's calibrated reports in the window and how many failed or were vetoed."""

    reports: int
    failed: int
    vetoed: int


def falsified_veto_reason(cases: Sequence[str]) -> Reason:
    """The hard rule in words. The cases are counted, not listed: a published notice names the firm,
    never internal case identifiers (the firm sees its own cases in its pages, the authority in the
    flag's evidence)."""
    n = len(cases)
    return Reason(
        "FALSIFIED_DATA_VETO",
        f"评审专家组在已锁定的评审中以“数据弄虚作假”一票否决该单位编制的 {n} 份报告，"
        "按硬性规则提议通报，不论统计结果；单位可在陈述期内陈述申辩。",
        f"Locked review panels vetoed {n} report(s) written by the firm for falsified data: a notice is "
        "proposed under the hard rule, whatever the statistics say; the firm may answer within the "
        "statement window.",
    )


def outcome_reason(o: Outcomes) -> Reason:
    if o.vetoed:
        return Reason(
            "VETOED_REPORTS",
            f"窗口内 {o.reports} 份报告中有 {o.vetoed} 份被一票否决、{o.failed} 份未通过，列入重点关注。",
            f"{o.vetoed} of {o.reports} reports in the window were vetoed and {o.failed} failed: "
            "on the watch list.",
        )
    return Reason(
        "FAILED_REPORTS",
        f"窗口内 {o.reports} 份报告中有 {o.failed} 份未一次通过；其余证据尚不足以列入重点关注。",
        f"{o.failed} of {o.reports} reports in the window did not pass at the first review; the rest of the "
        "evidence does not put the firm on the watch list.",
    )


def apply_hard_rules(
    flags: Sequence[Flag],
    falsified_vetoes: Mapping[str, Sequence[str]],
    outcomes: Mapping[str, Outcomes],
) -> list[Flag]:
    """The flags with the hard rules applied (order kept)."""
    out: list[Flag] = []
    for flag in flags:
        cases = falsified_vetoes.get(flag.firm_id, ())
        o = outcomes.get(flag.firm_id)
        if cases:
            reasons = (falsified_veto_reason(sorted(cases)), *flag.reasons)
            flag = replace(flag, level=FlagLevel.PROPOSE_NOTICE, reasons=reasons, hard_rule=True)
        elif o is not None and (o.vetoed or o.failed) and flag.level is not FlagLevel.PROPOSE_NOTICE:
            level = FlagLevel.WATCH if o.vetoed else flag.level
            flag = replace(flag, level=level, reasons=(outcome_reason(o), *flag.reasons))
        out.append(flag)
    return out
