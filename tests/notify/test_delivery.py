"""The outbox and its worker against a real SMTP server process on loopback (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, MetaData, Table, select, text, update

from runtime import config, db
from runtime.notify import LINK, Outgoing, counts, enqueue, outbox_table, pending_count
from runtime.notify.compose import bilingual
from runtime.notify.settings import NotifySettings
from runtime.notify.worker import DeliveryWorker
from runtime.resources import utcnow
from tests.notify.conftest import SmtpSink

TOKEN = "Zq9fake-single-use-token-0123456789abcdefghij"
LINK_URL = f"https://dgcp.example.gov.cn/s/{TOKEN}"


@pytest.fixture
def store(db_url_factory) -> Iterator[tuple[Engine, Table]]:  # type: ignore[no-untyped-def]
    url, schema = db_url_factory("notifytest")
    settings = config.Settings(service="notifytest", schema=schema, database_url=url)
    engine = db.create_engine_for(settings)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    metadata = MetaData()
    table = outbox_table(metadata)
    metadata.create_all(engine)
    yield engine, table
    engine.dispose()


def _settings(port: int, **kw: object) -> NotifySettings:
    base: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_from": "东莞市清洁生产 <noreply@dgcp.example.gov.cn>",
        "smtp_timeout_seconds": 5.0,
        "backoff_seconds": 0.0,
        "max_attempts": 3,
    }
    base.update(kw)
    return NotifySettings(**base)  # type: ignore[arg-type]


def _message(n: int = 1, recipient: str = "li.hua@example.cn", link: str = LINK_URL) -> Outgoing:
    text_ = bilingual(
        subject_zh="满意度调查邀请",
        subject_en="Satisfaction survey",
        body_zh=f"李华：请打开 {LINK} 填写问卷。",
        body_en=f"Li Hua: please open {LINK} to answer the survey.",
    )
    return Outgoing(
        dedupe_key=f"test:{n}",
        kind="survey_link",
        recipient=recipient,
        recipient_name="李华",
        subject=text_.subject,
        body=text_.body,
        link=link,
    )


def _queue(engine: Engine, table: Table, *messages: Outgoing) -> None:
    with db.transaction(engine) as s:
        for m in messages:
            enqueue(s, table, m)


def test_a_queued_message_arrives_with_its_link_and_the_table_keeps_no_link(
    store: tuple[Engine, Table], smtp_sink: SmtpSink
) -> None:
    engine, table = store
    port = smtp_sink.start()
    _queue(engine, table, _message())
    with db.read_transaction(engine) as s:
        stored = s.execute(select(table)).mappings().one()
    assert TOKEN not in stored["body"] and TOKEN.encode() not in (stored["sealed_link"] or b"")
    assert pending_count(engine, table) == 1

    done = DeliveryWorker(engine, table, _settings(port), service="t").run_once()
    assert done["sent"] == 1
    [(envelope, msg)] = smtp_sink.messages(1)
    assert envelope["to"] == ["li.hua@example.cn"]
    assert msg["Subject"] == "满意度调查邀请 / Satisfaction survey"
    assert "李华" in msg["To"] and "li.hua@example.cn" in msg["To"]
    body = msg.get_content()
    assert body.index("李华：请打开") < body.index("Li Hua: please open")  # Chinese first
    assert body.count(LINK_URL) == 2 and LINK not in body
    assert msg["Message-ID"] == f"<{stored['id']}@dgcp.example.gov.cn>"
    with db.read_transaction(engine) as s:
        after = s.execute(select(table)).mappings().one()
    assert after["status"] == "sent" and after["sealed_link"] is None and after["attempts"] == 1
    assert pending_count(engine, table) == 0
    assert DeliveryWorker(engine, table, _settings(port)).run_once()["sent"] == 0  # never twice
    assert len(smtp_sink.messages()) == 1


def test_nothing_is_queued_when_the_cause_rolls_back_and_one_cause_queues_once(
    store: tuple[Engine, Table],
) -> None:
    engine, table = store
    with pytest.raises(RuntimeError), db.transaction(engine) as s:
        enqueue(s, table, _message(1))
        raise RuntimeError("the change failed")
    assert pending_count(engine, table) == 0
    with db.transaction(engine) as s:
        assert enqueue(s, table, _message(2))
        assert not enqueue(s, table, _message(2))
    with db.transaction(engine) as s:
        assert not enqueue(s, table, _message(2))
    assert pending_count(engine, table) == 1


def test_retries_with_backoff_after_the_server_was_down(
    store: tuple[Engine, Table], smtp_sink: SmtpSink
) -> None:
    engine, table = store
    port = smtp_sink.start()
    smtp_sink.stop()  # the port is known and nothing listens on it
    _queue(engine, table, _message())
    worker = DeliveryWorker(engine, table, _settings(port, backoff_seconds=30.0), service="t")
    assert worker.run_once()["pending"] == 1
    with db.read_transaction(engine) as s:
        row = s.execute(select(table)).mappings().one()
    assert row["status"] == "pending" and row["attempts"] == 1
    assert "connection failed" in row["last_error"] and TOKEN not in row["last_error"]
    wait = (db_aware(row["next_attempt_time"]) - utcnow()).total_seconds()
    assert 25 < wait <= 30
    assert worker.run_once()["pending"] == 0  # not due yet: nothing tried

    smtp_sink.start(port)
    with db.transaction(engine) as s:  # the backoff has passed
        s.execute(update(table).values(next_attempt_time=utcnow() - timedelta(seconds=1)))
    assert worker.run_once()["sent"] == 1
    [(envelope, msg)] = smtp_sink.messages(1)
    assert envelope["to"] == ["li.hua@example.cn"] and LINK_URL in msg.get_content()
    assert counts(engine, table)["sent"] == 1


def db_aware(value):  # type: ignore[no-untyped-def]
    from runtime.resources import aware

    return aware(value)


def test_backoff_doubles_and_is_capped() -> None:
    s = NotifySettings(backoff_seconds=30, backoff_max_seconds=3600)
    assert [s.backoff(n) for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_a_refused_recipient_fails_at_once_and_a_busy_one_until_the_last_attempt(
    store: tuple[Engine, Table], smtp_sink: SmtpSink
) -> None:
    engine, table = store
    port = smtp_sink.start()
    _queue(engine, table, _message(1, "refused@example.cn"), _message(2, "busy@example.cn"), _message(3))
    worker = DeliveryWorker(engine, table, _settings(port, max_attempts=2), service="t")
    first = worker.run_once()
    assert (first["failed"], first["pending"], first["sent"]) == (1, 1, 1)
    assert worker.run_once()["failed"] == 1
    with db.read_transaction(engine) as s:
        rows = {r["recipient"]: r for r in s.execute(select(table)).mappings()}
    assert rows["refused@example.cn"]["status"] == "failed" and rows["refused@example.cn"]["attempts"] == 1
    assert "550" in rows["refused@example.cn"]["last_error"]
    assert rows["busy@example.cn"]["status"] == "failed" and rows["busy@example.cn"]["attempts"] == 2
    assert all(r["sealed_link"] is None for r in rows.values() if r["status"] != "pending")
    assert [e["to"] for e, _ in smtp_sink.messages(1)] == [["li.hua@example.cn"]]


def test_a_row_left_sending_by_a_dead_worker_is_never_sent_again(
    store: tuple[Engine, Table], smtp_sink: SmtpSink
) -> None:
    engine, table = store
    port = smtp_sink.start()
    _queue(engine, table, _message())
    worker = DeliveryWorker(engine, table, _settings(port), service="t")
    assert len(worker.claim("email")) == 1  # claimed, then the process "dies"
    with db.transaction(engine) as s:
        s.execute(update(table).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert worker.run_once()["interrupted"] == 1
    assert worker.run_once()["sent"] == 0
    assert smtp_sink.messages() == []
    assert counts(engine, table)["interrupted"] == 1


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_starttls_and_implicit_tls_verify_the_server(
    tmp_path, mode: str, tls_files: tuple[str, str, str], smtp_sink: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    ca, cert, key = tls_files
    smtp_sink.mode, smtp_sink.cert, smtp_sink.key = mode, cert, key
    port = smtp_sink.start()
    url = f"sqlite:///{tmp_path}/tls.db"
    engine = db.create_engine_for(config.Settings(service="t", database_url=url))
    metadata = MetaData()
    table = outbox_table(metadata)
    metadata.create_all(engine)
    _queue(engine, table, _message())
    untrusted = DeliveryWorker(engine, table, _settings(port, smtp_security=mode), service="t")
    assert untrusted.run_once()["pending"] == 1  # the system CAs do not know the test CA
    with db.transaction(engine) as s:
        s.execute(update(table).values(next_attempt_time=utcnow()))
    trusted = DeliveryWorker(engine, table, _settings(port, smtp_security=mode, smtp_ca_file=ca))
    assert trusted.run_once()["sent"] == 1
    [(envelope, _)] = smtp_sink.messages(1)
    assert envelope["tls"] is True
    engine.dispose()


def test_several_workers_never_send_one_row_twice(
    store: tuple[Engine, Table], smtp_sink: SmtpSink, backend: str
) -> None:
    engine, table = store
    port = smtp_sink.start()
    _queue(engine, table, *(_message(n, f"expert{n}@example.cn") for n in range(60)))
    settings = _settings(port, batch_size=5)
    workers = [DeliveryWorker(engine, table, settings, service=f"w{i}") for i in range(3)]
    sent = [0, 0, 0]

    def drain(i: int) -> None:
        while True:
            done = workers[i].run_once()
            if not done["sent"]:
                return
            sent[i] += done["sent"]

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(sent) == 60
    arrived = smtp_sink.messages(60)
    assert len(arrived) == 60
    assert len({m["Message-ID"] for _, m in arrived}) == 60
    assert sorted(e["to"][0] for e, _ in arrived) == sorted(f"expert{n}@example.cn" for n in range(60))
    if backend == "postgresql":
        assert min(sent) > 0, sent  # SKIP LOCKED let every replica take its share
