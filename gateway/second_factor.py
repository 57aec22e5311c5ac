"""The second factor for authority accounts: enrolment (TOTP seed, then ten recovery codes) and
the code asked after the password. The session between the two is *pending*: it opens only these
pages (``accounts.session_identity`` ignores it), lasts five minutes and ends after five wrong
codes. A full session gets a new token (the pending one is not promoted)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from gateway import accounts, pages, web
from gateway.i18n import translator

HOMES = {"authority": "/console", "reviewer": "/reviewer", "consultancy": "/consultancy"}


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


async def _pending(request: Request) -> accounts.Pending | None:
    token = request.cookies.get(web.SESSION_COOKIE, "")
    if not token:
        return None
    return await run_in_threadpool(accounts.pending_of, web.state_of(request).engine, token)


async def _form(request: Request, pending: accounts.Pending, status: int = 200, error: str = "") -> Response:
    secret = pending.secret
    if not pending.enrolled and not secret:
        secret = await run_in_threadpool(
            accounts.start_enrolment, web.state_of(request).engine, pending.identity.account_id
        )
    uri = accounts.provisioning_uri(secret, pending.identity.username) if secret else ""
    return await pages.render(
        request,
        "second_factor.html",
        status=status,
        secret=_grouped(secret) if not pending.enrolled else "",
        uri=uri if not pending.enrolled else "",
        error=error or None,
        codes=None,
    )


async def second_factor_page(request: Request) -> Response:
    pending = await _pending(request)
    if pending is None:
        return pages.redirect(request, "/login")
    return await _form(request, pending)


async def second_factor_post(request: Request) -> Response:
    form, refusal = await pages.form_checked(request)
    if refusal is not None:
        return refusal
    pending = await _pending(request)
    if pending is None:
        return pages.redirect(request, "/login")
    st = web.state_of(request)
    t = translator(web.lang_of(request))
    token = request.cookies.get(web.SESSION_COOKIE, "")
    try:
        checked = await run_in_threadpool(
            accounts.check_second_factor, st.engine, token, form.get("code", "")[:40]
        )
    except accounts.AccountError:
        still = await _pending(request)
        if still is None:  # the fifth wrong code ended the pending session
            return pages.redirect(request, "/login")
        return await _form(request, still, status=401, error=t("totp_wrong"))
    if checked is None:
        return pages.redirect(request, "/login")
    ident, codes = checked
    session = await run_in_threadpool(accounts.create_session, st.engine, st.settings, ident.account_id)
    home = HOMES.get(ident.role, "/")
    if codes:
        request.state.identity = ident
        response = await pages.render(request, "second_factor.html", codes=codes, next_url=home)
    else:
        response = RedirectResponse(home, status_code=303)
    web.set_cookie(request, response, web.SESSION_COOKIE, session, max_age=st.settings.session_ttl_seconds)
    return web.finish(request, response)


def routes() -> list[BaseRoute]:
    return [
        Route("/login/second-factor", second_factor_page, methods=["GET"]),
        Route("/login/second-factor", second_factor_post, methods=["POST"]),
    ]
