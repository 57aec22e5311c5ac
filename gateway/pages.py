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
import re
import uuid
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.protobuf import timestamp_pb2
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from gateway import accounts, throttle, web
from gateway.errors import HTTP_STATUS, RATE_LIMIT_REASONS
from gateway.i18n import LOCALES, enum_label, reason_text, translations, translator
from runtime.calendar import CST, Period, cst_time_label


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
    """Password login: back-off per (address, account) and per address in the gateway's database
    (never a lock on the account), the hash checked with a bounded number at once; authority
    accounts go on to the second factor (gateway/second_factor.py)."""
    form, refusal = await form_checked(request)
    if refusal is not None:
        return refusal
    st = web.state_of(request)
    t = translator(web.lang_of(request))
    username = form.get("username", "").strip().lower()[:200]
    client = request.client.host if request.client else "-"
    if await run_in_threadpool(throttle.blocked, st.engine, *throttle.keys(client, username)):
        return await render(request, "login.html", status=429, error=t("too_many"), username=username)
    try:
        async with st.hash_slots:  # waiting here holds no thread: other requests go on
            ident = await run_in_threadpool(
                accounts.login, st.engine, st.settings, username=username, password=form.get("password", "")
            )
    except accounts.AccountError:
        await run_in_threadpool(throttle.record_failure, st.engine, st.settings, client, username)
        return await render(request, "login.html", status=401, error=t("login_failed"), username=username)
    await run_in_threadpool(throttle.clear, st.engine, client, username)
    pending = accounts.needs_second_factor(ident)
    token = await run_in_threadpool(
        accounts.create_session, st.engine, st.settings, ident.account_id, pending=pending
    )
    home = {"reviewer": "/reviewer", "authority": "/console"}.get(ident.role, "/consultancy")
    response = RedirectResponse("/login/second-factor" if pending else home, status_code=303)
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

# Tasks per page on the reviewer's list (nearest deadline first).
TASKS_PER_PAGE = 20
# Seats drawn this recently are announced at the top of the task list.
NEWLY_DRAWN = timedelta(days=14)
# The assignment service keeps at most this many characters of a recusal reason.
RECUSAL_REASON_MAX = 500


def _enum_word(value: str) -> str:
    """``CASE_STAGE_EVALUATION`` → ``evaluation`` (the words rubric series are named with)."""
    return value.rsplit("_", 1)[-1].lower() if value else ""


async def _get_case(request: Request, case: str) -> dict[str, Any] | None:
    """The case as the assignment service shows it to this caller (None when it cannot be read)."""
    if not _needs(f"{ASSIGNMENT}.GetCase"):
        return None
    try:
        return await web.invoke(request, f"{ASSIGNMENT}.GetCase", {"name": case})
    except web.RpcFailed:
        return None


async def _case_series(request: Request, case: str) -> str:
    """``evaluation-standard`` etc. for a case, when the assignment service lets the caller read it."""
    got = await _get_case(request, case)
    if got is None:
        return ""
    return f"{_enum_word(got.get('stage', ''))}-{_enum_word(got.get('track', ''))}"


def _lot_label(t: Any, summary: dict[str, Any]) -> str:
    if not summary.get("lot_year"):
        return ""
    return t(
        "lot_label",
        year=summary["lot_year"],
        batch=summary.get("lot_batch", 0),
        n=summary.get("lot_number", 0),
    )


def _case_view(t: Any, lang: str, case: dict[str, Any]) -> dict[str, Any]:
    """What a person reads of a case (names, town, industry, stage and track), never its id."""
    s = case.get("summary", {})
    return {
        "enterprise": s.get("enterprise_display_name", ""),
        "consultancy": s.get("consultancy_display_name", ""),
        "town": s.get("town", ""),
        "industry": s.get("industry_code", "") or case.get("industry_code", ""),
        "lot": _lot_label(t, s),
        "stage": enum_label(lang, case.get("stage", "")),
        "track": enum_label(lang, case.get("track", "")),
    }


async def _outcome(request: Request, case: str) -> dict[str, Any] | None:
    if not _needs(f"{SCORING}.GetCaseOutcome"):
        return None
    try:
        return await web.invoke(request, f"{SCORING}.GetCaseOutcome", {"case": case})
    except web.RpcFailed:
        return None


def _status(t: Any, outcome: dict[str, Any] | None) -> tuple[str, str]:
    """(css class, words) of an expert's task: to score, saved vN, locked, set aside."""
    if outcome is None:
        return "muted", "—"
    state = outcome.get("my_state", "")
    if state == "SCORE_STATE_SET_ASIDE":
        return "muted", t("status_set_aside")
    if outcome.get("locked"):
        return "ok", t("status_locked")
    if outcome.get("my_score"):
        return "ok", t("status_saved", rev=outcome.get("my_revision", 1))
    return "todo", t("status_to_score")


async def reviewer_home(request: Request) -> Response:
    """The reviewer's tasks, nearest deadline first, a page at a time, told with names."""
    ident = await require(request, "reviewer")
    if isinstance(ident, Response):
        return ident
    method = f"{ASSIGNMENT}.ListPanelSeats"
    if not _needs(method):
        return await message(request, "not_found", status=404)
    lang = web.lang_of(request)
    t = translator(lang)
    found: list[dict[str, Any]] = []
    query: dict[str, Any] = {"expert": ident.subject, "page_size": 1000}
    try:
        while True:  # an expert holds a few dozen seats a year: every page, then order by deadline
            listed = await web.invoke(request, method, query)
            found += listed.get("seats", [])
            if not listed.get("next_page_token"):
                break
            query["page_token"] = listed["next_page_token"]
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    seats = sorted(found, key=_seat_order)
    page = max(1, web.form_int(request.query_params.get("page", "1")) or 1)
    pages = max(1, -(-len(seats) // TASKS_PER_PAGE))
    page = min(page, pages)
    shown = seats[(page - 1) * TASKS_PER_PAGE : page * TASKS_PER_PAGE]
    outcomes = await asyncio.gather(*(_outcome(request, s["case"]) for s in shown))
    rated = await asyncio.gather(*(_has_rated(request, s["case"], "reviewer", ident.subject) for s in shown))
    now = datetime.now(UTC)
    tasks, drawn = [], []
    for seat, outcome, done in zip(shown, outcomes, rated, strict=True):
        css, status = _status(t, outcome)
        seated = _instant(seat.get("seated_time", ""))
        row = {
            "name": seat["case"],
            **_case_view(t, lang, seat),
            "deadline": _local_time(seat.get("review_deadline", "")),
            "seated": _local_time(seat.get("seated_time", "")),
            "status": status,
            "status_class": css,
            "locked": bool(outcome and outcome.get("locked")),
            "rated": done,
        }
        tasks.append(row)
        if seated is not None and now - seated < NEWLY_DRAWN:
            drawn.append(row)
    return await render(
        request,
        "reviewer_cases.html",
        tasks=tasks,
        drawn=drawn,
        page=page,
        pages=pages,
        total=len(seats),
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
    """The nearest review deadline first (tasks without one last), then by lot and case."""
    deadline = _instant(seat.get("review_deadline", ""))
    return (deadline is None, deadline or datetime.max.replace(tzinfo=UTC), seat.get("lot", ""), seat["case"])


def _local_time(rfc3339: str) -> str:
    """``2026-01-01T00:00:00Z`` → ``2026-01-01 08:00`` (Dongguan time); empty stays empty."""
    instant = _instant(rfc3339)
    return instant.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M") if instant else ""


async def _rubric(request: Request, name: str) -> dict[str, Any]:
    return await web.invoke(request, f"{SCORING}.GetRubricVersion", {"name": name})


def _zh_or(lang: str, zh: str, other: str) -> str:
    return (zh or other) if lang == "zh" else (other or zh)


def _field_errors(
    rubric: dict[str, Any], posted: dict[str, str] | None, violations: list[tuple[str, str, str]], lang: str
) -> tuple[dict[str, str], list[str]]:
    """Violations by the id of the form field they concern (``p-<criterion>``, ``c-<criterion>``,
    ``vr-<veto>``), in the reader's language; those naming no field go in the second list."""
    criteria = [c["id"] for c in rubric.get("criteria", [])]
    ticked = [v["id"] for v in rubric.get("veto_items", []) if posted and posted.get(f"veto.{v['id']}")]
    by_field: dict[str, str] = {}
    general: list[str] = []
    for field, description, code in violations:
        text = reason_text(lang, code, description)
        m = re.fullmatch(r"items\[(\d+)\]\.(points|comment|criterion_id)", field)
        v = re.fullmatch(r"vetoes\[(\d+)\]\.(reason|veto_id)", field)
        if m and int(m.group(1)) < len(criteria):
            prefix = "c" if m.group(2) == "comment" else "p"
            by_field.setdefault(f"{prefix}-{criteria[int(m.group(1))]}", text)
        elif v and int(v.group(1)) < len(ticked):
            by_field.setdefault(f"vr-{ticked[int(v.group(1))]}", text)
        else:
            general.append(text)
    return by_field, general


def _form_view(
    rubric: dict[str, Any], saved: dict[str, Any] | None, posted: dict[str, str] | None, lang: str = "zh"
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
        chapter = _zh_or(lang, c.get("chapter_zh", ""), c.get("chapter", ""))
        chapters.setdefault(chapter, []).append(
            {
                "id": cid,
                "title": _zh_or(lang, c.get("title_zh", ""), c.get("title", cid)),
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
        title = _zh_or(lang, v.get("title_zh", ""), v.get("title", vid))
        vetoes.append({"id": vid, "title": title, "ticked": ticked, "reason": reason})
    return {
        "chapters": list(chapters.items()),
        "vetoes": vetoes,
        "total": _num(total),
        "rubric_title": _zh_or(lang, rubric.get("title_zh", ""), rubric.get("title", "")),
        "bands": sorted(
            (
                {"grade": b.get("grade", ""), "min_total": float(b.get("min_total", 0))}
                for b in rubric.get("grade_bands", [])
            ),
            key=lambda b: float(b["min_total"]),
        ),
    }


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
    return await _score_view(request, None, [])


async def _score_view(
    request: Request, posted: dict[str, str] | None, violations: list[tuple[str, str, str]]
) -> Response:
    """The scoring form: the expert's saved score when she has one, read-only with the panel's
    result once locked; a case that does not exist or is not hers is said so, with no form."""
    lang = web.lang_of(request)
    t = translator(lang)
    case = request.path_params["case"]
    score_name = request.query_params.get("score") or (posted or {}).get("score_name", "")
    saved: dict[str, Any] | None = None
    outcome: dict[str, Any] | None = None
    case_info = await _get_case(request, case)
    try:
        if _needs(f"{SCORING}.GetCaseOutcome"):
            outcome = await web.invoke(request, f"{SCORING}.GetCaseOutcome", {"case": case})
            score_name = score_name or outcome.get("my_score", "")
        if score_name:
            saved = await web.invoke(request, f"{SCORING}.GetScore", {"name": score_name})
            if saved.get("case") != case:
                return await message(request, "not_found", status=404)
            rubric_name = saved["rubric_version"]
        elif outcome and outcome.get("rubric_version"):
            rubric_name = outcome["rubric_version"]
        else:
            series = request.query_params.get("series") or (posted or {}).get("series", "")
            if case_info is not None:
                series = f"{_enum_word(case_info.get('stage', ''))}-{_enum_word(case_info.get('track', ''))}"
            if not series:
                return await _rubric_chooser(request, case)
            rubric_name = f"rubrics/{series}/versions/latest"
        rubric = await _rubric(request, rubric_name)
    except web.RpcFailed as err:
        if err.code.name == "NOT_FOUND":
            return await message(request, "case_not_found", status=404)
        return await rpc_error_page(request, err)
    view = _form_view(rubric, saved, posted, lang)
    by_field, general = _field_errors(rubric, posted, violations, lang)
    locked = bool(outcome and outcome.get("locked")) or bool(
        saved and saved.get("state") == "SCORE_STATE_LOCKED"
    )
    result = (outcome or {}).get("result") if locked else None
    return await render(
        request,
        "score_form.html",
        status=400 if violations else 200,
        case=case,
        info=_case_view(t, lang, case_info) if case_info else None,
        rubric=rubric,
        saved=saved if posted is None else None,
        locked=locked,
        result=result,
        field_errors=by_field,
        general_errors=general,
        series=request.query_params.get("series") or (posted or {}).get("series", ""),
        request_id=uuid.uuid4().hex,
        **view,
    )


async def _rubric_chooser(request: Request, case: str) -> Response:
    """When the case's stage and track cannot be read: the current rubric of each series to pick
    from (the scoring service rejects criteria that are not its rubric for the case)."""
    lang = web.lang_of(request)
    listed = await web.invoke(
        request, f"{SCORING}.ListRubricVersions", {"parent": "rubrics/-", "page_size": 200}
    )
    latest: dict[str, dict[str, Any]] = {}
    for r in listed.get("rubric_versions", []):
        series = r["name"].split("/")[1]
        if series not in latest or int(r.get("version", 0)) > int(latest[series].get("version", 0)):
            latest[series] = r
    rubrics = [
        (series, {**r, "label": _zh_or(lang, r.get("title_zh", ""), r.get("title", series))})
        for series, r in sorted(latest.items())
    ]
    return await render(request, "rubric_choice.html", case=case, rubrics=rubrics)


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
            found = [(f, d, r) for (f, d), r in zip(err.violations, err.violation_reasons, strict=False)]
            return await _score_view(request, form, found or [("", err.message, err.reason)])
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
    lang = web.lang_of(request)
    case = await _get_case(request, request.path_params["case"])
    if case is None:
        return await message(request, "case_not_found", status=404)
    me = ident.subject if role == "reviewer" else (ident.org or ident.subject)
    if await _has_rated(request, request.path_params["case"], role, me):
        # said before the form is filled in, not after
        return await message(request, "rated_already_heading", t("reason.RATING_EXISTS"))
    return await render(
        request,
        "rating_form.html",
        case=request.path_params["case"],
        info=_case_view(t, lang, case),
        items=items,
        heading=heading,
    )


async def _has_rated(request: Request, case: str, role: str, me: str) -> bool:
    """Whether ``me`` already rated ``case`` (its own side's ratings are always readable to it)."""
    direction = (
        "RATING_DIRECTION_EXPERT_TO_CONSULTANCY"
        if role == "reviewer"
        else "RATING_DIRECTION_CONSULTANCY_TO_REVIEW"
    )
    try:
        got = await web.invoke(request, f"{SCORING}.ListRatings", {"case": case, "direction": direction})
    except web.RpcFailed:
        return False
    return any(r.get("rater") == me for r in got.get("ratings", []))


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
    return await _recuse_view(request)


async def _recuse_view(request: Request, reason: str = "", reason_error: str = "") -> Response:
    lang = web.lang_of(request)
    case = await _get_case(request, request.path_params["case"])
    if case is None:
        return await message(request, "case_not_found", status=404)
    return await render(
        request,
        "recuse.html",
        status=400 if reason_error else 200,
        info=_case_view(translator(lang), lang, case),
        limit=RECUSAL_REASON_MAX,
        reason=reason,
        reason_error=reason_error,
    )


async def recuse_post(request: Request) -> Response:
    ident = await require(request, "reviewer")
    if isinstance(ident, Response):
        return ident
    form, refusal = await form_checked(request)
    if refusal is not None:
        return refusal
    if not _needs(f"{ASSIGNMENT}.RecuseExpert"):
        return await message(request, "not_found", status=404)
    reason = form.get("reason", "")
    lang = web.lang_of(request)
    if len(reason) > RECUSAL_REASON_MAX:  # the service would cut it: refuse instead, next to the field
        return await _recuse_view(request, reason, reason_text(lang, "TEXT_TOO_LONG"))
    body = {"case": request.path_params["case"], "expert": ident.subject, "reason": reason}
    try:
        await web.invoke(request, f"{ASSIGNMENT}.RecuseExpert", body)
    except web.RpcFailed as err:
        if err.violations:
            code = err.violation_reasons[0] if err.violation_reasons else err.reason
            return await _recuse_view(request, reason, reason_text(lang, code, err.violations[0][1]))
        return await rpc_error_page(request, err)
    return await message(request, "recused")


# --- consultancy ----------------------------------------------------------------------------------

# Longest statement the standings service accepts (services/scoring/ranking/dueprocess.py,
# DueProcessConfig.max_statement_chars); the page says so and the browser enforces it.
STATEMENT_MAX = 5000
# Flags are looked up in the chosen month and this many months before it, so that a flag of the
# current month and last month's both show without choosing a period.
FLAG_MONTHS = 3


def _last_month() -> str:
    return str(Period.current().shift(-1))


async def consultancy_home(request: Request) -> Response:
    """Own cases with their results, across lots; own flags with due process."""
    ident = await require(request, "consultancy")
    if isinstance(ident, Response):
        return ident
    lang = web.lang_of(request)
    t = translator(lang)
    org = ident.org or ident.subject
    chosen = request.query_params.get("period", "")
    try:
        start = Period.parse(chosen, kinds=("month",)) if chosen else Period.current()
    except ValueError:  # a malformed period from the address bar: the current month
        start = Period.current()
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
            found_cases = listed.get("cases", [])
            outcomes = await asyncio.gather(*(_outcome(request, c["name"]) for c in found_cases))
            cases = [_case_row(t, lang, c, o) for c, o in zip(found_cases, outcomes, strict=True)]
            if listed.get("next_page_token"):
                following = request.url.include_query_params(page_token=listed["next_page_token"])
                next_url = f"{following.path}?{following.query}"
        flags: list[dict[str, Any]] = []
        if _needs(f"{STANDINGS}.ListFlags"):
            periods = [str(start.shift(-i)) for i in range(FLAG_MONTHS)]
            answers = await asyncio.gather(
                *(
                    web.invoke(request, f"{STANDINGS}.ListFlags", {"period": p, "consultancy": org})
                    for p in periods
                )
            )
            for answer in answers:
                flags += [_flag_view(lang, f) for f in answer.get("flags", [])]
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    return await render(
        request,
        "consultancy.html",
        cases=cases,
        next_url=next_url,
        flags=flags,
        period=chosen,
        statement_max=STATEMENT_MAX,
    )


def _flag_view(lang: str, flag: dict[str, Any]) -> dict[str, Any]:
    """A flag as the firm reads it: display names, reasons in its language, times in Dongguan time."""
    return {
        "name": flag.get("name", ""),
        "period": flag.get("period", ""),
        "level": enum_label(lang, flag.get("level", "FLAG_LEVEL_OK")),
        "level_code": flag.get("level", "FLAG_LEVEL_OK"),
        "state": enum_label(lang, flag.get("notice_state", "")),
        "state_code": flag.get("notice_state", ""),
        "reasons": [
            (r.get("en") if lang == "en" else None) or r.get("zh", "") for r in flag.get("reasons", [])
        ],
        "statement": flag.get("statement", ""),
        "statement_time": _local_time(flag.get("statement_time", "")),
        "statement_deadline": _local_time(flag.get("statement_deadline", "")),
        "decision_reason": flag.get("decision_reason", ""),
        "decide_time": _local_time(flag.get("decide_time", "")),
        "open": flag.get("notice_state") == "NOTICE_STATE_PROPOSED" and not flag.get("statement"),
    }


def _case_row(t: Any, lang: str, case: dict[str, Any], outcome: dict[str, Any] | None) -> dict[str, Any]:
    """What the consultancy's case table shows of one case."""
    result = (outcome or {}).get("result") if outcome and outcome.get("locked") else None
    return {
        "name": case["name"],
        **_case_view(t, lang, case),
        "locked": bool(result),
        "grade": t(f"grade.{result.get('grade', '')}") if result else "",
        "calibrated": _num(round(float(result.get("calibrated", result.get("raw_mean", 0))), 1))
        if result
        else "",
    }


async def consultancy_case(request: Request) -> Response:
    """One case's result after the lock: calibrated score, grade, veto, each expert's points and
    comments as 专家 A/B/C (the scoring service sends no expert id), and the ratings received."""
    ident = await require(request, "consultancy")
    if isinstance(ident, Response):
        return ident
    lang = web.lang_of(request)
    t = translator(lang)
    name = request.path_params["case"]
    case = await _get_case(request, name)
    if case is None:
        return await message(request, "case_not_found", status=404)
    try:
        outcome = await web.invoke(request, f"{SCORING}.GetCaseOutcome", {"case": name})
        rubric = await _rubric(request, outcome["rubric_version"]) if outcome.get("rubric_version") else {}
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    by_criterion: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for c in rubric.get("criteria", []):
        by_criterion[c["id"]] = {
            "title": _zh_or(lang, c.get("title_zh", ""), c.get("title", c["id"])),
            "max": _num(c.get("max_points", 0)),
            "marks": [],
        }
    for item in outcome.get("items", []):
        row = by_criterion.get(item["criterion_id"])
        if row is not None:
            row["marks"].append(
                {
                    "who": t("expert_label", label=item.get("expert_label", "?")),
                    "points": _num(item.get("points", 0)),
                    "comment": item.get("comment", ""),
                }
            )
    veto_titles = {
        v["id"]: _zh_or(lang, v.get("title_zh", ""), v.get("title", v["id"]))
        for v in rubric.get("veto_items", [])
    }
    vetoes = [
        {
            "who": t("expert_label", label=v.get("expert_label", "?")),
            "title": veto_titles.get(v["veto_id"], v["veto_id"]),
            "reason": v.get("reason", ""),
        }
        for v in outcome.get("vetoes", [])
    ]
    ratings = await _ratings_received(request, name)
    return await render(
        request,
        "consultancy_case.html",
        case=name,
        info=_case_view(t, lang, case),
        outcome=outcome,
        result=outcome.get("result") if outcome.get("locked") else None,
        criteria=list(by_criterion.values()),
        vetoes=vetoes,
        ratings=ratings,
    )


async def _ratings_received(request: Request, case: str) -> dict[str, Any] | None:
    """The experts' ratings of the firm once revealed: means per item and the comments, no raters."""
    try:
        got = await web.invoke(
            request,
            f"{SCORING}.ListRatings",
            {"case": case, "direction": "RATING_DIRECTION_EXPERT_TO_CONSULTANCY"},
        )
    except web.RpcFailed as err:
        if err.reason == "RATING_SEALED":
            return {"sealed": True}
        return None
    rows = got.get("ratings", [])
    means: dict[str, list[int]] = {}
    for r in rows:
        for key, value in r.get("items", {}).items():
            means.setdefault(key, []).append(int(value))
    return {
        "sealed": False,
        "count": len(rows),
        "items": [(k, _num(round(sum(v) / len(v), 2))) for k, v in sorted(means.items())],
        "comments": sorted(r["comment"] for r in rows if r.get("comment")),
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


def _bulletin_view(b: dict[str, Any], lang: str) -> dict[str, Any]:
    """A bulletin as a reader sees it: its period's name and times in Beijing, not `2026-12` and
    RFC 3339 in UTC."""

    def when(rfc3339: str) -> str:
        if not rfc3339:
            return ""
        ts = timestamp_pb2.Timestamp()
        ts.FromJsonString(rfc3339)
        return cst_time_label(ts.ToDatetime(tzinfo=UTC), "en" if lang == "en" else "zh-CN")

    try:
        period_label = Period.parse(b.get("period", "")).label("en" if lang == "en" else "zh-CN")
    except ValueError:
        period_label = b.get("period", "")
    return {
        **b,
        "period_label": period_label,
        "published_label": when(b.get("publish_time", "")),
        "cutoff_label": when(b.get("data_cutoff", "")),
    }


async def bulletins_page(request: Request) -> Response:
    if not _needs(f"{STANDINGS}.ListBulletins"):
        return await message(request, "not_found", status=404)
    try:
        listed = await web.invoke(request, f"{STANDINGS}.ListBulletins", {"page_size": 100})
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    lang = web.lang_of(request)
    bulletins = [_bulletin_view(b, lang) for b in listed.get("bulletins", [])]
    return await render(request, "bulletins.html", bulletins=bulletins)


async def bulletin_page(request: Request) -> Response:
    name = f"bulletins/{request.path_params['id']}"
    try:
        b = await web.invoke(request, f"{STANDINGS}.GetBulletin", {"name": name})
    except web.RpcFailed as err:
        return await rpc_error_page(request, err)
    return await render(request, "bulletin.html", b=_bulletin_view(b, web.lang_of(request)))


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


# What the ends of each kind of scale mean (catalogue keys), by the item's purpose.
ANCHORS = {
    "ITEM_PURPOSE_DIMENSION": ("anchor.agree_low", "anchor.agree_high"),
    "ITEM_PURPOSE_OVERALL_SATISFACTION": ("anchor.sat_low", "anchor.sat_high"),
    "ITEM_PURPOSE_SERVICE_QUALITY_SCORE": ("anchor.quality_low", "anchor.quality_high"),
}


def _survey_items(form: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The survey's questions to show. Scales run from the template's ``scale_min``, which may be
    0 (the JSON form leaves a 0 out, so a missing minimum is 0, not 1)."""
    t = translator(lang)
    out = []
    for it in form.get("survey_template", {}).get("items", []):
        purpose = it.get("purpose", "")
        text = (it.get("text_en") if lang == "en" else None) or it.get("text_zh", it["key"])
        lo, hi = int(it.get("scale_min", 0)), int(it.get("scale_max", 0))
        if purpose == "ITEM_PURPOSE_SERVICE_QUALITY_SCORE":
            kind = "number"
        elif purpose == "ITEM_PURPOSE_WOULD_HIRE_AGAIN":
            kind = "yesno"
        elif purpose == "ITEM_PURPOSE_COMMENT":
            kind = "text"
        else:
            kind = "scale"
            hi = hi or 5
        low_key, high_key = ANCHORS.get(purpose, ANCHORS["ITEM_PURPOSE_DIMENSION"])
        out.append(
            {
                "key": it["key"],
                "text": text,
                "kind": kind,
                "choices": list(range(lo, hi + 1)),
                "min": lo,
                "max": hi,
                "low": t(low_key),
                "high": t(high_key),
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


async def _survey_view(
    request: Request,
    form: dict[str, Any],
    violations: list[tuple[str, str, str]],
    posted: dict[str, str] | None = None,
) -> Response:
    lang = web.lang_of(request)
    tpl = form.get("survey_template", {})
    items = _survey_items(form, lang)
    keys = [it["key"] for it in items]
    errors: dict[str, str] = {}
    general: list[str] = []
    for field, description, code in violations:
        m = re.fullmatch(r"answers\.([\w-]+)(?:\..*)?", field)
        text = reason_text(lang, code, description)
        if m and m.group(1) in keys:
            errors.setdefault(m.group(1), text)
        else:
            general.append(text)
    return await render(
        request,
        "survey.html",
        status=400 if violations else 200,
        title=(tpl.get("title_en") if lang == "en" else None) or tpl.get("title_zh", ""),
        intro=(form.get("intro_en") if lang == "en" else None) or form.get("intro_zh", ""),
        items=items,
        errors=errors,
        general_errors=general,
        posted=posted or {},
        required_count=sum(1 for it in items if it["required"]),
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
            found = [(f, d, r) for (f, d), r in zip(err.violations, err.violation_reasons, strict=False)]
            return await _survey_view(request, form, found, posted)
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
        Route("/consultancy/case/{case:path}", consultancy_case, methods=["GET"]),
        Route("/consultancy/rate/{case:path}", rate_page, methods=["GET"]),
        Route("/consultancy/rate/{case:path}", rate_post, methods=["POST"]),
        Route("/consultancy/statement/{flag:path}", statement_post, methods=["POST"]),
        Route("/bulletins", bulletins_page, methods=["GET"]),
        Route("/bulletins/{id}", bulletin_page, methods=["GET"]),
        Route("/bulletins/{id}/files/{file}", bulletin_file, methods=["GET"]),
        Route("/s/{token}", survey_page, methods=["GET"]),
        Route("/s/{token}", survey_post, methods=["POST"]),
    ]
