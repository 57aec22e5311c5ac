"""Who sits on which panel, asked from the assignment service and cached briefly.

Scoring never trusts the client about membership: every score and expert rating is checked
against the assignment service (``CheckPanelMembership``) under a deadline.  Answers are cached
for a few seconds so a panel scoring a case does not cost a round trip per keystroke; a positive
answer is kept longer than a negative one (a newly drawn replacement can score at once), and the
positive TTL is a setting (``DGCP_MEMBERSHIP_TTL_SECONDS``).  The cache is per process and bounded.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import grpc

from dgcp.assignment.v1 import assignment_pb2
from dgcp.assignment.v1 import assignment_pb2_grpc as assignment_grpc
from runtime.errors import FailedPrecondition, NotFound
from services.scoring.store import CaseFacts


@dataclass(frozen=True)
class Membership:
    """The assignment service's answer: is ``expert`` on the case's panel, and the case facts."""

    member: bool
    facts: CaseFacts


@dataclass(frozen=True)
class CacheConfig:
    positive_ttl_seconds: float = 10.0
    negative_ttl_seconds: float = 2.0
    max_entries: int = 100_000


Fetch = Callable[[str, str], Membership]
"""(case name, expert name) -> Membership; raises a DomainError (NOT_FOUND, UNAVAILABLE, ...)."""


class MembershipCache:
    """A small TTL cache in front of a fetch function; thread-safe, LRU-bounded."""

    def __init__(
        self, fetch: Fetch, config: CacheConfig | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fetch = fetch
        self._cfg = config or CacheConfig()
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], tuple[float, Membership]] = OrderedDict()

    def check(self, case: str, expert: str) -> Membership:
        key = (case, expert)
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                self._entries.move_to_end(key)
                return hit[1]
        answer = self._fetch(case, expert)
        ttl = self._cfg.positive_ttl_seconds if answer.member else self._cfg.negative_ttl_seconds
        with self._lock:
            self._entries[key] = (now + ttl, answer)
            self._entries.move_to_end(key)
            while len(self._entries) > self._cfg.max_entries:
                self._entries.popitem(last=False)
        return answer

    def forget(self, case: str) -> None:
        """Drop every entry of a case (after a lock or a redraw this process learned of)."""
        with self._lock:
            for key in [k for k in self._entries if k[0] == case]:
                del self._entries[key]


_STAGES = {1: "evaluation", 2: "acceptance"}
_TRACKS = {1: "standard", 2: "fast"}


def assignment_fetch(channel: grpc.Channel) -> Fetch:
    """The fetch function over the assignment service's ``CheckPanelMembership``.

    Transport failures surface as gRPC errors, which the server interceptor maps to
    UNAVAILABLE / DEADLINE_EXCEEDED with a reason; a NOT_FOUND case is passed on as such.
    """
    stub = assignment_grpc.AssignmentServiceStub(channel)

    def fetch(case: str, expert: str) -> Membership:
        try:
            answer = stub.CheckPanelMembership(
                assignment_pb2.CheckPanelMembershipRequest(case=case, expert=expert)
            )
        except grpc.RpcError as err:
            if isinstance(err, grpc.Call) and err.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound("CASE_NOT_FOUND", f"{case} does not exist", metadata={"case": case}) from None
            raise
        facts = CaseFacts(
            name=case,
            stage=_STAGES.get(answer.stage, ""),
            track=_TRACKS.get(answer.track, ""),
            consultancy=answer.consultancy,
            agency=answer.review_agency,
            panel=tuple(answer.panel),
            enterprise=answer.enterprise,
        )
        if not facts.stage or not facts.track:
            raise FailedPrecondition(
                "CASE_INCOMPLETE", f"{case} has no stage or track yet", metadata={"case": case}
            )
        return Membership(member=answer.member, facts=facts)

    return fetch


#: Freeze a case's panel in the assignment service: (case, the panel checked) -> None.
Freeze = Callable[[str, tuple[str, ...]], None]


def assignment_freeze(channel: grpc.Channel) -> Freeze:
    """``FreezePanel`` on the assignment service, called as part of locking a panel.

    Assignment freezes the case under the same row lock a recusal takes, so a lock and a
    recusal cannot both succeed; when a recusal got in first the answer is PANEL_CHANGED
    and scoring does not lock.
    """
    stub = assignment_grpc.AssignmentServiceStub(channel)

    def freeze(case: str, panel: tuple[str, ...]) -> None:
        try:
            stub.FreezePanel(assignment_pb2.FreezePanelRequest(case=case, expected_panel=list(panel)))
        except grpc.RpcError as err:
            if isinstance(err, grpc.Call) and err.code() == grpc.StatusCode.FAILED_PRECONDITION:
                raise FailedPrecondition(
                    "PANEL_CHANGED",
                    f"{case}'s panel changed while it was being locked (a recusal got in first)",
                    metadata={"case": case},
                ) from None
            if isinstance(err, grpc.Call) and err.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound("CASE_NOT_FOUND", f"{case} does not exist", metadata={"case": case}) from None
            raise

    return freeze
