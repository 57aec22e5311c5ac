"""What is published is true, final, signed and chained (real scoring service, SQLite and PostgreSQL).

No bulletin or standings for a period that has not begun; an interim bulletin before the month
ends; registry down means nothing published; a published period's standings and flags are frozen;
a superseded version says so; the signature, the hash chain and the files on disk are checked by
VerifyBulletin and by the offline command, and tampering in the database, on disk, or by removing a
version is caught with a reason.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
from sqlalchemy import delete, select, update

from dgcp.scoring.v1 import standings_pb2 as pb
from runtime.calendar import Period
from runtime.db import transaction
from services.scoring.bulletin import verify as offline
from services.scoring.bulletin.manifest import MANIFEST, sha256
from services.scoring.bulletin.publish import bulletin_dir
from services.scoring.standings.models import bulletin_files, bulletins, deployment_facts
from tests.ranking.test_standings_service import AUTH, Stack, run_case
from tests.ranking.test_standings_service import stack as stack
from tests.support import error_of


def _cases(st: Stack, when: datetime) -> str:
    firm = f"consultancies/{uuid.uuid4()}"
    for total in (82.0, 78.0, 85.0):
        enterprise = f"enterprises/{uuid.uuid4()}"
        st.assignment.places[enterprise] = ("长安镇", "3130")
        run_case(st, firm, [total, total - 2], when, rating=4, review_rating=4, enterprise=enterprise)
    return firm


def test_publication_is_true_final_signed_and_chained(stack: Stack, tmp_path: Path) -> None:
    st = stack
    now = datetime.now(UTC)
    future = str(Period.current(now=now).shift(1))
    for call, req in (
        (st.standings.ComputeStandings, pb.ComputeStandingsRequest(period=future)),
        (st.standings.PublishBulletin, pb.PublishBulletinRequest(period=future)),
        (st.standings.ScoreFlags, pb.ScoreFlagsRequest(period=future)),
    ):
        err = error_of(call, req, metadata=AUTH)
        assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PERIOD_NOT_BEGUN")

    _cases(st, datetime(2026, 10, 15, 4, tzinfo=UTC))
    st.standings.ComputeStandings(pb.ComputeStandingsRequest(period="2026-10"), metadata=AUTH)
    st.standings.ScoreFlags(pb.ScoreFlagsRequest(period="2026-10"), metadata=AUTH)
    st.assignment.registry_down = True
    err = error_of(st.standings.PublishBulletin, pb.PublishBulletinRequest(period="2026-10"), metadata=AUTH)
    assert (err.code, err.reason) == (grpc.StatusCode.UNAVAILABLE, "REGISTRY_UNAVAILABLE")
    assert not st.public.ListBulletins(pb.ListBulletinsRequest()).bulletins  # nothing stored
    st.assignment.registry_down = False

    v1 = st.standings.PublishBulletin(pb.PublishBulletinRequest(period="2026-10"), metadata=AUTH)
    assert (v1.kind, v1.sequence, v1.previous_sha256) == ("monthly", 1, "0" * 64)
    assert v1.document_number.startswith("东发改通〔") and v1.signing_key_fingerprint.startswith("SHA256:")
    key = st.public.GetBulletinSigningKey(pb.GetBulletinSigningKeyRequest())
    assert key.fingerprint == v1.signing_key_fingerprint and "BEGIN PUBLIC KEY" in key.public_key_pem
    assert st.public.VerifyBulletin(pb.VerifyBulletinRequest(name=v1.name)).ok
    page = st.public.GetBulletinFile(pb.GetBulletinFileRequest(bulletin=v1.name, file="bulletin.zh-CN.html"))
    assert "长安镇：3 宗，一次通过率 100.0%" in page.content.decode()  # summary by town
    assert "制造业（C）：3 宗" in page.content.decode()  # and by GB/T 4754 section
    with transaction(st.svc.ctx.engine) as session:  # the deployment's synthetic flag is stored
        assert session.execute(select(deployment_facts.c.value)).scalar_one() is False

    # frozen: flags refused, new computations are drafts, the published standings stay
    err = error_of(st.standings.ScoreFlags, pb.ScoreFlagsRequest(period="2026-10"), metadata=AUTH)
    assert err.reason == "PERIOD_PUBLISHED"
    published = st.standings.ListStandings(pb.ListStandingsRequest(period="2026-10"), metadata=AUTH)
    assert published.published_in == v1.name
    late = _cases(st, datetime(2026, 10, 20, 4, tzinfo=UTC))
    st.standings.ComputeStandings(pb.ComputeStandingsRequest(period="2026-10"), metadata=AUTH)
    again = st.standings.ListStandings(pb.ListStandingsRequest(period="2026-10"), metadata=AUTH)
    assert [s.entity for s in again.standings] == [s.entity for s in published.standings]
    draft = st.standings.ListStandings(pb.ListStandingsRequest(period="2026-10", draft=True), metadata=AUTH)
    assert late in {s.entity for s in draft.standings} and draft.published_in == ""

    v2 = st.standings.PublishBulletin(
        pb.PublishBulletinRequest(period="2026-10", replaces=v1.name, correction_note="补录两宗案件"),
        metadata=AUTH,
    )
    assert (v2.sequence, v2.previous_sha256) == (2, v1.sha256)
    assert st.public.GetBulletin(pb.GetBulletinRequest(name=v1.name)).superseded_by == v2.name
    for name in ("bulletin.zh-CN.html", "bulletin.en.html", "bulletin.zh-CN.pdf", "consultancies.en.csv"):
        stamped = st.public.GetBulletinFile(pb.GetBulletinFileRequest(bulletin=v1.name, file=name))
        assert stamped.superseded_copy
    html = st.public.GetBulletinFile(pb.GetBulletinFileRequest(bulletin=v1.name, file="bulletin.zh-CN.html"))
    assert "已被第2版取代" in html.content.decode() and f"/{v2.name}" in html.content.decode()
    original = st.public.GetBulletinFile(
        pb.GetBulletinFileRequest(bulletin=v1.name, file="bulletin.zh-CN.html", original=True)
    )
    assert not original.superseded_copy and "已被" not in original.content.decode()
    assert st.public.VerifyBulletin(pb.VerifyBulletinRequest(name=v2.name)).ok

    # offline: the published folder verifies with only the public key
    key_file = tmp_path / "authority.pub.pem"
    key_file.write_text(key.public_key_pem)
    folder = tmp_path / "download"
    shutil.copytree(bulletin_dir() / "2026-10", folder / "2026-10")
    assert offline.main([str(folder), "--public-key", str(key_file)]) == 0

    # an edited file on disk
    disk_csv = bulletin_dir() / "2026-10" / "v2" / "consultancies.zh-CN.csv"
    disk_csv.write_bytes(disk_csv.read_bytes().replace("否".encode(), "是".encode(), 1))
    verdict = st.public.VerifyBulletin(pb.VerifyBulletinRequest(name=v2.name))
    assert not verdict.ok and any("on disk" in p and "consultancies.zh-CN.csv" in p for p in verdict.problems)
    shutil.copy(disk_csv, folder / "2026-10" / "v2" / "consultancies.zh-CN.csv")
    assert offline.main([str(folder), "--public-key", str(key_file)]) == 1

    # a consistent rewrite in the database: content, file hash, manifest and version hash
    v1_id = uuid.UUID(v1.name.split("/")[1])
    with transaction(st.svc.ctx.engine) as session:
        content = {
            r.file: bytes(r.content)
            for r in session.execute(select(bulletin_files).where(bulletin_files.c.bulletin_id == v1_id))
        }
        forged = content["consultancies.en.csv"].replace(b"no", b"NO", 1)
        manifest = json.loads(content[MANIFEST])
        manifest["files"]["consultancies.en.csv"]["sha256"] = sha256(forged)
        new_manifest = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode()
        for name, data in (("consultancies.en.csv", forged), (MANIFEST, new_manifest)):
            session.execute(
                update(bulletin_files)
                .where(bulletin_files.c.bulletin_id == v1_id, bulletin_files.c.file == name)
                .values(content=data, sha256=sha256(data))
            )
        session.execute(update(bulletins).where(bulletins.c.id == v1_id).values(sha256=sha256(new_manifest)))
    verdict = st.public.VerifyBulletin(pb.VerifyBulletinRequest(name=v1.name))
    assert not verdict.ok and any("signature does not verify" in p for p in verdict.problems)
    verdict = st.public.VerifyBulletin(pb.VerifyBulletinRequest(name=v2.name))
    assert not verdict.ok and any("names previous manifest" in p for p in verdict.problems)

    # a removed version
    with transaction(st.svc.ctx.engine) as session:
        session.execute(update(bulletins).where(bulletins.c.id != v1_id).values(replaces=None))
        session.execute(delete(bulletin_files).where(bulletin_files.c.bulletin_id == v1_id))
        session.execute(delete(bulletins).where(bulletins.c.id == v1_id))
    verdict = st.public.VerifyBulletin(pb.VerifyBulletinRequest(name=v2.name))
    assert not verdict.ok and any("sequence 1 missing" in p for p in verdict.problems)


def test_a_bulletin_before_the_month_ends_is_interim(stack: Stack) -> None:
    st = stack
    now = datetime.now(UTC)
    month = Period.current(now=now)
    when = max(month.start + timedelta(minutes=1), now - timedelta(hours=1))
    _cases(st, when)
    st.standings.ComputeStandings(pb.ComputeStandingsRequest(period=str(month)), metadata=AUTH)
    st.standings.ScoreFlags(pb.ScoreFlagsRequest(period=str(month)), metadata=AUTH)
    interim = st.standings.PublishBulletin(pb.PublishBulletinRequest(period=str(month)), metadata=AUTH)
    assert interim.kind == "interim"
    assert interim.data_cutoff.ToDatetime(UTC) >= interim.publish_time.ToDatetime(UTC) - timedelta(seconds=1)
    for name in ("bulletin.zh-CN.html", "bulletin.en.html", "consultancies.zh-CN.csv"):
        got = st.public.GetBulletinFile(pb.GetBulletinFileRequest(bulletin=interim.name, file=name)).content
        assert "期中".encode() in got or b"INTERIM" in got or "是,是".encode() not in got
    html = st.public.GetBulletinFile(
        pb.GetBulletinFileRequest(bulletin=interim.name, file="bulletin.zh-CN.html")
    )
    assert "【期中通报】" in html.content.decode() and "期中情况的通报" in html.content.decode()
    # the interim bulletin's flags are not frozen: the month goes on
    st.standings.ScoreFlags(pb.ScoreFlagsRequest(period=str(month)), metadata=AUTH)
