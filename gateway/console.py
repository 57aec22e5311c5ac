"""The authority's console: the decisions an officer takes, as pages (authority accounts only).

- proposed notices with their evidence, the firm's statement and the deadline → approve or reject
  with a reason (StandingsService.ApproveNotice / RejectNotice);
- determinations to record (RecordDetermination);
- the month's standings and flags, its bulletin, and corrections (ComputeStandings, ScoreFlags,
  PublishBulletin with ``replaces``);
- draws, with their record and a replay (GetDraw, ReplayDraw);
- accounts: create, reissue the activation link, disable (the gateway's own tables);
- the notification outbox of the gateway.

Like every page, the console decides nothing itself: the services check the caller's role on
every call (an officer's token carries ``authority``). Each form carries the CSRF token and a
fresh ``request_id``, so a double submit is one change. Service refusals are shown next to the
field they name, in the reader's language; resources are shown by their registered names.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import grpc
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gateway import accounts, web
from gateway.i18n import reason_text, translator
from gateway.models import outbox
from gateway.notices import activation_url
from gateway.pages import (
    ASSIGNMENT,
    STANDINGS,
    form_checked,
    message,
    redirect,
    render,
    require,
    rpc_error_page,
)
from runtime.calendar import CST, Period, cst_time_label
from runtime.notify import counts as outbox_counts
from runtime.notify.outbox import recent as outbox_recent

ROLE = "authority"
PAGE = 1000  # the services' largest page
DETERMINATION_KINDS = (
    "DETERMINATION_KIND_SPOT_CHECK",
    "DETERMINATION_KIND_REJECTED_REPORT",
    "DETERMINATION_KIND_FALSIFICATION",
)


# --- shared ----------------------------------------------------------------------------------------


def _last_month() -> str:
    return str(Period.current().shift(-1))


def _period_or_last(value: str) -> str:
    try:
        return str(Period.parse(value, kinds=("month",)))
    except Exception:  # noqa: BLE001 - anything unreadable shows last month
        return _last_month()


def _when(rfc3339: str, lang: str) -> str:
    """A Timestamp's JSON as Beijing time in the reader's language; empty stays empty."""
    if not rfc3339:
        return ""
    from google.protobuf import timestamp_pb2

    ts = timestamp_pb2.Timestamp()
    ts.FromJsonString(rfc3339)
    return cst_time_label(ts.ToDatetime(tzinfo=UTC), "en" if lang == "en" else "zh-CN")


def _field_errors(request: Request, err: web.RpcFailed) -> dict[str, str]:
    """The service's field violations as {form field: text in the reader's language}."""
    lang = web.lang_of(request)
    out: dict[str, str] = {}
    for (field, description), why in zip(err.violations, err.violation_reasons, strict=False):
        key = field.rsplit(".", 1)[-1].split("[", 1)[0]
        out.setdefault(key, reason_text(lang, why, description) if why else description)
    return out


async def _all(request: Request, method: str, body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Every page of a list call."""
    found: list[dict[str, Any]] = []
    query = {**body, "page_size": PAGE}
    while True:
        got = await web.invoke(request, method, query)
        found += got.get(key, [])
        if not got.get("next_page_token"):
            return found
        query["page_token"] = got["next_page_token"]


async def _names(request: Request, kinds: Iterable[str] = ("consultancies",)) -> dict[str, str]:
    """Registered names by resource name, cached on the request."""
    cache: dict[str, str] = request.state.__dict__.setdefault("console_names", {})
    methods = {
        "consultancies": ("ListConsultancies", "consultancies"),
        "experts": ("ListExperts", "experts"),
        "enterprises": ("ListEnterprises", "enterprises"),
        "reviewAgencies": ("ListReviewAgencies", "review_agencies"),
    }
    loaded: set[str] = request.state.__dict__.setdefault("console_loaded", set())
    for kind in kinds:
        if kind in loaded:
            continue
        method, key = methods[kind]
        for row in await _all(request, f"{ASSIGNMENT}.{method}", {}, key):
            cache[row["name"]] = row.get("display_name", "")
        loaded.add(kind)
    return cache


async def _officer(request: Request) -> accounts.Identity | Response:
    return await require(request, ROLE)


async def _officer_form(request: Request) -> tuple[accounts.Identity, dict[str, str]] | Response:
    """An officer's posted form (CSRF checked), or the page that refuses it."""
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    form, refusal = await form_checked(request)
    return refusal if refusal is not None else (ident, form)


def _pct(p: float) -> str:
    """A probability as people read it: 37%, and >99% / <1% rather than a false 100% or 0%."""
    if p > 0.99:
        return ">99%"
    if p < 0.01:
        return "<1%"
    return f"{p * 100:.0f}%"


async def _page(request: Request, template: str, status: int = 200, **ctx: Any) -> Response:
    return await render(
        request, f"console/{template}", status=status, section=template.split(".")[0], pct=_pct, **ctx
    )


# --- home ------------------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    period = _last_month()
    proposed: list[dict[str, Any]] = []
    try:
        flags = await _all(
            request,
            f"{STANDINGS}.ListFlags",
            {"period": period, "level": "FLAG_LEVEL_PROPOSE_NOTICE"},
            "flags",
        )
        proposed = [f for f in flags if f.get("notice_state") == "NOTICE_STATE_PROPOSED"]
    except web.RpcFailed:
        proposed = []  # the page still offers every section
    st = web.state_of(request)
    depth = await run_in_threadpool(outbox_counts, st.engine, outbox)
    return await _page(request, "home.html", period=period, proposed=len(proposed), outbox=depth)


# --- proposed notices ------------------------------------------------------------------------------


async def notices_page(request: Request) -> Response:
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    period = _period_or_last(request.query_params.get("period", ""))
    lang = web.lang_of(request)
    try:
        flags = await _all(
            request,
            f"{STANDINGS}.ListFlags",
            {"period": period, "level": "FLAG_LEVEL_PROPOSE_NOTICE"},
            "flags",
        )
        names = await _names(request)
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    rows = [
        {
            "id": f["name"].split("/", 1)[1],
            "firm": names.get(f["consultancy"], f["consultancy"]),
            "state": f.get("notice_state", ""),
            "statement": bool(f.get("statement")),
            "deadline": _when(f.get("statement_deadline", ""), lang),
            "reasons": f.get("reasons", []),
        }
        for f in flags
    ]
    rows.sort(key=lambda r: (r["state"] != "NOTICE_STATE_PROPOSED", r["firm"]))
    return await _page(request, "notices.html", period=period, rows=rows)


async def _flag(request: Request, period: str, flag_id: str) -> dict[str, Any] | None:
    flags = await _all(
        request, f"{STANDINGS}.ListFlags", {"period": period, "level": "FLAG_LEVEL_PROPOSE_NOTICE"}, "flags"
    )
    return next((f for f in flags if f["name"] == f"flags/{flag_id}"), None)


async def notice_page(request: Request, errors: dict[str, str] | None = None, posted: str = "") -> Response:
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    period = _period_or_last(request.path_params["period"])
    lang = web.lang_of(request)
    try:
        flag = await _flag(request, period, request.path_params["flag"])
        if flag is None:
            return await message(request, "not_found", status=404)
        names = await _names(request)
        determinations = await web.invoke(
            request, f"{STANDINGS}.ListDeterminations", {"consultancy": flag["consultancy"], "page_size": 20}
        )
        standings = await _all(request, f"{STANDINGS}.ListStandings", {"period": period}, "standings")
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    standing = next((s for s in standings if s["entity"] == flag["consultancy"]), None)
    deadline = flag.get("statement_deadline", "")
    window_open = False
    if deadline:
        from google.protobuf import timestamp_pb2

        ts = timestamp_pb2.Timestamp()
        ts.FromJsonString(deadline)
        window_open = ts.ToDatetime(tzinfo=UTC) > datetime.now(UTC) and not flag.get("statement")
    return await _page(
        request,
        "notice.html",
        status=400 if errors else 200,
        period=period,
        period_label=Period.parse(period).label("en" if lang == "en" else "zh-CN"),
        flag=flag,
        firm=names.get(flag["consultancy"], flag["consultancy"]),
        standing=standing,
        determinations=[
            {**d, "decided": _when(d.get("decide_time", ""), lang)}
            for d in determinations.get("determinations", [])
        ],
        deadline=_when(deadline, lang),
        statement_time=_when(flag.get("statement_time", ""), lang),
        decide_time=_when(flag.get("decide_time", ""), lang),
        window_open=window_open,
        errors=errors or {},
        posted=posted,
        request_id=uuid.uuid4().hex,
    )


async def notice_post(request: Request) -> Response:
    checked = await _officer_form(request)
    if isinstance(checked, Response):
        return checked
    _ident, form = checked
    t = translator(web.lang_of(request))
    period, flag_id = request.path_params["period"], request.path_params["flag"]
    reason = form.get("reason", "").strip()
    action = form.get("action", "")
    if action not in ("approve", "reject"):
        return await notice_page(request, {"action": t("console.choose_action")}, reason)
    if not reason:
        return await notice_page(request, {"reason": t("console.reason_required")}, reason)
    method = "ApproveNotice" if action == "approve" else "RejectNotice"
    body = {"name": f"flags/{flag_id}", "reason": reason, "request_id": form.get("request_id", "")}
    try:
        await web.invoke(request, f"{STANDINGS}.{method}", body)
    except web.RpcFailed as err:
        if err.code.name in ("INVALID_ARGUMENT", "FAILED_PRECONDITION"):
            fields = _field_errors(request, err) or {
                "reason": reason_text(web.lang_of(request), err.reason, err.message)
            }
            return await notice_page(request, fields, reason)
        return await rpc_error_page(request, err)
    return redirect(request, f"/console/notices/{period}/{flag_id}?done={action}")


# --- determinations --------------------------------------------------------------------------------


async def determinations_page(
    request: Request, errors: dict[str, str] | None = None, posted: dict[str, str] | None = None
) -> Response:
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    lang = web.lang_of(request)
    try:
        names = await _names(request)
        listed = await web.invoke(request, f"{STANDINGS}.ListDeterminations", {"page_size": 50})
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    rows = [
        {
            **d,
            "firm": names.get(d.get("consultancy", ""), d.get("consultancy", "")),
            "decided": _when(d.get("decide_time", ""), lang),
        }
        for d in listed.get("determinations", [])
    ]
    firms = sorted(((n, v) for n, v in names.items() if n.startswith("consultancies/")), key=lambda x: x[1])
    today = datetime.now(CST).date().isoformat()
    return await _page(
        request,
        "determinations.html",
        status=400 if errors else 200,
        rows=rows,
        firms=firms,
        kinds=DETERMINATION_KINDS,
        errors=errors or {},
        posted=posted or {"period": _last_month(), "decide_date": today},
        request_id=uuid.uuid4().hex,
        done=request.query_params.get("done") == "1",
    )


async def determinations_post(request: Request) -> Response:
    checked = await _officer_form(request)
    if isinstance(checked, Response):
        return checked
    _ident, form = checked
    t = translator(web.lang_of(request))
    errors: dict[str, str] = {}
    decided = form.get("decide_date", "")
    try:
        day = datetime.fromisoformat(decided).date()
        decide_time = datetime.combine(day, time(12, 0), CST).astimezone(UTC)
    except ValueError:
        errors["decide_date"] = t("console.date_invalid")
        decide_time = datetime.now(UTC)
    if not form.get("consultancy"):
        errors["consultancy"] = t("console.pick_consultancy")
    if form.get("kind") not in DETERMINATION_KINDS:
        errors["kind"] = t("console.pick_kind")
    if errors:
        return await determinations_page(request, errors, form)
    determination = {
        "consultancy": form["consultancy"],
        "period": form.get("period", "").strip(),
        "kind": form["kind"],
        "substandard": form.get("substandard") == "1",
        "evidence": [line.strip() for line in form.get("evidence", "").splitlines() if line.strip()],
        "decide_time": decide_time.isoformat().replace("+00:00", "Z"),
        "note": form.get("note", ""),
    }
    try:
        await web.invoke(
            request,
            f"{STANDINGS}.RecordDetermination",
            {"determination": determination, "request_id": form.get("request_id", "")},
        )
    except web.RpcFailed as err:
        if err.code.name in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "NOT_FOUND"):
            fields = _field_errors(request, err) or {
                "consultancy": reason_text(web.lang_of(request), err.reason, err.message)
            }
            return await determinations_page(request, fields, form)
        return await rpc_error_page(request, err)
    return redirect(request, "/console/determinations?done=1")


# --- standings, flags and bulletins ----------------------------------------------------------------


async def bulletins_page(
    request: Request,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    done: str = "",
) -> Response:
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    lang = web.lang_of(request)
    try:
        listed = await web.invoke(request, f"{STANDINGS}.ListBulletins", {"page_size": 50})
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    rows = [
        {
            **b,
            "id": b["name"].split("/", 1)[1],
            "label": Period.parse(b["period"]).label("en" if lang == "en" else "zh-CN"),
            "published": _when(b.get("publish_time", ""), lang),
        }
        for b in listed.get("bulletins", [])
    ]
    latest: dict[str, dict[str, Any]] = {}
    for b in rows:
        if b["period"] not in latest or int(b.get("version", 1)) > int(latest[b["period"]].get("version", 1)):
            latest[b["period"]] = b
    return await _page(
        request,
        "bulletins.html",
        status=400 if errors else 200,
        rows=rows,
        latest=sorted(latest.values(), key=lambda b: b["period"], reverse=True),
        errors=errors or {},
        posted=posted or {"period": _last_month()},
        done=done or request.query_params.get("done", ""),
        request_id=uuid.uuid4().hex,
    )


async def bulletins_post(request: Request) -> Response:
    checked = await _officer_form(request)
    if isinstance(checked, Response):
        return checked
    _ident, form = checked
    t = translator(web.lang_of(request))
    lang = web.lang_of(request)
    action = form.get("action", "")
    period = form.get("period", "").strip()
    rid = form.get("request_id", "")
    try:
        if action == "compute":
            await web.invoke(request, f"{STANDINGS}.ComputeStandings", {"period": period, "request_id": rid})
            flagged = await web.invoke(
                request, f"{STANDINGS}.ScoreFlags", {"period": period, "request_id": rid + "-flags"}
            )
            return redirect(
                request, f"/console/bulletins?done=computed&proposed={flagged.get('proposed', 0)}"
            )
        if action == "publish":
            await web.invoke(request, f"{STANDINGS}.PublishBulletin", {"period": period, "request_id": rid})
            return redirect(request, "/console/bulletins?done=published")
        if action == "correct":
            replaces = form.get("replaces", "")
            note = form.get("correction_note", "").strip()
            if not note:
                return await bulletins_page(request, {"correction_note": t("console.note_required")}, form)
            listed = await web.invoke(request, f"{STANDINGS}.GetBulletin", {"name": replaces})
            await web.invoke(
                request,
                f"{STANDINGS}.PublishBulletin",
                {
                    "period": listed["period"],
                    "replaces": replaces,
                    "correction_note": note,
                    "request_id": rid,
                },
            )
            return redirect(request, "/console/bulletins?done=corrected")
    except web.RpcFailed as err:
        if err.code.name in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "NOT_FOUND", "ALREADY_EXISTS"):
            target = "correction_note" if action == "correct" else "period"
            fields = _field_errors(request, err)
            if "replaces" in fields or "correction_note" in fields or "period" in fields:
                fields = {target: next(iter(fields.values()))} if target not in fields else fields
            return await bulletins_page(
                request, fields or {target: reason_text(lang, err.reason, err.message)}, form
            )
        return await rpc_error_page(request, err)
    return await bulletins_page(request, {"action": t("console.choose_action")}, form)


# --- draws -----------------------------------------------------------------------------------------


def _lot_label(lot: dict[str, Any], lang: str) -> str:
    y, b, n = lot.get("year", 0), lot.get("batch", 0), lot.get("lot_number", 0)
    return f"{y} batch {b}, lot {n}" if lang == "en" else f"{y}年第{b}批第{n}标段"


async def draws_page(request: Request) -> Response:
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    lang = web.lang_of(request)
    try:
        lots = await _all(request, f"{ASSIGNMENT}.ListLots", {}, "lots")
        agencies = await _names(request, ("reviewAgencies",))
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    rows = [
        {
            "label": _lot_label(lot, lang),
            "agency": agencies.get(lot.get("review_agency", ""), ""),
            "status": lot.get("status", ""),
            "draw": lot.get("draw", "").split("/", 1)[-1] if lot.get("draw") else "",
            "deadline": _when(lot.get("review_deadline", ""), lang),
            "key": (lot.get("year", 0), lot.get("batch", 0), lot.get("lot_number", 0)),
        }
        for lot in lots
    ]
    rows.sort(key=lambda r: r["key"], reverse=True)
    return await _page(request, "draws.html", rows=rows)


async def draw_page(request: Request, replay: dict[str, Any] | None = None) -> Response:
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    lang = web.lang_of(request)
    name = f"draws/{request.path_params['draw']}"
    try:
        draw = await web.invoke(request, f"{ASSIGNMENT}.GetDraw", {"name": name})
        lot = await web.invoke(request, f"{ASSIGNMENT}.GetLot", {"name": draw["lot"]})
        seats = await _all(
            request, f"{ASSIGNMENT}.ListPanelSeats", {"lot": draw["lot"], "include_inactive": True}, "seats"
        )
        names = await _names(request, ("experts", "reviewAgencies"))
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    panels: dict[str, dict[str, Any]] = {}
    for seat in seats:
        summary = seat.get("summary", {})
        panel = panels.setdefault(
            seat["case"],
            {
                "enterprise": summary.get("enterprise_display_name", ""),
                "consultancy": summary.get("consultancy_display_name", ""),
                "town": summary.get("town", ""),
                "stage": seat.get("stage", ""),
                "track": seat.get("track", ""),
                "experts": [],
            },
        )
        panel["experts"].append(
            {
                "name": names.get(seat["expert"], ""),
                "active": bool(seat.get("active")),
                "amended": bool(seat.get("from_amendment")),
                "fit": seat.get("fit", 0),
            }
        )
    enterprise_of = {case: p["enterprise"] for case, p in panels.items()}
    amendments = [
        {
            "case": enterprise_of.get(a.get("case", ""), ""),
            "removed": names.get(a.get("removed_expert", ""), ""),
            "added": names.get(a.get("added_expert", ""), ""),
            "reason": a.get("reason", ""),
            "when": _when(a.get("create_time", ""), lang),
        }
        for a in draw.get("amendments", [])
    ]
    return await _page(
        request,
        "draw.html",
        draw=draw,
        draw_id=request.path_params["draw"],
        lot_label=_lot_label(lot, lang),
        agency=names.get(lot.get("review_agency", ""), ""),
        created=_when(draw.get("create_time", ""), lang),
        weakest=enterprise_of.get(draw.get("weakest_case", ""), ""),
        panels=sorted(panels.values(), key=lambda p: p["enterprise"]),
        amendments=amendments,
        replay=replay,
        pairs=len(draw.get("marginals", [])),
    )


async def draw_replay(request: Request) -> Response:
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    _, refusal = await form_checked(request)
    if refusal is not None:
        return refusal
    name = f"draws/{request.path_params['draw']}"
    try:
        replayed = await web.invoke(request, f"{ASSIGNMENT}.ReplayDraw", {"name": name})
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    return await draw_page(request, replay=replayed)


# --- accounts --------------------------------------------------------------------------------------


async def accounts_page(
    request: Request,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    issued: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    st = web.state_of(request)
    rows = await run_in_threadpool(accounts.list_accounts, st.engine)
    try:
        names = await _names(request, ("consultancies", "experts"))
    except web.RpcFailed:
        names = {}
    experts = sorted(((n, v) for n, v in names.items() if n.startswith("experts/")), key=lambda x: x[1])
    firms = sorted(((n, v) for n, v in names.items() if n.startswith("consultancies/")), key=lambda x: x[1])
    return await _page(
        request,
        "accounts.html",
        status=400 if errors else status,
        rows=[{**r, "of": names.get(str(r["subject"]), names.get(str(r["org"]), ""))} for r in rows],
        experts=experts,
        firms=firms,
        roles=accounts.ROLES_WITH_ACCOUNTS,
        errors=errors or {},
        posted=posted or {"role": "reviewer"},
        issued=issued,
        me=ident.username,
    )


_ACCOUNT_ERRORS = {
    "USERNAME_TAKEN": "username",
    "USERNAME_REQUIRED": "username",
    "INVALID_EMAIL": "email",
    "ROLE_HAS_NO_ACCOUNTS": "role",
    "NO_SUCH_ACCOUNT": "username",
}


async def accounts_post(request: Request) -> Response:
    checked = await _officer_form(request)
    if isinstance(checked, Response):
        return checked
    ident, form = checked
    t = translator(web.lang_of(request))
    lang = web.lang_of(request)
    st = web.state_of(request)
    action = form.get("action", "create")
    username = form.get("username", "").strip().lower()
    try:
        if action == "create":
            role = form.get("role", "")
            subject, org = "", ""
            if role == "reviewer":
                subject = form.get("expert", "")
                if not subject.startswith("experts/"):
                    return await accounts_page(request, {"expert": t("console.pick_expert")}, form)
            elif role == "consultancy":
                org = form.get("consultancy", "")
                if not org.startswith("consultancies/"):
                    return await accounts_page(request, {"consultancy": t("console.pick_consultancy")}, form)
                subject = f"{org}/users/{username}"
            else:
                subject = f"authority/users/{username}"
            names = await _names(request, ("consultancies", "experts"))
            display = form.get("display_name", "").strip() or names.get(subject, names.get(org, ""))
            email = form.get("email", "").strip()
            if not email and role in ("reviewer", "consultancy"):
                email = await _registry_email(request, subject if role == "reviewer" else org)
            _, token = await run_in_threadpool(
                lambda: accounts.create_account(
                    st.engine, st.settings, username=username, role=role, subject=subject, org=org,
                    display_name=display, email=email,
                )
            )  # fmt: skip
            issued = {"username": username, "link": activation_url(token), "email": email}
        elif action == "reissue":
            token = await run_in_threadpool(
                lambda: accounts.reissue_activation(st.engine, st.settings, username=username)
            )
            email = await run_in_threadpool(accounts.email_of, st.engine, username)
            issued = {"username": username, "link": activation_url(token), "email": email}
        elif action == "reset_second_factor":
            if username == ident.username:
                return await accounts_page(request, {"table": t("console.cannot_disable_self")}, status=400)
            await run_in_threadpool(lambda: accounts.reset_second_factor(st.engine, username=username))
            return redirect(request, "/console/accounts?reset=" + username)
        elif action == "disable":
            if username == ident.username:
                return await accounts_page(request, {"table": t("console.cannot_disable_self")}, status=400)
            await run_in_threadpool(accounts.disable_account, st.engine, username=username)
            return redirect(request, "/console/accounts?disabled=" + username)
        else:
            return await accounts_page(request, {"role": t("console.choose_action")}, form)
    except accounts.AccountError as err:
        field = _ACCOUNT_ERRORS.get(err.reason, "username")
        if action != "create":
            field = "table"
        return await accounts_page(request, {field: reason_text(lang, err.reason, err.reason)}, form)
    return await accounts_page(request, posted={"role": "reviewer"}, issued=issued)


async def _registry_email(request: Request, name: str) -> str:
    """The registry's e-mail for an expert or consultancy (empty when none or unreadable)."""
    method = "GetExpert" if name.startswith("experts/") else "GetConsultancy"
    try:
        got = await web.invoke(request, f"{ASSIGNMENT}.{method}", {"name": name})
    except web.RpcFailed:
        return ""
    return str(got.get("contact", {}).get("email", ""))


# --- audit trail -----------------------------------------------------------------------------------

AUDIT = "dgcp.audit.v1.AuditService"
AUDITED = ("scoring", "assignment", "surveys", "gateway")
_AUDIT_FILTERS = ("subject", "resource", "method", "request_id")


def _gateway_audit(st: web.State, method: str, body: dict[str, Any]) -> dict[str, Any]:
    """The gateway's own log, read in process the way each service serves its own."""
    from google.protobuf import json_format

    from dgcp.audit.v1 import audit_pb2
    from runtime import audit
    from runtime.audit_api import AuditServicer
    from runtime.errors import DomainError

    log = audit.log_of(st.engine)
    if log is None:
        raise web.RpcFailed(grpc.StatusCode.UNAVAILABLE, "AUDIT_UNAVAILABLE", "no audit log here", [])
    servicer = AuditServicer(log)
    try:
        if method == "ListAuditEvents":
            req = json_format.ParseDict(body, audit_pb2.ListAuditEventsRequest())
            resp: Any = servicer.ListAuditEvents(req, None)  # type: ignore[arg-type]
        else:
            resp = servicer.VerifyAuditLog(audit_pb2.VerifyAuditLogRequest(), None)  # type: ignore[arg-type]
    except DomainError as err:
        raise web.RpcFailed(err.code, err.reason, str(err), []) from None
    return json_format.MessageToDict(resp, preserving_proto_field_name=True)


async def _audit_call(request: Request, service: str, method: str, body: dict[str, Any]) -> dict[str, Any]:
    if service == "gateway":
        return await run_in_threadpool(_gateway_audit, web.state_of(request), method, body)
    return await web.invoke(request, f"{AUDIT}.{method}", body, service=service)


def _day_bound(value: str, end: bool) -> str:
    """A date field (Beijing day) as the RFC 3339 instant that starts or ends it; '' when empty or bad."""
    try:
        day = datetime.fromisoformat(value).date()
    except ValueError:
        return ""
    start = datetime.combine(day, time(0, 0), CST)
    if end:
        start = start + timedelta(days=1)
    return start.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def audit_page(request: Request, verdict: dict[str, Any] | None = None) -> Response:
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    lang = web.lang_of(request)
    q = request.query_params
    service = q.get("service", "scoring")
    service = service if service in AUDITED else "scoring"
    if verdict is not None:
        service = str(verdict.get("service", service))
    body: dict[str, Any] = {k: q.get(k, "").strip() for k in _AUDIT_FILTERS if q.get(k, "").strip()}
    if start := _day_bound(q.get("from", ""), end=False):
        body["start_time"] = start
    if end := _day_bound(q.get("to", ""), end=True):
        body["end_time"] = end
    body["page_size"] = 50
    if q.get("page_token"):
        body["page_token"] = q["page_token"]
    errors: dict[str, str] = {}
    events: list[dict[str, Any]] = []
    next_url = ""
    try:
        got = await _audit_call(request, service, "ListAuditEvents", body)
        events = got.get("audit_events", [])
        if got.get("next_page_token"):
            following = request.url.include_query_params(page_token=got["next_page_token"])
            next_url = f"{following.path}?{following.query}"
        names = dict(await _names(request, ("consultancies", "experts", "enterprises", "reviewAgencies")))
        for a in await run_in_threadpool(accounts.list_accounts, web.state_of(request).engine):
            names.setdefault(str(a["subject"]), str(a["display_name"] or a["username"]))
    except web.RpcFailed as err:
        if err.code.name != "INVALID_ARGUMENT":
            return await rpc_error_page(request, err)
        errors = _field_errors(request, err) or {"subject": reason_text(lang, err.reason, err.message)}
        names = {}
    rows = [
        {
            "when": _when(e.get("time", ""), lang),
            "who": names.get(e.get("subject", ""), "") or e.get("subject", ""),
            "role": e.get("role", ""),
            "org": names.get(e.get("org", ""), e.get("org", "")),
            "method": e.get("method", ""),
            "resources": [names.get(r, r) for r in e.get("resources", [])],
            "code": e.get("code", ""),
            "reason": reason_text(lang, e.get("reason", ""), e.get("reason", "")) if e.get("reason") else "",
            "request_id": e.get("request_id", ""),
            "sequence": e.get("sequence", "0"),
            "peer": e.get("forwarded_for") or e.get("peer", ""),
        }
        for e in events
    ]
    return await _page(
        request,
        "audit.html",
        status=400 if errors else 200,
        service=service,
        services=AUDITED,
        rows=rows,
        filters={k: q.get(k, "") for k in (*_AUDIT_FILTERS, "from", "to")},
        next_url=next_url,
        errors=errors,
        verdict=verdict,
    )


async def audit_verify(request: Request) -> Response:
    checked = await _officer_form(request)
    if isinstance(checked, Response):
        return checked
    _ident, form = checked
    service = form.get("service", "")
    if service not in AUDITED:
        return await message(request, "not_found", status=404)
    try:
        verdict = await _audit_call(request, service, "VerifyAuditLog", {})
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    return await audit_page(request, verdict={**verdict, "service": service})


# --- outbox ----------------------------------------------------------------------------------------


async def outbox_page(request: Request) -> Response:
    ident = await _officer(request)
    if isinstance(ident, Response):
        return ident
    st = web.state_of(request)
    lang = web.lang_of(request)
    depth = await run_in_threadpool(outbox_counts, st.engine, outbox)
    rows = await run_in_threadpool(outbox_recent, st.engine, outbox)
    return await _page(
        request,
        "outbox.html",
        depth=depth,
        rows=[
            {
                "kind": r.kind,
                "to": f"{r.recipient_name} <{r.recipient}>",
                "status": r.status,
                "attempts": r.attempts,
                "error": r.last_error,
                "queued": cst_time_label(r.create_time, "en" if lang == "en" else "zh-CN"),
            }
            for r in rows
        ],
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/console", home, methods=["GET"]),
        Route("/console/notices", notices_page, methods=["GET"]),
        Route("/console/notices/{period}/{flag}", notice_page, methods=["GET"]),
        Route("/console/notices/{period}/{flag}", notice_post, methods=["POST"]),
        Route("/console/determinations", determinations_page, methods=["GET"]),
        Route("/console/determinations", determinations_post, methods=["POST"]),
        Route("/console/bulletins", bulletins_page, methods=["GET"]),
        Route("/console/bulletins", bulletins_post, methods=["POST"]),
        Route("/console/draws", draws_page, methods=["GET"]),
        Route("/console/draws/{draw}", draw_page, methods=["GET"]),
        Route("/console/draws/{draw}/replay", draw_replay, methods=["POST"]),
        Route("/console/accounts", accounts_page, methods=["GET"]),
        Route("/console/accounts", accounts_post, methods=["POST"]),
        Route("/console/outbox", outbox_page, methods=["GET"]),
        Route("/console/audit", audit_page, methods=["GET"]),
        Route("/console/audit/verify", audit_verify, methods=["POST"]),
    ]
