"""The monthly bulletin job (the k8s CronJob's command).

    python -m services.scoring.bulletin --period 2026-10            # against the scoring service
    python -m services.scoring.bulletin --period 2026-10 --out DIR  # ... and save the files
    python -m services.scoring.bulletin --synthetic DIR             # offline demo, labelled synthetic

Against the service it runs, as the authority: ComputeStandings, TrainFlagModel (skipped while
there are too few determinations), ScoreFlags, then PublishBulletin with the notices the authority
has approved so far, and VerifyBulletin. Each step carries a request id derived from the period and
the day, so a retried job does not compute or publish twice. A period that already has a monthly
bulletin is left alone (a correction is a deliberate act: PublishBulletin with ``replaces``); one that
has only an interim bulletin gets its monthly bulletin, which supersedes the interim one. ``--out``
saves the signed originals, which ``python -m services.scoring.bulletin.verify DIR --public-key KEY``
checks offline.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import grpc

from dgcp.scoring.v1 import standings_pb2 as pb
from dgcp.scoring.v1 import standings_pb2_grpc as pb_grpc
from runtime import auth, config
from runtime.calendar import Period
from runtime.errors import details_of
from runtime.logging import configure as configure_logging
from runtime.logging import get_logger

log = get_logger("dgcp.scoring.bulletin_job")

JOB_SUBJECT = "jobs/monthly-bulletin"


def previous_month(now: datetime) -> str:
    """The month before ``now``'s month in China Standard Time."""
    return str(Period.of(now).shift(-1))


def run_job(
    stub: pb_grpc.StandingsServiceStub, token: str, period: str, train: bool, out: Path | None
) -> int:
    md = [("authorization", f"Bearer {token}")]
    day = datetime.now(UTC).date().isoformat()

    def rid(step: str) -> str:
        return f"bulletin-job/{period}/{step}/{day}"

    computed = stub.ComputeStandings(
        pb.ComputeStandingsRequest(period=period, request_id=rid("compute")), metadata=md
    )
    log.info(
        "computed",
        period=period,
        consultancies=computed.consultancies,
        agencies=computed.review_agencies,
        components=list(computed.components),
        notes=list(computed.notes),
    )
    if train:
        try:
            model = stub.TrainFlagModel(pb.TrainFlagModelRequest(request_id=rid("train")), metadata=md)
            log.info("model_trained", model=model.name, metrics=dict(model.metrics))
        except grpc.RpcError as err:
            if details_of(err).reason != "INSUFFICIENT_LABELS":
                raise
            log.info("model_skipped", reason="INSUFFICIENT_LABELS")
    flags = stub.ScoreFlags(pb.ScoreFlagsRequest(period=period, request_id=rid("flags")), metadata=md)
    log.info(
        "flags",
        period=period,
        ok=flags.ok,
        watch=flags.watch,
        proposed=flags.proposed,
        model=flags.flag_model,
    )
    existing = stub.ListBulletins(pb.ListBulletinsRequest(period=period, page_size=1), metadata=md).bulletins
    if existing and existing[0].kind != "interim":
        bulletin = existing[0]
        log.info(
            "already_published", bulletin=bulletin.name, version=bulletin.version, sha256=bulletin.sha256
        )
    else:
        bulletin = stub.PublishBulletin(
            pb.PublishBulletinRequest(period=period, request_id=rid("publish")), metadata=md
        )
        log.info("published", bulletin=bulletin.name, sha256=bulletin.sha256, notices=bulletin.notices)
    verdict = stub.VerifyBulletin(pb.VerifyBulletinRequest(name=bulletin.name), metadata=md)
    if not verdict.ok:
        log.error("verification_failed", bulletin=bulletin.name, problems=list(verdict.problems))
        return 2
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for f in bulletin.files:
            got = stub.GetBulletinFile(
                pb.GetBulletinFileRequest(bulletin=bulletin.name, file=f.file, original=True), metadata=md
            )
            (out / f.file).write_bytes(got.content)
        log.info("saved", folder=str(out), files=len(bulletin.files))
    print(f"{bulletin.name} v{bulletin.version} sha256={bulletin.sha256} verified", flush=True)
    return 0


def synthetic_demo(folder: Path, period: str) -> int:
    """Render a bulletin from the seeded synthetic world, without any service (labelled synthetic)."""
    from services.scoring.bulletin.payload import BulletinPayload, method_from, notice_row, standing_rows
    from services.scoring.bulletin.render import bulletin_sha256, render_all
    from services.scoring.ranking import synthetic
    from services.scoring.ranking.flags import FlagConfig, FlagLevel
    from services.scoring.ranking.pipeline import run_period
    from services.scoring.ranking.standing import AGENCY_CONFIG, StandingConfig, compute_standings

    world = synthetic.generate()
    month = synthetic.SyntheticConfig().months - 1
    result = run_period(world.firm_ids, synthetic.consultancy_observations(world, month))
    agencies = compute_standings(world.agency_ids, synthetic.agency_observations(world, month), AGENCY_CONFIG)
    names = dict(zip(world.firm_ids, world.firm_names, strict=True))
    year, mon = (int(x) for x in period.split("-"))
    start_year, start_mon = divmod(year * 12 + mon - 1 - 11, 12)
    payload = BulletinPayload(
        period=period,
        version=1,
        window_start=f"{start_year:04d}-{start_mon + 1:02d}",
        window_end=period,
        data_cutoff=datetime.now(UTC).replace(microsecond=0).isoformat(),
        published_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        synthetic=True,
        method=method_from(StandingConfig(), FlagConfig(), 12, None),
        consultancies=standing_rows(result.standings, names),
        agencies=standing_rows(agencies, dict(zip(world.agency_ids, world.agency_names, strict=True))),
        notices=tuple(
            notice_row(f, names[f.firm_id], "（模拟）按规则批准 / (synthetic) approved by rule")
            for f in result.flags
            if f.level is FlagLevel.PROPOSE_NOTICE
        ),
        funnel_center=result.standings.funnel_center,
        funnel_sigma=result.standings.funnel_sigma,
    )
    # the official frame with the deployment's settings, signed with this machine's local key
    from services.scoring.bulletin.official import OfficialConfig
    from services.scoring.bulletin.signing import configured_signer

    now = datetime.now(UTC).replace(microsecond=0)
    payload = replace(payload, official=OfficialConfig.from_env().official(now, now.year, 1))
    files = render_all(payload, signer=configured_signer())
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    print(f"synthetic bulletin {period} in {folder} sha256={bulletin_sha256(files)}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m services.scoring.bulletin", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--period", help="YYYY-MM (default: the previous calendar month, China time)")
    ap.add_argument("--target", default="", help="scoring service address (default DGCP_SCORING_ADDR)")
    ap.add_argument("--no-train", action="store_true", help="do not retrain the flag model first")
    ap.add_argument("--out", type=Path, help="also save the published files here")
    ap.add_argument("--synthetic", type=Path, metavar="DIR", help="render a synthetic demo bulletin offline")
    args = ap.parse_args(argv)
    configure_logging("", "INFO")
    period = args.period or previous_month(datetime.now(UTC))
    if args.synthetic is not None:
        return synthetic_demo(args.synthetic, period)
    token = auth.issue_token(
        config.jwt_secret(), subject=JOB_SUBJECT, role=auth.Role.AUTHORITY, ttl_seconds=900
    )
    with grpc.insecure_channel(args.target or config.service_addr("scoring")) as channel:
        stub = pb_grpc.StandingsServiceStub(channel)
        try:
            return run_job(stub, token, period, not args.no_train, args.out)
        except grpc.RpcError as err:
            d = details_of(err)
            log.error("job_failed", code=str(d.code), reason=d.reason, message=d.message)
            return 1


if __name__ == "__main__":
    sys.exit(main())
