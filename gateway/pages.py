"""Server-rendered pages for reviewers, consultancies, enterprises and the public.

Pages call the services with the visitor's identity (``web.invoke``) and show
what the services answer; they decide nothing. The role checks here only pick
which page a visitor gets; every record is authorised again by the service
that owns it, so editing a URL to reach someone else's case reaches the
service's PERMISSION_DENIED, not the data. Pages are written against the
contracts by method and field name; a page whose RPC does not exist in the
contracts answers 404 and is left out of the navigation.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from google.protobuf import timestamp_pb2
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from gateway import accounts, web
from gateway.errors import HTTP_STATUS, RATE_LIMIT_REASONS
from gateway.i18n import LOCALES, enum_label, reason_text, translations, translator
from runtime.calendar import CST, Period


def _make_env(lang: str) -> Environment:
    """A template environment whose ``_``/``gettext``/``{% trans %}`` speak ``lang``."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["num"] = _num
    env.globals["enum"] = lambda value: enum_label(lang, value)
    env.globals["reason"] = lambda code, fallback="": reason_text(lang, code, fallback)
    return env


_ENVS: dict[str, Environment] = {}


def env_for(lang: str) -> Environment:
    if lang not in _ENVS:
        _ENVS[lang] = _make_env(lang if lang in LOCALES else "zh")
    return _ENVS[lang]


ASSIGNMENT = "dgcp.assignment.v1.AssignmentService"
SCORING = "dgcp.scoring.v1.ScoringService"
STANDINGS = "dgcp.scoring.v1.StandingsService"
SURVEYS = "dgcp.surveys.v1.SurveysService"

# Cases per page on the consultancy's page (the assignment service caps pages at 1000).
CONSULTANCY_CASES_PER_PAGE = 50

# Times are shown in Dongguan's civil time (China Standard Time: UTC+8, no daylight saving).
DISPLAY_TZ = CST

# Mutual-rating items per direction (the scoring service's defaults; it rejects unknown keys).
EXPERT_ITEMS = ("technical_capability", "service_quality")
CONSULTANCY_ITEMS = ("professionalism", "fairness", "timeliness", "communication")


# --- rendering ------------------------------------------------------------------------------------


async def render(request: Request, template: str, status: int = 200, **ctx: Any) -> Response:
    lang = web.lang_of(request)
    ident = await web.identity_of(request)
    other = "en" if lang == "zh" else "zh"
    switch = request.url.include_query_params(lang=other)
    body = (
        env_for(lang)
        .get_template(template)
        .render(
            request=request,
            lang=lang,
            lang_url=f"{switch.path}?{switch.query}",
            t=translator(lang),
            ident=ident,
            csrf=web.csrf_token(request),
            **ctx,
        )
    )
    response = HTMLResponse(body, status_code=status)
    if request.query_params.get("lang") in web.LANGS:
        web.set_cookie(request, response, web.LANG_COOKIE, web.lang_of(request), max_age=365 * 86400)
    return web.finish(request, response)


async def message(request: Request, heading_key: str, body: str = "", status: int = 200) -> Response:
    t = translator(web.lang_of(request))
    return await render(request, "message.html", status=status, heading=t(heading_key), body=body)


def redirect(request: Request, url: str) -> Response:
    return web.finish(request, RedirectResponse(url, status_code=303))


async def rpc_error_page(request: Request, err: web.RpcFailed) -> Response:
    """The service's refusal in the visitor's language (by reason), with the mapped HTTP status."""
    text = reason_text(web.lang_of(request), err.reason, err.message)
    status = 429 if err.reason in RATE_LIMIT_REASONS else HTTP_STATUS.get(err.code, 500)
    if err.code.name == "RESOURCE_EXHAUSTED" and status != 429:
        status = 413
    return await message(request, "error", text, status=status)


async def require(request: Request, role: str) -> accounts.Identity | Response:
    """The logged-in account if it has ``role``; otherwise the login page or 403."""
    ident = await web.identity_of(request)
    if ident is None:
        return redirect(request, "/login")
    if ident.role != role:
        return await message(request, "forbidden", status=403)
    return ident


async def form_checked(request: Request) -> tuple[dict[str, str], Response | None]:
    """The posted form, or a 403 page when its CSRF token is missing or wrong."""
    form = await request.form()
    values = {k: str(v) for k, v in form.multi_items()}
    if not web.csrf_ok(request, values.get("csrf_token", "")):
        return values, await message(request, "csrf", status=403)
    return values, None


def _needs(full_name: str) -> bool:
    return web.method_exists(full_name)


# --- public ---------------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    return await render(request, "home.html")


async def login_page(request: Request) -> Response:
    return await render(request, "login.html")


async def login_post(request: Request) -> Response:
    form, refusal = await form_checked(request)
    if refusal is not None:
        return refusal
    st = web.state_of(request)
    t = translator(web.lang_of(request))
    username = form.get("username", "").strip().lower()
    client = request.client.host if request.client else "-"
    if not st.address_throttle.allow(client) or not st.login_throttle.allow(f"{client}|{username}"):
        return await render(request, "login.html", status=429, error=t("too_many"), username=username)
    try:
        ident = await run_in_threadpool(
            accounts.login, st.engine, st.settings, username=username, password=form.get("password", "")
        )
    except accounts.AccountError as err:
        key = "account_locked" if err.reason == "ACCOUNT_LOCKED" else "login_failed"
        return await render(request, "login.html", status=401, error=t(key), username=username)
    st.login_throttle.reset(f"{client}|{username}")
    token = await run_in_threadpool(accounts.create_session, st.engine, st.settings, ident.account_id)
    home = {"reviewer": "/reviewer", "authority": "/console"}.get(ident.role, "/consultancy")
    response = RedirectResponse(home, status_code=303)
    web.set_cookie(request, response, web.SESSION_COOKIE, token, max_age=st.settings.session_ttl_seconds)
    response.delete_cookie(web.PRE_COOKIE, path="/")
    return web.finish(request, response)


async def logout(request: Request) -> Response:
    _, refusal = await form_checked(request)
    if refusal is not None:
        return refusal
    token = request.cookies.get(web.SESSION_COOKIE, "")
    if token:
        await run_in_threadpool(accounts.end_session, web.state_of(request).engine, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(web.SESSION_COOKIE, path="/")
    return web.finish(request, response)


async def activate_page(request: Request) -> Response:
    token = request.path_params["token"]
    st = web.state_of(request)
    account = await run_in_threadpool(accounts.activation_account, st.engine, token)
    if account is None:
        return await message(request, "link_invalid", status=404)
    return await render(request, "activate.html", account=account, min_length=st.settings.min_password_length)


async def activate_post(request: Request) -> Response:
    form, refusal = await form_checked(request)
    if refusal is not None:
        return refusal
    token = request.path_params["token"]
    st = web.state_of(request)
    t = translator(web.lang_of(request))
    account = await run_in_threadpool(accounts.activation_account, st.engine, token)
    if account is None:
        return await message(request, "link_invalid", status=404)
    password = form.get("password", "")
    ctx = {"account": account, "min_length": st.settings.min_password_length}
    if password != form.get("password2", ""):
        return await render(request, "activate.html", status=400, error=t("password_mismatch"), **ctx)
    try:
        await run_in_threadpool(accounts.activate, st.engine, st.settings, token=token, password=password)
    except accounts.AccountError as err:
        key = "password_short" if err.reason == "PASSWORD_TOO_SHORT" else "link_invalid"
        return await render(request, "activate.html", status=400, error=t(key), **ctx)
    return await render(request, "login.html", notice=t("activated"), username=account.username)


# --- reviewer -------------------------------------------------------------------------------------


def _enum_word(value: str) -> str:
    """``CASE_STAGE_EVALUATION`` → ``evaluation`` (the words rubric series are named with)."""
    return value.rsplit("_", 1)[-1].lower() if value else ""


async def _case_series(request: Request, case: str) -> str:
    """``evaluation-standard`` etc. for a case, when the assignment service lets the caller read it."""
    if not _needs(f"{ASSIGNMENT}.GetCase"):
        return ""
    try:
        got = await web.invoke(request, f"{ASSIGNMENT}.GetCase", {"name": case})
    except web.RpcFailed:
        return ""  # not readable by this caller: the page falls back to the series it was given
    return f"{_enum_word(got.get('stage', ''))}-{_enum_word(got.get('track', ''))}"


async def reviewer_home(request: Request) -> Response:
    """The reviewer's seats (from the assignment service), grouped by lot."""
    ident = await require(request, "reviewer")
    if isinstance(ident, Response):
        return ident
    method = f"{ASSIGNMENT}.ListPanelSeats"
    if not _needs(method):
        return await message(request, "not_found", status=404)
    found: list[dict[str, Any]] = []
    query = {"expert": ident.subject, "page_size": 1000}
    try:
        while True:  # an expert holds a few dozen seats a year: every page, then group
            listed = await web.invoke(request, method, query)
            found += listed.get("seats", [])
            if not listed.get("next_page_token"):
                break
            query["page_token"] = listed["next_page_token"]
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    seats = sorted(found, key=_seat_order)
    series = await asyncio.gather(*(_case_series(request, s["case"]) for s in seats))
    groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for seat, ser in zip(seats, series, strict=True):
        stage, _, track = ser.partition("-")
        lot = seat.get("lot", "")
        deadline = _local_time(seat.get("review_deadline", ""))
        group = groups.setdefault(lot, {"lot": lot, "deadline": deadline, "items": []})
        group["items"].append(
            {
                "name": seat["case"],
                "title": seat["case"],
                "stage": stage,
                "track": track,
                "series": ser,
                "deadline": deadline,
            }
        )
    return await render(
        request,
        "reviewer_cases.html",
        groups=list(groups.values()),
        can_recuse=_needs(f"{ASSIGNMENT}.RecuseExpert"),
    )


def _instant(rfc3339: str) -> datetime | None:
    """A Timestamp's JSON form (any number of fraction digits) as an aware datetime."""
    if not rfc3339:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromJsonString(rfc3339)
    return ts.ToDatetime(tzinfo=UTC)


def _seat_order(seat: dict[str, Any]) -> tuple[bool, datetime, str, str]:
    """Lots with the nearest review deadline first (lots without one last), then by case."""
    deadline = _instant(seat.get("review_deadline", ""))
    return (deadline is None, deadline or datetime.max.replace(tzinfo=UTC), seat.get("lot", ""), seat["case"])


def _local_time(rfc3339: str) -> str:
    """``2026-01-01T00:00:00Z`` → ``2026-01-01 08:00`` (Dongguan time); empty stays empty."""
    instant = _instant(rfc3339)
    return instant.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M") if instant else ""


async def _rubric(request: Request, name: str) -> dict[str, Any]:
    return await web.invoke(request, f"{SCORING}.GetRubricVersion", {"name": name})


def _form_view(
    rubric: dict[str, Any], saved: dict[str, Any] | None, posted: dict[str, str] | None
) -> dict[str, Any]:
    """Criteria grouped by chapter with the values to show (posted > saved > blank)."""
    saved_items = {i["criterion_id"]: i for i in (saved or {}).get("items", [])}
    saved_vetoes = {v["veto_id"]: v for v in (saved or {}).get("vetoes", [])}
    chapters: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    total = 0.0
    for c in rubric.get("criteria", []):
        cid = c["id"]
        points: Any = saved_items.get(cid, {}).get("points", "")
        comment = saved_items.get(cid, {}).get("comment", "")
        if posted is not None:
            points, comment = posted.get(f"points.{cid}", ""), posted.get(f"comment.{cid}", "")
        with contextlib.suppress(TypeError, ValueError):
            total += float(points)
        chapters.setdefault(c.get("chapter", ""), []).append(
            {
                "id": cid,
                "title": c.get("title", cid),
                "max": _num(c.get("max_points", 0)),
                "step": c.get("step") or 0.5,
                "points": _num(points) if points != "" else "",
                "comment": comment,
            }
        )
    vetoes = []
    for v in rubric.get("veto_items", []):
        vid = v["id"]
        ticked, reason = vid in saved_vetoes, saved_vetoes.get(vid, {}).get("reason", "")
        if posted is not None:
            ticked, reason = bool(posted.get(f"veto.{vid}")), posted.get(f"veto_reason.{vid}", "")
        vetoes.append({"id": vid, "title": v.get("title", vid), "ticked": ticked, "reason": reason})
    return {"chapters": list(chapters.items()), "vetoes": vetoes, "total": _num(total)}


def _num(value: Any) -> Any:
    """Points as people write them: 95, not 95.0."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    return int(f) if f.is_integer() else f


async def score_page(request: Request) -> Response:
    ident = await require(request, "reviewer")
    if isinstance(ident, Response):
        return ident
    return await _score_view(request, None, None, [])


async def _score_view(
    request: Request, posted: dict[str, str] | None, error: str | None, violations: list[tuple[str, str]]
) -> Response:
    case = request.path_params["case"]
    score_name = request.query_params.get("score") or (posted or {}).get("score_name", "")
    saved: dict[str, Any] | None = None
    try:
        if score_name:
            saved = await web.invoke(request, f"{SCORING}.GetScore", {"name": score_name})
            if saved.get("case") != case:
                return await message(request, "not_found", status=404)
            rubric_name = saved["rubric_version"]
        else:
            series = request.query_params.get("series") or (posted or {}).get("series", "")
            series = series or await _case_series(request, case)
            if not series:
                return await _rubric_chooser(request, case)
            rubric_name = f"rubrics/{series}/versions/latest"
        rubric = await _rubric(request, rubric_name)
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    view = _form_view(rubric, saved, posted)
    status = 400 if error else 200
    return await render(
        request,
        "score_form.html",
        status=status,
        case=case,
        rubric=rubric,
        saved=saved if posted is None else None,
        locked=bool(saved and saved.get("state") == "SCORE_STATE_LOCKED"),
        error=error,
        violations=violations,
        series=request.query_params.get("series") or (posted or {}).get("series", ""),
        request_id=uuid.uuid4().hex,
        **view,
    )


async def _rubric_chooser(request: Request, case: str) -> Response:
    """When the case's stage and track cannot be read: the current rubric of each series to pick
    from (the scoring service rejects criteria that are not its rubric for the case)."""
    listed = await web.invoke(
        request, f"{SCORING}.ListRubricVersions", {"parent": "rubrics/-", "page_size": 200}
    )
    latest: dict[str, dict[str, Any]] = {}
    for r in listed.get("rubric_versions", []):
        series = r["name"].split("/")[1]
        if series not in latest or int(r.get("version", 0)) > int(latest[series].get("version", 0)):
            latest[series] = r
    return await render(request, "rubric_choice.html", case=case, rubrics=sorted(latest.items()))


async def score_post(request: Request) -> Response:
    ident = await require(request, "reviewer")
    if isinstance(ident, Response):
        return ident
    form, refusal = await form_checked(request)
    if refusal is not None:
        return refusal
    case = request.path_params["case"]
    rubric_name = form.get("rubric", "")
    try:
        rubric = await _rubric(request, rubric_name)
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    items = []
    for c in rubric.get("criteria", []):
        raw = form.get(f"points.{c['id']}", "").strip()
        try:
            points = float(raw)
        except ValueError:
            points = -1.0  # the service names the field in its BadRequest
        items.append(
            {"criterion_id": c["id"], "points": points, "comment": form.get(f"comment.{c['id']}", "")}
        )
    vetoes = [
        {"veto_id": v["id"], "reason": form.get(f"veto_reason.{v['id']}", "")}
        for v in rubric.get("veto_items", [])
        if form.get(f"veto.{v['id']}")
    ]
    body = {"case": case, "items": items, "vetoes": vetoes, "request_id": form.get("request_id", "")}
    try:
        score = await web.invoke(request, f"{SCORING}.SubmitScore", body)
    except web.RpcFailed as err:
        if err.violations or err.reason in ("INVALID_FIELD", "INVALID_SCORE"):
            return await _score_view(request, form, err.message, err.violations)
        return await rpc_error_page(request, err)
    return redirect(request, f"/reviewer/score/{case}?score={score['name']}")


async def rate_page(request: Request) -> Response:
    role = "reviewer" if request.url.path.startswith("/reviewer/") else "consultancy"
    ident = await require(request, role)
    if isinstance(ident, Response):
        return ident
    t = translator(web.lang_of(request))
    items = EXPERT_ITEMS if role == "reviewer" else CONSULTANCY_ITEMS
    heading = t("rate_consultancy" if role == "reviewer" else "rate_review")
    return await render(
        request, "rating_form.html", case=request.path_params["case"], items=items, heading=heading
    )


async def rate_post(request: Request) -> Response:
    role = "reviewer" if request.url.path.startswith("/reviewer/") else "consultancy"
    ident = await require(request, role)
    if isinstance(ident, Response):
        return ident
    form, refusal = await form_checked(request)
    if refusal is not None:
        return refusal
    keys = EXPERT_ITEMS if role == "reviewer" else CONSULTANCY_ITEMS
    items: dict[str, int] = {}
    for k in keys:
        raw = form.get(f"item.{k}", "").strip()
        value = web.form_int(raw)
        if raw and value is None:  # ``²``, ``99999999999999999999``: the contract's int32 cannot hold it
            return await rpc_error_page(request, web.bad_field(f"items[{k}]", raw))
        if value is not None:
            items[k] = value
    body = {"case": request.path_params["case"], "items": items, "comment": form.get("comment", "")}
    try:
        await web.invoke(request, f"{SCORING}.SubmitRating", body)
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    return await message(request, "rating_saved")


async def recuse_page(request: Request) -> Response:
    ident = await require(request, "reviewer")
    if isinstance(ident, Response):
        return ident
    if not _needs(f"{ASSIGNMENT}.RecuseExpert"):
        return await message(request, "not_found", status=404)
    return await render(request, "recuse.html", case=request.path_params["case"])


async def recuse_post(request: Request) -> Response:
    ident = await require(request, "reviewer")
    if isinstance(ident, Response):
        return ident
    form, refusal = await form_checked(request)
    if refusal is not None:
        return refusal
    if not _needs(f"{ASSIGNMENT}.RecuseExpert"):
        return await message(request, "not_found", status=404)
    body = {"case": request.path_params["case"], "expert": ident.subject, "reason": form.get("reason", "")}
    try:
        await web.invoke(request, f"{ASSIGNMENT}.RecuseExpert", body)
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    return await message(request, "recused")


# --- consultancy ----------------------------------------------------------------------------------


def _last_month() -> str:
    return str(Period.current().shift(-1))


async def consultancy_home(request: Request) -> Response:
    """Own cases, across lots, to pick one to rate; own flags with due process."""
    ident = await require(request, "consultancy")
    if isinstance(ident, Response):
        return ident
    org = ident.org or ident.subject
    period = request.query_params.get("period", "") or _last_month()
    cases = None
    next_url = ""
    try:
        if _needs(f"{ASSIGNMENT}.ListCases"):
            listed = await web.invoke(
                request,
                f"{ASSIGNMENT}.ListCases",
                {
                    "parent": "lots/-",  # AIP-159: every lot, narrowed to this consultancy
                    "consultancy": org,
                    "page_size": CONSULTANCY_CASES_PER_PAGE,
                    "page_token": request.query_params.get("page_token", ""),
                },
            )
            cases = [_case_row(c) for c in listed.get("cases", [])]
            if listed.get("next_page_token"):
                following = request.url.include_query_params(page_token=listed["next_page_token"])
                next_url = f"{following.path}?{following.query}"
        flags: list[dict[str, Any]] = []
        if _needs(f"{STANDINGS}.ListFlags"):
            found = await web.invoke(
                request, f"{STANDINGS}.ListFlags", {"period": period, "consultancy": org}
            )
            flags = found.get("flags", [])
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    return await render(
        request, "consultancy.html", cases=cases, next_url=next_url, flags=flags, period=period
    )


def _case_row(case: dict[str, Any]) -> dict[str, str]:
    """What the consultancy's case table shows of one case."""
    return {
        "name": case["name"],
        "lot": case.get("lot", ""),
        "stage": _enum_word(case.get("stage", "")),
        "track": _enum_word(case.get("track", "")),
    }


async def statement_post(request: Request) -> Response:
    ident = await require(request, "consultancy")
    if isinstance(ident, Response):
        return ident
    form, refusal = await form_checked(request)
    if refusal is not None:
        return refusal
    body = {"name": request.path_params["flag"], "statement": form.get("statement", "")}
    try:
        await web.invoke(request, f"{STANDINGS}.FileStatement", body)
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    return await message(request, "statement_saved")


# --- public bulletins -----------------------------------------------------------------------------


async def bulletins_page(request: Request) -> Response:
    if not _needs(f"{STANDINGS}.ListBulletins"):
        return await message(request, "not_found", status=404)
    try:
        listed = await web.invoke(request, f"{STANDINGS}.ListBulletins", {"page_size": 100})
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    return await render(request, "bulletins.html", bulletins=listed.get("bulletins", []))


async def bulletin_page(request: Request) -> Response:
    name = f"bulletins/{request.path_params['id']}"
    try:
        b = await web.invoke(request, f"{STANDINGS}.GetBulletin", {"name": name})
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    return await render(request, "bulletin.html", b=b)


async def bulletin_file(request: Request) -> Response:
    """A file of a bulletin as published, with its SHA-256 in a header for checking."""
    body = {"bulletin": f"bulletins/{request.path_params['id']}", "file": request.path_params["file"]}
    try:
        f = await web.invoke(request, f"{STANDINGS}.GetBulletinFile", body)
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    content = base64.b64decode(f.get("content", ""))
    media = f.get("media_type") or "application/octet-stream"
    disposition = "inline" if media.startswith("text/html") else "attachment"
    headers = {
        "Content-Disposition": f'{disposition}; filename="{f.get("file", "bulletin")}"',
        "X-Content-SHA256": f.get("sha256", ""),
        "X-Content-Type-Options": "nosniff",
        # A published file is shown as it is, but may run nothing and load nothing.
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
        "Cache-Control": "public, max-age=86400, immutable",
    }
    return Response(content, media_type=media, headers=headers)


# --- enterprise survey ----------------------------------------------------------------------------


def _survey_items(form: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    out = []
    for it in form.get("survey_template", {}).get("items", []):
        purpose = it.get("purpose", "")
        text = (it.get("text_en") if lang == "en" else None) or it.get("text_zh", it["key"])
        lo, hi = int(it.get("scale_min", 1) or 1), int(it.get("scale_max", 5) or 5)
        if purpose == "ITEM_PURPOSE_SERVICE_QUALITY_SCORE":
            kind = "number"
        elif purpose == "ITEM_PURPOSE_WOULD_HIRE_AGAIN":
            kind = "yesno"
        elif purpose == "ITEM_PURPOSE_COMMENT":
            kind = "text"
        else:
            kind = "scale"
        out.append(
            {
                "key": it["key"],
                "text": text,
                "kind": kind,
                "choices": list(range(lo, hi + 1)),
                "min": lo,
                "max": hi,
                "required": bool(it.get("required")),
                "max_length": int(it.get("max_length", 2000) or 2000),
            }
        )
    return out


async def _open_survey(request: Request) -> dict[str, Any] | Response:
    if not _needs(f"{SURVEYS}.OpenSurvey"):
        return await message(request, "not_found", status=404)
    try:
        return await web.invoke(request, f"{SURVEYS}.OpenSurvey", {"token": request.path_params["token"]})
    except web.RpcFailed as err:
        if err.code.name in ("NOT_FOUND", "FAILED_PRECONDITION", "PERMISSION_DENIED", "UNAUTHENTICATED"):
            return await message(request, "survey_used", status=410)
        return await rpc_error_page(request, err)


async def survey_page(request: Request) -> Response:
    form = await _open_survey(request)
    if isinstance(form, Response):
        return form
    return await _survey_view(request, form, [])


async def _survey_view(request: Request, form: dict[str, Any], violations: list[tuple[str, str]]) -> Response:
    lang = web.lang_of(request)
    tpl = form.get("survey_template", {})
    return await render(
        request,
        "survey.html",
        status=400 if violations else 200,
        title=(tpl.get("title_en") if lang == "en" else None) or tpl.get("title_zh", ""),
        intro=(form.get("intro_en") if lang == "en" else None) or form.get("intro_zh", ""),
        items=_survey_items(form, lang),
        violations=violations,
    )


async def survey_post(request: Request) -> Response:
    posted, refusal = await form_checked(request)
    if refusal is not None:
        return refusal
    form = await _open_survey(request)
    if isinstance(form, Response):
        return form
    answers: dict[str, Any] = {}
    for it in _survey_items(form, "zh"):
        raw = posted.get(f"a.{it['key']}", "").strip()
        if not raw:
            continue
        if it["kind"] in ("scale", "number"):
            number = web.form_int(raw)
            answers[it["key"]] = {"scale": number} if number is not None else {"text": raw}
        elif it["kind"] == "yesno":
            answers[it["key"]] = {"yes": raw == "yes"}
        else:
            answers[it["key"]] = {"text": raw}
    try:
        await web.invoke(
            request,
            f"{SURVEYS}.SubmitSurveyResponse",
            {"token": request.path_params["token"], "answers": answers},
        )
    except web.RpcFailed as err:
        if err.violations:
            return await _survey_view(request, form, err.violations)
        if err.code.name in ("FAILED_PRECONDITION", "ALREADY_EXISTS", "NOT_FOUND"):
            return await message(request, "survey_used", status=410)
        return await rpc_error_page(request, err)
    return await message(request, "survey_done")


def routes() -> list[BaseRoute]:
    return [
        Route("/", home),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_post, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/activate/{token}", activate_page, methods=["GET"]),
        Route("/activate/{token}", activate_post, methods=["POST"]),
        Route("/reviewer", reviewer_home, methods=["GET"]),
        Route("/reviewer/score/{case:path}", score_page, methods=["GET"]),
        Route("/reviewer/score/{case:path}", score_post, methods=["POST"]),
        Route("/reviewer/rate/{case:path}", rate_page, methods=["GET"]),
        Route("/reviewer/rate/{case:path}", rate_post, methods=["POST"]),
        Route("/reviewer/recuse/{case:path}", recuse_page, methods=["GET"]),
        Route("/reviewer/recuse/{case:path}", recuse_post, methods=["POST"]),
        Route("/consultancy", consultancy_home, methods=["GET"]),
        Route("/consultancy/rate/{case:path}", rate_page, methods=["GET"]),
        Route("/consultancy/rate/{case:path}", rate_post, methods=["POST"]),
        Route("/consultancy/statement/{flag:path}", statement_post, methods=["POST"]),
        Route("/bulletins", bulletins_page, methods=["GET"]),
        Route("/bulletins/{id}", bulletin_page, methods=["GET"]),
        Route("/bulletins/{id}/files/{file}", bulletin_file, methods=["GET"]),
        Route("/s/{token}", survey_page, methods=["GET"]),
        Route("/s/{token}", survey_post, methods=["POST"]),
    ]
