"""Publishing a bulletin version so that what it says is true and final, signed and chained.

Rules (each a typed error, checked before anything is stored):

- **No future.** A period that has not begun (China Standard Time) has no standings, flags or
  bulletin: ``FAILED_PRECONDITION PERIOD_NOT_BEGUN``.
- **Interim or monthly.** Published before its month ends, a bulletin is an *interim* bulletin
  (期中), labelled so on every page and file, cut off at the publication instant; it needs standings
  that saw every case locked until then (``STANDINGS_STALE`` otherwise). After the month ends the
  bulletin is the *monthly* one and needs standings computed after the end (cut off at the end).
  The first monthly bulletin after an interim one supersedes it without a correction note.
- **Frozen once published.** A version pins the standings runs it published; later computations
  of the period are drafts that only a correction (``replaces`` + note) publishes. ``ScoreFlags``
  on a period with a final version is refused, so flag ids and published notices never change.
- **Names resolve.** Names and credit codes come from the registry. If it cannot be read the call
  is ``UNAVAILABLE REGISTRY_UNAVAILABLE``; an entity it does not know is ``NAME_UNRESOLVED``.
- **Synthetic is a fact of the deployment.** Stored at first start (``deployment_facts``) and
  stamped on everything published, whichever command started the process.
- **Signed and chained.** The manifest carries the SHA-256 of the previous version's manifest and
  its sequence and is signed with the authority's Ed25519 key; the files are also written to the
  published folder (``$DGCP_BULLETIN_DIR``, default ``$DGCP_DATA_DIR/bulletins``) that
  ``VerifyBulletin`` checks, as ``{period}/v{version}/``.
- **Superseded says so.** A correction also renders the version it replaces once more, stamped
  "superseded by version n" on every page, and stores those copies (under ``superseded-v{n}/``)
  within its own signed file set; downloads of the old version get the stamped copy unless the
  signed original is asked for.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from runtime import config
from runtime.calendar import Period
from runtime.clients import service_channel
from runtime.errors import FailedPrecondition, Unavailable
from runtime.logging import get_logger
from runtime.server import ServiceContext
from services.scoring.bulletin import store as bstore
from services.scoring.bulletin.fonts import FontsMissingError
from services.scoring.bulletin.manifest import GENESIS, MANIFEST, SIGNATURE, sha256
from services.scoring.bulletin.official import OfficialConfig
from services.scoring.bulletin.payload import (
    BulletinPayload,
    NoticeRow,
    StandingRow,
    Summary,
    WatchRow,
    payload_from_json,
)
from services.scoring.bulletin.render import render_all, render_files
from services.scoring.bulletin.signing import PUBLIC_KEY_FILE, Signer, SigningKeyError, configured_signer
from services.scoring.bulletin.verify import Checked, check_chain, check_version, read_folder
from services.scoring.standings.runs import StoredStanding

log = get_logger("dgcp.scoring.bulletin")

MONTHLY, INTERIM, ANNUAL = "monthly", "interim", "annual"
SUPERSEDED_DIR = "superseded-v{version}/"
SYNTHETIC_FACT = "synthetic_data"


@dataclass(frozen=True)
class Org:
    name: str
    credit_code: str


Registry = Callable[[], dict[str, Org]]


def registry_fetch(ctx: ServiceContext) -> Registry | None:
    """Names and credit codes of every consultancy and review agency, from the assignment service."""
    address = ctx.settings.peers.get("assignment", "")
    if not address:
        return None
    channel = service_channel(
        address, caller_service="scoring", deadline_seconds=ctx.settings.deadline_seconds
    )
    stub = apb_grpc.AssignmentServiceStub(channel)

    def fetch() -> dict[str, Org]:
        out: dict[str, Org] = {}
        for method, request_type, attr in (
            (stub.ListConsultancies, apb.ListConsultanciesRequest, "consultancies"),
            (stub.ListReviewAgencies, apb.ListReviewAgenciesRequest, "review_agencies"),
        ):
            token = ""
            while True:
                resp = method(request_type(page_size=1000, page_token=token))
                out.update((o.name, Org(o.display_name, o.credit_code)) for o in getattr(resp, attr))
                token = resp.next_page_token
                if not token:
                    break
        return out

    return fetch


Places = Callable[[], dict[str, tuple[str, str]]]


def places_fetch(ctx: ServiceContext) -> Places | None:
    """Town and GB/T 4754 industry code of every enterprise, from the assignment service."""
    address = ctx.settings.peers.get("assignment", "")
    if not address:
        return None
    channel = service_channel(
        address, caller_service="scoring", deadline_seconds=ctx.settings.deadline_seconds
    )
    stub = apb_grpc.AssignmentServiceStub(channel)

    def fetch() -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        token = ""
        while True:
            resp = stub.ListEnterprises(apb.ListEnterprisesRequest(page_size=1000, page_token=token))
            out.update((e.name, (e.town, e.industry_code)) for e in resp.enterprises)
            token = resp.next_page_token
            if not token:
                return out

    return fetch


def read_places(places: Places | None) -> dict[str, tuple[str, str]]:
    if places is None:
        raise Unavailable(
            "REGISTRY_UNAVAILABLE", "no assignment service configured: towns and industries unknown"
        )
    try:
        return places()
    except grpc.RpcError as err:
        code = err.code() if isinstance(err, grpc.Call) else None
        raise Unavailable("REGISTRY_UNAVAILABLE", f"the registry cannot be read ({code})") from None


def bulletin_dir() -> Path:
    value = os.environ.get("DGCP_BULLETIN_DIR", "").strip()
    return Path(value).resolve() if value else config.data_dir() / "bulletins"


def version_folder(root: Path, period: str, version: int) -> Path:
    return root / period / f"v{version}"


def synthetic_env() -> bool:
    return os.environ.get("DGCP_SYNTHETIC_DATA", "").strip().lower() in ("1", "true", "yes")


def deployment_synthetic(session: Any) -> bool:
    """Whether this deployment holds synthetic data: fixed at its first start, read ever after."""
    return bool(bstore.fact(session=session, key=SYNTHETIC_FACT, default=synthetic_env()))


# ---------------------------------------------------------------- rules


def require_begun(period: Period, now: datetime) -> None:
    if not period.has_begun(now):
        raise FailedPrecondition(
            "PERIOD_NOT_BEGUN",
            f"{period} has not begun (it starts {period.start.isoformat()}); nothing is computed or "
            "published for a period before it begins",
            metadata={"period": str(period)},
        )


def kind_of(period: Period, now: datetime) -> str:
    require_begun(period, now)
    if period.kind == "year":
        if not period.has_ended(now):
            raise FailedPrecondition(
                "PERIOD_NOT_ENDED", f"the annual report of {period} is published after the year ends"
            )
        return ANNUAL
    return MONTHLY if period.has_ended(now) else INTERIM


def cutoff_of(period: Period, now: datetime) -> datetime:
    """Evidence locked before this instant counts: the period's end, or now while it runs."""
    return min(period.end, now)


def is_final(row: Any) -> bool:
    return row is not None and row.kind in (MONTHLY, ANNUAL)


def resolve(orgs: Mapping[str, Org], entities: Sequence[str]) -> None:
    missing = sorted({e for e in entities if e not in orgs or not orgs[e].name})
    if missing:
        raise FailedPrecondition(
            "NAME_UNRESOLVED",
            f"{len(missing)} entities are not in the registry; a bulletin names firms by their registered "
            "names and credit codes",
            metadata={"entities": ",".join(missing[:10])},
        )


def read_registry(registry: Registry | None) -> dict[str, Org]:
    if registry is None:
        raise Unavailable(
            "REGISTRY_UNAVAILABLE", "no assignment service configured: names cannot be resolved"
        )
    try:
        return registry()
    except grpc.RpcError as err:
        code = err.code() if isinstance(err, grpc.Call) else None
        log.warning("registry_unavailable", code=str(code))
        raise Unavailable(
            "REGISTRY_UNAVAILABLE", f"the registry cannot be read ({code}); nothing was published"
        ) from None


def signer_or_error() -> Signer:
    try:
        return configured_signer()
    except (OSError, SigningKeyError) as err:
        raise FailedPrecondition("SIGNING_KEY_UNAVAILABLE", str(err)) from None


# ---------------------------------------------------------------- rows of the payload


def standing_rows(rows: Sequence[StoredStanding], orgs: Mapping[str, Org]) -> tuple[StandingRow, ...]:
    return tuple(
        StandingRow(
            entity_id=r.entity,
            name=orgs[r.entity].name,
            n=r.n,
            composite=round(r.composite, 1),
            lower=round(r.lower, 1),
            upper=round(r.upper, 1),
            grade=r.grade,
            rank=r.rank,
            rank_lower=r.rank_lower,
            rank_upper=r.rank_upper,
            credit_code=orgs[r.entity].credit_code,
        )
        for r in rows
    )


def summary_of(rows: Sequence[StoredStanding], agencies: int) -> Summary:
    """Cases, first passes and vetoes in the window from the consultancies' component counts."""
    cases = passed = vetoed = 0
    for r in rows:
        first, veto = r.component("first_pass"), r.component("no_veto")
        if first is not None and first.n and first.raw_mean is not None:
            cases += first.n
            passed += round(first.n * first.raw_mean / 100.0)
        if veto is not None and veto.n and veto.raw_mean is not None:
            vetoed += round(veto.n * (100.0 - veto.raw_mean) / 100.0)
    return Summary(cases=cases, passed=passed, vetoed=vetoed, consultancies=len(rows), agencies=agencies)


def notice_rows(flags: Sequence[Any], orgs: Mapping[str, Org]) -> tuple[NoticeRow, ...]:
    return tuple(
        NoticeRow(
            entity_id=n.consultancy,
            name=orgs[n.consultancy].name,
            reasons_zh=tuple(r["zh"] for r in n.reasons),
            reasons_en=tuple(r["en"] for r in n.reasons),
            decision_reason=n.decision_reason,
            statement=n.statement or None,
            credit_code=orgs[n.consultancy].credit_code,
            kind="REVIEW_AGENCY" if n.consultancy.startswith("reviewAgencies/") else "CONSULTANCY",
        )
        for n in flags
    )


def watch_rows(flags: Sequence[Any], orgs: Mapping[str, Org]) -> tuple[WatchRow, ...]:
    return tuple(
        WatchRow(
            entity_id=f.consultancy,
            name=orgs[f.consultancy].name,
            reasons_zh=tuple(r["zh"] for r in f.reasons),
            reasons_en=tuple(r["en"] for r in f.reasons),
            credit_code=orgs[f.consultancy].credit_code,
            kind="REVIEW_AGENCY" if f.consultancy.startswith("reviewAgencies/") else "CONSULTANCY",
        )
        for f in flags
    )


# ---------------------------------------------------------------- signing, storing, verifying


@dataclass(frozen=True)
class Prepared:
    """A rendered, signed version ready to store."""

    files: dict[str, bytes]
    sha256: str
    sequence: int
    previous_sha256: str
    document_number: str
    fingerprint: str
    signature: bytes


def prepare(
    session: Any,
    payload: BulletinPayload,
    *,
    official: OfficialConfig,
    signer: Signer,
    published_at: datetime,
    bulletin_id: uuid.UUID,
    replaced: Any = None,
) -> Prepared:
    """Number, frame, render, chain and sign one version (nothing stored yet)."""
    head = bstore.chain_head(session=session)
    sequence = (head.sequence + 1) if head is not None else 1
    previous = head.sha256 if head is not None else GENESIS
    year = Period.of(published_at, "year")
    seq_in_year = bstore.published_in_year(session=session, start=year.start, end=year.end) + 1
    framed = replace(
        payload,
        official=official.official(published_at, year.year_of(), seq_in_year),
        key_fingerprint=signer.fingerprint,
        public_key_pem=signer.public_pem.decode("ascii"),
    )
    extra: dict[str, bytes] = {}
    if replaced is not None:
        extra = stamped_copies(session, replaced, payload.version, f"bulletins/{bulletin_id}")
    try:
        files = render_all(framed, signer=signer, sequence=sequence, previous_sha256=previous, extra=extra)
    except FontsMissingError as err:
        raise FailedPrecondition("FONTS_MISSING", str(err)) from None
    return Prepared(
        files=files,
        sha256=sha256(files[MANIFEST]),
        sequence=sequence,
        previous_sha256=previous,
        document_number=framed.official.document_number if framed.official else "",
        fingerprint=signer.fingerprint,
        signature=files[SIGNATURE],
    )


def stamped_copies(session: Any, replaced: Any, new_version: int, new_name: str) -> dict[str, bytes]:
    """The replaced version's files rendered again from its own bulletin.json, stamped superseded."""
    row = bstore.file_content(session=session, bulletin_id=replaced.id, file="bulletin.json")
    if row is None:
        return {}
    try:
        old = payload_from_json(json.loads(bytes(row.content)))
    except (ValueError, TypeError, KeyError) as err:
        log.warning("stamp_skipped", bulletin=f"bulletins/{replaced.id}", error=str(err))
        return {}
    stamped = replace(old, superseded_by_version=new_version, superseded_by_name=new_name or None)
    prefix = SUPERSEDED_DIR.format(version=replaced.version)
    return {prefix + name: data for name, data in render_files(stamped).items() if name != PUBLIC_KEY_FILE}


def write_folder(root: Path, period: str, version: int, files: Mapping[str, bytes]) -> Path:
    """Write a version's files to the published folder (via a temporary folder, then renamed)."""
    target = version_folder(root, period, version)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    for name, data in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if target.exists():
        shutil.rmtree(target)  # a version number is only ever stored once; a leftover is a failed try
    tmp.rename(target)
    return target


def remove_folder(root: Path, period: str, version: int) -> None:
    shutil.rmtree(version_folder(root, period, version), ignore_errors=True)


def verify_stored(session: Any, row: Any, files: Mapping[str, bytes], public: Any, root: Path) -> list[str]:
    """Signature, chain up to ``row`` and the files in the database and on disk."""
    problems: list[str] = []
    if row.sequence is None:
        return ["this version predates signing: it has no signature or place in the chain"]
    mine = check_version(files, public, "", row.sha256)
    problems += mine.problems
    if mine.manifest and int(mine.manifest.get("sequence", -1)) != row.sequence:
        problems.append(f"manifest says sequence {mine.manifest.get('sequence')}, the record {row.sequence}")
    links: list[Checked] = []
    for link, manifest, signature in bstore.chain_upto(session=session, sequence=row.sequence):
        if link.id == row.id:
            links.append(mine)
            continue
        where = f"{link.period} v{link.version}: "
        if manifest is None:
            problems.append(f"{where}{MANIFEST} missing")
            continue
        sig = {SIGNATURE: signature} if signature is not None else {}
        checked = check_version({MANIFEST: manifest, **sig}, public, where, link.sha256, check_files=False)
        problems += checked.problems
        links.append(checked)
    problems += check_chain(links)
    folder = version_folder(root, row.period, row.version)
    if not folder.is_dir():
        problems.append(f"the published folder {row.period}/v{row.version} is missing on disk")
    else:
        on_disk = check_version(read_folder(folder), public, "on disk: ", row.sha256)
        problems += on_disk.problems
    return problems
