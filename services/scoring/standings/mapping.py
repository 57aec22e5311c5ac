"""Stored rows of standings, determinations, flag models, flags and bulletins → protobuf."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Sequence
from typing import Any

from dgcp.scoring.v1 import standings_pb2 as pb
from runtime.resources import aware, to_timestamp
from services.scoring.ranking.dueprocess import DueProcessConfig, NoticeState, statement_deadline
from services.scoring.ranking.flags import FlagLevel
from services.scoring.standings.runs import AGENCY, CONSULTANCY, StoredStanding

KIND_OF = {pb.ENTITY_KIND_CONSULTANCY: CONSULTANCY, pb.ENTITY_KIND_REVIEW_AGENCY: AGENCY}
KIND_PB = {v: k for k, v in KIND_OF.items()}
DETERMINATIONS = {
    pb.DETERMINATION_KIND_SPOT_CHECK: "SPOT_CHECK",
    pb.DETERMINATION_KIND_REJECTED_REPORT: "REJECTED_REPORT",
    pb.DETERMINATION_KIND_FALSIFICATION: "FALSIFICATION",
}
DETERMINATION_PB = {v: k for k, v in DETERMINATIONS.items()}
LEVEL_PB = {
    FlagLevel.OK: pb.FLAG_LEVEL_OK,
    FlagLevel.WATCH: pb.FLAG_LEVEL_WATCH,
    FlagLevel.PROPOSE_NOTICE: pb.FLAG_LEVEL_PROPOSE_NOTICE,
}
LEVEL_OF = {v: k for k, v in LEVEL_PB.items()}
NOTICE_PB = {
    "": pb.NOTICE_STATE_UNSPECIFIED,
    NoticeState.PROPOSED: pb.NOTICE_STATE_PROPOSED,
    NoticeState.APPROVED: pb.NOTICE_STATE_APPROVED,
    NoticeState.REJECTED: pb.NOTICE_STATE_REJECTED,
}
MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}


def _name(collection: str, value: uuid.UUID) -> str:
    return f"{collection}/{value}"


def media_type(file: str) -> str:
    return MEDIA.get(file[file.rfind(".") :], "application/octet-stream")


def standing_to_proto(row: StoredStanding, kind: str, period: str) -> pb.Standing:
    return pb.Standing(
        entity=row.entity,
        entity_kind=KIND_PB[kind],
        period=period,
        n=row.n,
        composite=row.composite,
        lower=row.lower,
        upper=row.upper,
        grade=row.grade,
        rank=row.rank,
        rank_lower=row.rank_lower,
        rank_upper=row.rank_upper,
        p_below_pass=0.0 if math.isnan(row.p_below_pass) else row.p_below_pass,
        components=[
            pb.ComponentEstimate(
                component=c.component, n=c.n, raw_mean=c.raw_mean, estimate=c.estimate, sd=c.sd
            )
            for c in row.components
        ],
    )


def determination_to_proto(row: Any) -> pb.Determination:
    return pb.Determination(
        name=_name("determinations", row.id),
        consultancy=row.consultancy,
        period=row.period,
        kind=DETERMINATION_PB[row.kind],
        substandard=row.substandard,
        evidence=list(row.evidence),
        decide_time=to_timestamp(row.decide_time),
        note=row.note,
        recorded_by=row.recorded_by,
        create_time=to_timestamp(row.create_time),
    )


def model_to_proto(row: Any) -> pb.FlagModel:
    return pb.FlagModel(
        name=f"flagModels/{row.version}",
        training_sha256=row.training_sha256,
        artefact_sha256=row.artefact_sha256,
        features=list(row.features),
        params_json=json.dumps(row.params, sort_keys=True),
        metrics={k: float(v) for k, v in row.metrics.items() if v is not None},
        create_time=to_timestamp(row.create_time),
        log=list(row.log),
    )


def flag_to_proto(row: Any, due: DueProcessConfig) -> pb.Flag:
    msg = pb.Flag(
        name=_name("flags", row.id),
        period=row.period,
        consultancy=row.consultancy,
        level=LEVEL_PB[FlagLevel(row.level)],
        reasons=[pb.FlagReason(code=r["code"], zh=r["zh"], en=r["en"]) for r in row.reasons],
        n_reports=row.n_reports,
        quality_estimate=row.quality_estimate,
        p_below_pass=row.p_below_pass,
        flag_model=row.flag_model,
        notice_state=NOTICE_PB[row.notice_state],
        statement=row.statement,
        decision_reason=row.decision_reason,
        decided_by=row.decided_by,
        create_time=to_timestamp(row.create_time),
    )
    if row.model_risk is not None:
        msg.model_risk = row.model_risk
    for attr in ("statement_time", "decide_time"):
        value = getattr(row, attr)
        if value is not None:
            getattr(msg, attr).FromDatetime(aware(value))
    if row.proposed_time is not None:
        msg.statement_deadline.FromDatetime(statement_deadline(aware(row.proposed_time), due))
    return msg


def bulletin_to_proto(row: Any, files: Sequence[Any], superseded_by: Any = None) -> pb.Bulletin:
    return pb.Bulletin(
        kind=row.kind,
        document_number=row.document_number,
        sequence=row.sequence or 0,
        previous_sha256=row.previous_sha256,
        signing_key_fingerprint=row.key_fingerprint,
        superseded_by=_name("bulletins", superseded_by.id) if superseded_by is not None else "",
        name=_name("bulletins", row.id),
        period=row.period,
        version=row.version,
        replaces=_name("bulletins", row.replaces) if row.replaces else "",
        correction_note=row.correction_note,
        sha256=row.sha256,
        files=[
            pb.BulletinFile(file=f[0], media_type=f[1], sha256=f[2], size=int(f[3]))
            for f in files
            if not f[0].startswith("superseded-v")
        ],
        synthetic=row.synthetic,
        publish_time=to_timestamp(row.publish_time),
        data_cutoff=to_timestamp(row.data_cutoff),
        notices=row.notices,
    )
