"""Optimal, random and replayable panel draws: pure numerics, no database, no gRPC.

Build an :class:`Instance` (sparse over eligible pairs), call :func:`draw` with a seed.
See ``draw`` for which guarantee holds for which rule.
"""

from .caps import CAP_POLICIES, CapRaise
from .diagnose import CaseDiagnosis, InfeasibleError
from .draw import ALGORITHM, DrawResult, best_panel_fit, check_assignment, draw, solver_versions
from .instance import NO_EMPLOYER, Instance, SolverOptions
from .lottery import Lottery
from .repair import Repair, RepairFailed

__all__ = [
    "ALGORITHM",
    "CAP_POLICIES",
    "NO_EMPLOYER",
    "CapRaise",
    "CaseDiagnosis",
    "DrawResult",
    "InfeasibleError",
    "Instance",
    "Lottery",
    "Repair",
    "RepairFailed",
    "SolverOptions",
    "best_panel_fit",
    "check_assignment",
    "draw",
    "solver_versions",
]
