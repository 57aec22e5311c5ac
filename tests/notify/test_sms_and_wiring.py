"""The SMS adapter a deployment binds, and how a service process finds its worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import MetaData

from runtime import config, db
from runtime.notify import SMS_CHANNEL, Outgoing, counts, enqueue, outbox_table
from runtime.notify.settings import NotifySettings
from runtime.notify.transports import PermanentFailure, TransientFailure, load_sms_sender
from runtime.notify.worker import DeliveryWorker
from runtime.server import ServiceContext, delivery_worker
from services.surveys.app import APP as SURVEYS

SENT: list[tuple[str, str]] = []
BODY = "您已被抽取为评审专家，请登录平台查看。"


class FlakySms:
    """A provider stand-in: busy once for one number, refuses another, accepts the rest."""

    def __init__(self) -> None:
        self.busy_once = True

    def send(self, phone: str, text: str) -> None:
        if phone == "13800000000" and self.busy_once:
            self.busy_once = False
            raise TransientFailure("provider busy (429)")
        if phone == "10000":
            raise PermanentFailure("number not reachable")
        SENT.append((phone, text))


def flaky_sms() -> FlakySms:
    return FlakySms()


def test_an_sms_adapter_bound_by_name_sends_retries_and_fails_like_email(tmp_path: Path) -> None:
    SENT.clear()
    engine = db.create_engine_for(config.Settings(service="t", database_url=f"sqlite:///{tmp_path}/sms.db"))
    metadata = MetaData()
    table = outbox_table(metadata)
    metadata.create_all(engine)
    with db.transaction(engine) as s:
        for n, phone in enumerate(["13800000000", "13900000000", "10000"]):
            enqueue(
                s,
                table,
                Outgoing(
                    dedupe_key=f"sms:{n}",
                    kind="panel_seat",
                    recipient=phone,
                    recipient_name="王建国",
                    subject="评审任务通知",
                    body=BODY,
                    channel=SMS_CHANNEL,
                ),
            )
    settings = NotifySettings(sms_adapter=f"{__name__}:flaky_sms", backoff_seconds=0)
    worker = DeliveryWorker(engine, table, settings, service="t")
    assert [t.channel for t in worker.transports] == ["sms"]  # no SMTP host: e-mail is not configured
    first = worker.run_once()
    assert (first["sent"], first["pending"], first["failed"]) == (1, 1, 1)
    assert worker.run_once()["sent"] == 1
    assert sorted(p for p, _ in SENT) == ["13800000000", "13900000000"]
    assert all(text == "【评审任务通知】您已被抽取为评审专家，请登录平台查看。" for _, text in SENT)
    assert counts(engine, table)["sent"] == 2 and counts(engine, table)["failed"] == 1
    engine.dispose()


def test_a_bad_adapter_name_stops_the_process_with_a_message() -> None:
    with pytest.raises(ValueError, match="module:factory"):
        load_sms_sender("no-colon")
    with pytest.raises(TypeError, match="send"):
        load_sms_sender("builtins:object")


def test_a_service_runs_its_worker_only_when_a_transport_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = db.create_engine_for(
        config.Settings(service="surveys", database_url=f"sqlite:///{tmp_path}/s.db")
    )
    ctx = ServiceContext(settings=config.Settings(service="surveys"), engine=engine)
    monkeypatch.delenv("DGCP_SMTP_HOST", raising=False)
    monkeypatch.delenv("DGCP_SMS_ADAPTER", raising=False)
    assert delivery_worker(SURVEYS, ctx) is None  # messages wait in the outbox
    monkeypatch.setenv("DGCP_SMTP_HOST", "smtp.example.gov.cn")
    monkeypatch.setenv("DGCP_SMTP_SECURITY", "tls")
    worker = delivery_worker(SURVEYS, ctx)
    assert worker is not None and worker.settings.smtp_port == 465
    monkeypatch.setenv("DGCP_SMTP_SECURITY", "plain")
    with pytest.raises(ValueError, match="DGCP_SMTP_SECURITY"):
        NotifySettings.from_env()
    engine.dispose()
