"""The delivery worker: claims due outbox rows, sends them, records what happened.

Claiming is one short transaction: the due rows are selected ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (so several replicas never take the same row, and none waits for another) and set
to ``sending`` with a lease; SQLite's ``BEGIN IMMEDIATE`` serialises the same transaction. The
sending happens outside any transaction, and each outcome is written by an update guarded by
``status = 'sending'``. A row whose lease ran out (its worker died mid-send) becomes
``interrupted`` instead of being sent again.

Runs as a thread in each service process (:meth:`DeliveryWorker.start`) or on its own
(``python -m runtime.notify``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, Table, select, update

from runtime.db import transaction
from runtime.logging import get_logger
from runtime.notify.outbox import FAILED, INTERRUPTED, LINK, PENDING, SENDING, SENT
from runtime.notify.sealing import open_sealed
from runtime.notify.settings import NotifySettings
from runtime.notify.transports import (
    DeliveryFailure,
    Letter,
    PermanentFailure,
    TransientFailure,
    Transport,
    transports_from,
)
from runtime.resources import utcnow

log = get_logger("dgcp.notify")


class DeliveryWorker:
    def __init__(
        self,
        engine: Engine,
        table: Table,
        settings: NotifySettings,
        transports: list[Transport] | None = None,
        *,
        service: str = "",
        tick: Callable[[], object] | None = None,
        tick_seconds: float = 3600.0,
    ) -> None:
        self.engine = engine
        self.table = table
        self.settings = settings
        self.transports = transports_from(settings) if transports is None else transports
        self.service = service
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # A service's periodic producer (e.g. deadline reminders), run by the same thread.
        self.tick = tick
        self.tick_seconds = tick_seconds
        self._last_tick = float("-inf")

    # --- one round ---------------------------------------------------------------------------

    def recover(self) -> int:
        """Rows left ``sending`` past their lease: marked interrupted, their link erased."""
        t = self.table
        with transaction(self.engine) as s:
            result = s.execute(
                update(t)
                .where(t.c.status == SENDING, t.c.lease_until < utcnow())
                .values(
                    status=INTERRUPTED,
                    sealed_link=None,
                    last_error="delivery interrupted (worker stopped mid-send); not sent again",
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def claim(self, channel: str) -> list[dict[str, Any]]:
        """Take up to a batch of due rows of ``channel`` for this worker."""
        t = self.table
        now = utcnow()
        with transaction(self.engine) as s:
            rows = (
                s.execute(
                    select(t)
                    .where(t.c.status == PENDING, t.c.channel == channel, t.c.next_attempt_time <= now)
                    .order_by(t.c.next_attempt_time, t.c.create_time)
                    .limit(self.settings.batch_size)
                    .with_for_update(skip_locked=True)
                )
                .mappings()
                .all()
            )
            if not rows:
                return []
            ids = [r["id"] for r in rows]
            s.execute(
                update(t)
                .where(t.c.id.in_(ids), t.c.status == PENDING)
                .values(
                    status=SENDING,
                    attempts=t.c.attempts + 1,
                    lease_until=now + timedelta(seconds=self.settings.lease_seconds),
                )
            )
            return [dict(r) | {"attempts": r["attempts"] + 1} for r in rows]

    def _finish(self, row_id: uuid.UUID, **values: Any) -> None:
        t = self.table
        with transaction(self.engine) as s:
            s.execute(
                update(t).where(t.c.id == row_id, t.c.status == SENDING).values(lease_until=None, **values)
            )

    def _sent(self, row: dict[str, Any]) -> None:
        self._finish(row["id"], status=SENT, sent_time=utcnow(), sealed_link=None, last_error="")

    def _failed(self, row: dict[str, Any], failure: DeliveryFailure) -> str:
        attempts = row["attempts"]
        if isinstance(failure, PermanentFailure) or attempts >= self.settings.max_attempts:
            self._finish(row["id"], status=FAILED, sealed_link=None, last_error=failure.reason)
            return FAILED
        wait = timedelta(seconds=self.settings.backoff(attempts))
        self._finish(row["id"], status=PENDING, next_attempt_time=utcnow() + wait, last_error=failure.reason)
        return PENDING

    @staticmethod
    def _letter(row: dict[str, Any]) -> Letter:
        body = row["body"]
        if row["sealed_link"] is not None:
            body = body.replace(LINK, open_sealed(row["sealed_link"]))
        return Letter(
            message_id=str(row["id"]),
            recipient=row["recipient"],
            recipient_name=row["recipient_name"],
            subject=row["subject"],
            body=body,
        )

    def run_once(self) -> Counter[str]:
        """One round over every transport; returns how many rows ended sent/pending/failed."""
        outcome: Counter[str] = Counter()
        outcome["interrupted"] += self.recover()
        for transport in self.transports:
            rows = self.claim(transport.channel)
            if not rows:
                continue
            try:
                transport.open()
            except DeliveryFailure as failure:
                for row in rows:
                    outcome[self._failed(row, failure)] += 1
                log.warning(
                    "notify connect failed", service=self.service, reason=failure.reason, rows=len(rows)
                )
                continue
            try:
                for row in rows:
                    try:
                        transport.send(self._letter(row))
                    except DeliveryFailure as failure:
                        outcome[self._failed(row, failure)] += 1
                        log.warning(
                            "notify send failed",
                            service=self.service,
                            kind=row["kind"],
                            message=str(row["id"]),
                            attempt=row["attempts"],
                            reason=failure.reason,
                        )
                        if isinstance(failure, TransientFailure) and "SMTP failed" in failure.reason:
                            transport.close()
                            transport.open()
                        continue
                    except Exception as err:  # noqa: BLE001 - a bad row must not stop the others
                        outcome[
                            self._failed(row, PermanentFailure(f"could not build: {type(err).__name__}"))
                        ] += 1
                        continue
                    self._sent(row)
                    outcome[SENT] += 1
                    log.info("notify sent", service=self.service, kind=row["kind"], message=str(row["id"]))
            except DeliveryFailure as failure:  # reconnecting failed: the rest wait for the next round
                for row in rows:
                    self._release(row, failure)
            finally:
                transport.close()
        return outcome

    def _release(self, row: dict[str, Any], failure: DeliveryFailure) -> None:
        """A claimed row not tried in this round goes back with the failure's backoff."""
        self._failed(row, failure)

    # --- as a thread ---------------------------------------------------------------------------

    def start(self) -> None:
        if not self.transports or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name=f"notify-{self.service}", daemon=True)
        self._thread.start()

    def _run_tick(self) -> None:
        if self.tick is None or time.monotonic() - self._last_tick < self.tick_seconds:
            return
        self._last_tick = time.monotonic()
        try:
            self.tick()
        except Exception as err:  # noqa: BLE001 - a failed round is tried again next time
            log.warning("notify producer failed", service=self.service, error=type(err).__name__)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._run_tick()
            try:
                done = self.run_once()
            except Exception as err:  # noqa: BLE001 - database away: log, wait, try again
                log.warning("notify round failed", service=self.service, error=type(err).__name__)
                done = Counter()
            if not done[SENT] and not done[PENDING] and not done[FAILED]:
                self._stop.wait(self.settings.poll_seconds)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
