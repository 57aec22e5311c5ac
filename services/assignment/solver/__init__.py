"""Optimal, random and replayable panel draws: pure numerics, no database, no gRPC.

Build an :class:`Instance` (sparse over eligible pairs), call :func:`draw` with a seed.
See ``draw`` for which guarantee holds for which rule.
"""

from .diagnose import CaseDiagnosis, InfeasibleError
from .draw import ALGORITHM, DrawResult, best_panel_fit, check_assignment, draw, solver_versions
from .instance import NO_EMPLOYER, Instance, SolverOptions
from .repair import Repair, RepairFailed

__all__ = [
    "ALGORITHM",
    "NO_EMPLOYER",
    "CaseDiagnosis",
    "DrawResult",
    "InfeasibleError",
    "Instance",
    "Repair",
    "RepairFailed",
    "SolverOptions",
    "best_panel_fit",
    "check_assignment",
    "draw",
    "solver_versions",
]
