"""Pages through a real gateway: accounts, CSRF, a reviewer's own cases only, single-use surveys."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime

import pytest

from gateway.settings import GatewaySettings
from services.scoring.rubrics import EVALUATION_STANDARD
from tests.gateway.conftest import PageStack, serve_gateway
from tests.gateway.helpers import (
    FAST_HASH,
    PASSWORD,
    activate,
    csrf_of,
    issue_link,
    logged_in,
    login,
    new_account,
)


def expert() -> str:
    return f"experts/{uuid.uuid4()}"


def score_form(page: str, deduct: dict[str, float] | None = None) -> dict[str, str]:
    """The scoring form filled in: full marks minus ``deduct``, with comments on deductions."""
    deduct = deduct or {}
    data = {"csrf_token": csrf_of(page)}
    for field in ("rubric", "series", "request_id", "score_name"):
        marker = f'name="{field}" value="'
        data[field] = page.split(marker, 1)[1].split('"', 1)[0] if marker in page else ""
    for c in EVALUATION_STANDARD.criteria:
        minus = deduct.get(c.id, 0.0)
        data[f"points.{c.id}"] = str(c.max_points - minus)
        data[f"comment.{c.id}"] = "证据不足" if minus else ""
    return data


# --- accounts and sessions ------------------------------------------------------------------------


def test_activation_link_is_single_use_and_login_works(ps: PageStack) -> None:
    username, path = new_account(ps.gateway.settings, "reviewer", expert())
    with ps.client() as c:
        assert activate(c, path).status_code == 200
        again = c.get(path)
        assert again.status_code == 404
        r = login(c, username)
        assert r.status_code == 303 and r.headers["location"] == "/reviewer"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
        assert PASSWORD not in cookie


def test_passwords_are_argon2id_with_memory_hard_defaults(tmp_path_factory: pytest.TempPathFactory) -> None:
    from gateway import accounts
    from gateway.models import Account
    from tests.gateway.helpers import gateway_engine

    settings = GatewaySettings()
    assert (settings.argon2_time_cost, settings.argon2_memory_kib) == (3, 64 * 1024)
    tmp = tmp_path_factory.mktemp("argon")
    ps_settings = GatewaySettings(database_url=f"sqlite:///{tmp}/gateway.db")
    from gateway.app import migrate

    migrate(ps_settings)
    engine = gateway_engine(ps_settings)
    try:
        ident, token = accounts.create_account(
            engine, ps_settings, username="Expert-1", role="reviewer", subject="experts/x"
        )
        accounts.activate(engine, ps_settings, token=token, password=PASSWORD)
        with engine.connect() as conn:
            digest = conn.execute(Account.__table__.select()).one().password_hash  # type: ignore[attr-defined]
        assert digest.startswith("$argon2id$") and "m=65536,t=3" in digest and PASSWORD not in digest
        assert accounts.login(engine, ps_settings, username="expert-1", password=PASSWORD) == ident
    finally:
        engine.dispose()


def test_secure_cookie_outside_local_mode() -> None:
    assert GatewaySettings(local_mode=False).cookie_secure
    assert not GatewaySettings(local_mode=True).cookie_secure


def test_wrong_password_backs_off_this_address_only(tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp = tmp_path_factory.mktemp("backoff")
    settings = GatewaySettings(
        database_url=f"sqlite:///{tmp}/gateway.db",
        local_mode=True,
        login_attempts_per_window=2,
        login_attempts_per_address_per_window=4,
        **FAST_HASH,  # type: ignore[arg-type]
    )
    with serve_gateway(settings) as gw, gw.client() as c:
        username, path = new_account(settings, "reviewer", expert())
        activate(c, path)
        codes = [login(c, username, "wrong password!").status_code for _ in range(3)]
        codes.append(login(c, username).status_code)  # right password, this address backing off
        # Spraying other accounts from the same address meets the per-address limit.
        codes += [login(c, f"user{i}", "x" * 12).status_code for i in range(3)]
        assert codes == [401, 401, 429, 429, 401, 401, 429]
        assert "过于频繁" in login(c, username).text


def test_short_password_and_mismatch_are_refused(ps: PageStack) -> None:
    _, path = new_account(ps.gateway.settings, "reviewer", expert())
    with ps.client() as c:
        page = c.get(path)
        r = c.post(path, data={"csrf_token": csrf_of(page.text), "password": "short", "password2": "short"})
        assert r.status_code == 400
        r = c.post(
            path, data={"csrf_token": csrf_of(page.text), "password": PASSWORD, "password2": "x" + PASSWORD}
        )
        assert r.status_code == 400
        assert c.get(path).status_code == 200  # the link is still unused


# --- CSRF -----------------------------------------------------------------------------------------


def test_csrf_required_on_every_form_post(ps: PageStack) -> None:
    me = expert()
    case = ps.fake.add([me])
    with ps.client() as anon:
        anon.get("/login")
        assert anon.post("/login", data={"username": "x", "password": "y"}).status_code == 403
        assert (
            anon.post("/login", data={"username": "x", "password": "y", "csrf_token": "forged"}).status_code
            == 403
        )
    with ps.reviewer(me) as c:
        page = c.get(f"/reviewer/score/{case.name}", params={"series": "evaluation-standard"})
        data = score_form(page.text)
        data.pop("csrf_token")
        assert c.post(f"/reviewer/score/{case.name}", data=data).status_code == 403
        assert c.post("/logout", data={}).status_code == 403
        assert c.post(f"/reviewer/rate/{case.name}", data={"item.service_quality": "4"}).status_code == 403
        # The JSON API with a session cookie needs the header too.
        api = c.post("/v1/scores:submit", json={"case": case.name})
        assert api.status_code == 403 and api.json()["details"][0]["reason"] == "CSRF_TOKEN_INVALID"
    _, path = new_account(ps.gateway.settings, "reviewer", expert())
    with ps.client() as c:
        c.get(path)
        assert c.post(path, data={"password": PASSWORD, "password2": PASSWORD}).status_code == 403


# --- reviewer: scoring, own cases only -----------------------------------------------------------


def test_reviewer_scores_and_revises_own_case(ps: PageStack) -> None:
    me = expert()
    case = ps.fake.add([me, expert(), expert()])
    with ps.reviewer(me) as c:
        page = c.get(f"/reviewer/score/{case.name}", params={"series": "evaluation-standard"})
        assert page.status_code == 200
        for c_ in EVALUATION_STANDARD.criteria:
            assert f'name="points.{c_.id}"' in page.text
        # A deduction without a comment is refused by the service, field by field.
        bad = score_form(page.text, {"balances": 4})
        bad["comment.balances"] = ""
        refused = c.post(f"/reviewer/score/{case.name}", data=bad)
        assert refused.status_code == 400 and "balances" in refused.text
        r = c.post(f"/reviewer/score/{case.name}", data=score_form(page.text, {"balances": 4}))
        assert r.status_code == 303, r.text
        saved = c.get(r.headers["location"])
        assert saved.status_code == 200 and 'id="saved"' in saved.text and "96" in saved.text
        # Revise until lock: the same form again, with the saved score's values shown.
        r2 = c.post(f"/reviewer/score/{case.name}", data=score_form(saved.text, {"balances": 6}))
        assert r2.status_code == 303
        assert "94" in c.get(r2.headers["location"]).text


def test_reviewer_sees_own_seats_by_lot_and_recuses(ps: PageStack) -> None:
    me, other = expert(), expert()
    mine = ps.fake.add([me, other])
    theirs = ps.fake.add([other])
    with ps.reviewer(me) as c:
        home = c.get("/reviewer")
        assert home.status_code == 200
        assert f'href="/reviewer/score/{mine.name}"' in home.text and theirs.name not in home.text
        # told with names, never the case's identifier as text
        assert mine.enterprise_name in home.text and mine.consultancy_name in home.text
        assert "2026年第1批第3标段" in home.text and "长安镇" in home.text and "待评分" in home.text
        assert f">{mine.name}<" not in home.text
        page = c.get(f"/reviewer/recuse/{mine.name}")
        assert 'maxlength="500"' in page.text and "不超过 500 字" in page.text
        long = c.post(
            f"/reviewer/recuse/{mine.name}", data={"csrf_token": csrf_of(page.text), "reason": "关" * 501}
        )
        assert long.status_code == 400 and 'aria-invalid="true"' in long.text
        assert me in ps.fake.cases[mine.name].panel
        page = c.get(f"/reviewer/recuse/{mine.name}")
        r = c.post(
            f"/reviewer/recuse/{mine.name}",
            data={"csrf_token": csrf_of(page.text), "reason": "曾受聘于该企业"},
        )
        assert r.status_code == 200
        assert me not in ps.fake.cases[mine.name].panel
        assert mine.name not in c.get("/reviewer").text


def test_reviewer_sees_review_deadlines_nearest_lot_first(ps: PageStack) -> None:
    me = expert()
    # lot names and insertion order both put the later deadline first: only sorting by it passes
    base = str(uuid.uuid4())[:-1]
    lots = [f"lots/{base}{i}" for i in range(3)]
    later = ps.fake.add(
        [me], lot=lots[0], review_deadline=datetime(2026, 3, 31, 9, 30, tzinfo=UTC), enterprise_name="甲厂"
    )
    sooner = ps.fake.add(
        [me], lot=lots[1], review_deadline=datetime(2026, 1, 15, 16, 0, tzinfo=UTC), enterprise_name="乙厂"
    )
    unset = ps.fake.add([me], lot=lots[2], enterprise_name="丙厂")
    with ps.reviewer(me) as c:
        page = c.get("/reviewer")
        assert page.status_code == 200
        text = page.text
        # shown in Dongguan time (UTC+8), the nearest deadline's lot first, lots without one last
        assert "2026-01-16 00:00" in text and "2026-03-31 17:30" in text
        first = text.index(sooner.enterprise_name)
        assert first < text.index(later.enterprise_name) < text.index(unset.enterprise_name)
        assert "截止时间" in text and "未定" in text
        english = c.get("/reviewer", params={"lang": "en"}).text
        assert "Deadline" in english and "not set" in english


def test_consultancy_picks_its_own_case_to_rate(ps: PageStack, monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway import pages

    firm = f"consultancies/{uuid.uuid4()}"
    ours = [ps.fake.add([expert()], consultancy=firm, lot=f"lots/{uuid.uuid4()}") for _ in range(3)]
    theirs = ps.fake.add([expert()])
    monkeypatch.setattr(pages, "CONSULTANCY_CASES_PER_PAGE", 2)
    client = logged_in(ps.gateway.url, ps.gateway.settings, "consultancy", firm)
    try:
        shown, pages_seen = "", 0
        url = "/consultancy"
        for _ in range(3):  # two pages of two, then no further link
            page = client.get(url)
            assert page.status_code == 200
            shown += page.text
            pages_seen += 1
            following = re.search(r'rel="next" href="([^"]+)"', page.text)
            if following is None:
                break
            url = html.unescape(following.group(1))
        assert pages_seen == 2
        for case in ours:
            assert f'href="/consultancy/rate/{case.name}"' in shown
            assert f'href="/consultancy/case/{case.name}"' in shown
        assert "2026年第1批第3标段" in shown and ">lots/" not in shown
        assert theirs.name not in shown
        assert "评估" in shown and "快速程序" in shown
        assert 'name="case"' not in shown  # no case name to type any more
        rate = client.get(f"/consultancy/rate/{ours[0].name}")
        assert rate.status_code == 200 and 'name="csrf_token"' in rate.text
    finally:
        client.close()


def test_a_missing_case_is_not_found_not_a_form(ps: PageStack) -> None:
    with ps.reviewer(expert()) as c:
        page = c.get(f"/reviewer/score/cases/{uuid.uuid4()}")  # no such case
        assert page.status_code == 404
        assert "案件不存在" in page.text and 'id="score-form"' not in page.text


def test_logs_hold_no_link_tokens_or_passwords(ps: PageStack) -> None:
    from structlog.testing import capture_logs

    from gateway.app import redact_path

    assert redact_path("/activate/abc.DEF-123") == "/activate/…"
    assert redact_path("/s/tok_en/x") == "/s/…/x"
    username, path = new_account(ps.gateway.settings, "reviewer", expert())
    token = path.rsplit("/", 1)[1]
    with capture_logs() as logs, ps.client() as c:
        activate(c, path)
        login(c, username)
    text = repr(logs)
    assert any(e.get("path") == "/activate/…" for e in logs)
    assert token not in text and PASSWORD not in text


def test_reviewer_cannot_score_or_read_another_reviewers_case(ps: PageStack) -> None:
    owner, intruder = expert(), expert()
    case = ps.fake.add([owner])
    with ps.reviewer(owner) as c:
        page = c.get(f"/reviewer/score/{case.name}", params={"series": "evaluation-standard"})
        r = c.post(f"/reviewer/score/{case.name}", data=score_form(page.text))
        score_url = r.headers["location"]
        owner_form = score_form(page.text)
    with ps.reviewer(intruder) as c:
        page = c.get(f"/reviewer/score/{case.name}", params={"series": "evaluation-standard"})
        assert page.status_code == 403 and 'id="score-form"' not in page.text  # NOT_ON_PANEL, no form
        token = csrf_of(c.get("/reviewer").text)
        r = c.post(f"/reviewer/score/{case.name}", data={**owner_form, "csrf_token": token})
        assert r.status_code == 403  # the scoring service: NOT_ON_PANEL
        peek = c.get(score_url)  # someone else's score by editing the URL
        assert peek.status_code in (403, 404)
        assert 'id="saved"' not in peek.text


def test_rating_is_submitted_once(ps: PageStack) -> None:
    me = expert()
    case = ps.fake.add([me])
    with ps.reviewer(me) as c:
        page = c.get(f"/reviewer/rate/{case.name}")
        data = {
            "csrf_token": csrf_of(page.text),
            "item.technical_capability": "4",
            "item.service_quality": "5",
        }
        assert c.post(f"/reviewer/rate/{case.name}", data=data).status_code == 200
        assert c.post(f"/reviewer/rate/{case.name}", data=data).status_code in (400, 409)
        # the next visit says so before any form is filled in, and the task list shows it
        again = c.get(f"/reviewer/rate/{case.name}")
        assert "您已评价过该案件" in again.text and 'name="item.' not in again.text
        assert "已评价" in c.get("/reviewer").text


# --- enterprise survey ----------------------------------------------------------------------------


def survey_answers(page: str) -> dict[str, str]:
    import re

    data = {"csrf_token": csrf_of(page)}
    for m in re.finditer(r'<input type="radio" name="(a\.[^"]+)" value="([^"]+)"', page):
        data[m.group(1)] = m.group(2)  # the last radio: highest scale value, or "no"
    for m in re.finditer(r'<input type="number" name="(a\.[^"]+)"[^>]*max="(\d+)"', page):
        data[m.group(1)] = "85"
    for m in re.finditer(r'<textarea name="(a\.[^"]+)"', page):
        data[m.group(1)] = "服务认真"
    return data


def test_survey_link_works_once(ps: PageStack) -> None:
    link = issue_link(ps.surveys.channel())
    with ps.client() as c:
        page = c.get(link)
        assert page.status_code == 200, page.text
        assert 'type="radio"' in page.text
        r = c.post(link, data=survey_answers(page.text))
        assert r.status_code == 200, r.text
        assert "感谢" in r.text
        again = c.post(link, data=survey_answers(page.text))
        assert again.status_code == 410
        assert c.get(link).status_code == 410
    with ps.client() as c:
        assert c.get("/s/not-a-real-token").status_code == 410


def test_survey_scales_start_at_their_minimum_and_show_anchors_and_a_missing_answer_by_its_field(
    ps: PageStack,
) -> None:
    link = issue_link(ps.surveys.channel())
    with ps.client() as c:
        page = c.get(link).text
        assert 'name="a.overall" value="0"' in page  # the 0-10 item starts at 0
        assert 'name="a.overall" value="10"' in page and 'min="0" max="100"' in page
        assert "1 = 非常不同意" in page and "5 = 非常同意" in page and "0 = 非常不满意" in page
        assert "已答 0 / " in page
        answers = survey_answers(page)
        answers["a.overall"] = "0"
        first_dimension = re.search(r'name="(a\.[^"]+)" value="1"', page)
        assert first_dimension is not None
        missing = first_dimension.group(1)
        del answers[missing]
        r = c.post(link, data=answers)
        assert r.status_code == 400
        key = missing[2:]
        assert f'id="e-{key}" class="field-error">' in r.text and 'aria-invalid="true"' in r.text
        assert 'name="a.overall" value="0" required checked' in r.text  # answers kept
        answers[missing] = "3"
        assert c.post(link, data=answers).status_code == 200


# --- public bulletins -----------------------------------------------------------------------------


def test_public_lists_opens_and_downloads_a_bulletin_with_its_sha256(ps: PageStack) -> None:
    import hashlib
    import re

    from dgcp.scoring.v1 import scoring_pb2 as scpb
    from dgcp.scoring.v1 import scoring_pb2_grpc as scpb_grpc
    from dgcp.scoring.v1 import standings_pb2 as stpb
    from dgcp.scoring.v1 import standings_pb2_grpc as stpb_grpc
    from runtime.calendar import Period
    from runtime.resources import utcnow
    from tests.support import md

    # One locked panel, so that the month has a standing to publish.
    scoring = scpb_grpc.ScoringServiceStub(ps.scoring.channel())
    panel = [expert(), expert(), expert()]
    case = ps.fake.add(panel)
    items = [
        scpb.CriterionScore(criterion_id=c.id, points=c.max_points) for c in EVALUATION_STANDARD.criteria
    ]
    for e in panel:
        scoring.SubmitScore(
            scpb.SubmitScoreRequest(case=case.name, items=items), metadata=md("reviewer", subject=e)
        )
    scoring.LockPanel(scpb.LockPanelRequest(case=case.name), metadata=md("authority"))
    stub = stpb_grpc.StandingsServiceStub(ps.scoring.channel())
    now = utcnow()
    period = f"{now.year:04d}-{now.month:02d}"
    stub.ComputeStandings(stpb.ComputeStandingsRequest(period=period), metadata=md("authority"))
    published = stub.PublishBulletin(stpb.PublishBulletinRequest(period=period), metadata=md("authority"))
    with ps.client() as c:
        listing = c.get("/bulletins")
        assert listing.status_code == 200 and published.sha256 in listing.text
        page = c.get(f"/{published.name}")
        assert page.status_code == 200 and published.sha256 in page.text
        # Read in Beijing time with the period's name, never RFC 3339 in UTC; an interim notice says so.
        raw = published.publish_time.ToJsonString()
        label = Period.parse(period).label()
        for text in (listing.text, page.text):
            assert "（北京时间）" in text and label in text and raw not in text
            assert ("【期中通报】" in text) == (published.kind == "interim")
        assert published.document_number in page.text
        files = re.findall(rf'href="/{published.name}/files/([^"]+)"', page.text)
        assert {f.rsplit(".", 1)[-1] for f in files} >= {"html", "pdf", "csv", "json"}
        for name in files:
            got = c.get(f"/{published.name}/files/{name}")
            assert got.status_code == 200
            digest = hashlib.sha256(got.content).hexdigest()
            assert got.headers["x-content-sha256"] == digest and digest in page.text
            if name.endswith(".html"):
                assert got.headers["content-disposition"].startswith("inline")
                assert "sandbox" in got.headers["content-security-policy"]
            else:
                assert got.headers["content-disposition"].startswith("attachment")


def test_authority_cli_creates_account_and_prints_the_link_once(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gateway import accounts
    from gateway.__main__ import main
    from tests.gateway.helpers import gateway_engine

    tmp = tmp_path_factory.mktemp("cli")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp}/gateway.db")
    # Process-wide logging set-up would leak into later tests (structlog caches loggers).
    monkeypatch.setattr("gateway.__main__.configure_logging", lambda *a, **k: None)
    argv = ["account", "create", "--username", "Li.Gong", "--role", "reviewer", "--subject", "experts/1"]
    assert main(argv) == 0
    path = capsys.readouterr().out.strip().splitlines()[-1]
    assert path.startswith("/activate/")
    assert main(argv) == 2  # the user name is taken
    assert "USERNAME_TAKEN" in capsys.readouterr().err
    settings = GatewaySettings.from_env()
    engine = gateway_engine(settings)
    try:
        ident = accounts.activation_account(engine, path.rsplit("/", 1)[1])
        assert ident is not None and (ident.username, ident.subject) == ("li.gong", "experts/1")
    finally:
        engine.dispose()
    assert main(["account", "reissue", "--username", "li.gong"]) == 0
    assert capsys.readouterr().out.strip().startswith("/activate/")


def test_score_form_reopens_the_saved_score_marks_errors_by_field_and_locks_read_only(ps: PageStack) -> None:
    from dgcp.scoring.v1 import scoring_pb2 as spb
    from dgcp.scoring.v1 import scoring_pb2_grpc as spb_grpc
    from tests.support import md

    me, other = expert(), expert()
    case = ps.fake.add([me, other])
    first = EVALUATION_STANDARD.criteria[0]
    with ps.reviewer(me) as c:
        page = c.get(f"/reviewer/score/{case.name}")
        assert page.status_code == 200 and "审核准备（筹划和组织）" in page.text  # Chinese rubric titles
        assert "Planning and organisation" not in page.text
        # a deduction without a comment: the note sits next to that comment field
        bad = score_form(page.text, {first.id: 1})
        bad[f"comment.{first.id}"] = ""
        r = c.post(f"/reviewer/score/{case.name}", data=bad)
        assert r.status_code == 400
        assert f'id="ce-{first.id}" class="field-error">扣分时必须填写扣分说明。' in r.text
        assert re.search(rf'id="c-{first.id}"[^>]*aria-invalid="true"', r.text)
        assert f'aria-describedby="h-{first.id} ce-{first.id}"' in r.text
        assert "points deducted" not in r.text  # the service's English never reaches the page
        ok = c.post(f"/reviewer/score/{case.name}", data=score_form(page.text, {first.id: 1}))
        assert ok.status_code == 303
        # leaving and coming back by the plain link opens the saved score
        back = c.get(f"/reviewer/score/{case.name}")
        assert 'id="saved"' in back.text and f'value="{first.max_points - 1:g}"' in back.text
        assert "已保存（第 1 版）" in c.get("/reviewer").text
    with ps.reviewer(other) as c:
        page = c.get(f"/reviewer/score/{case.name}")
        assert c.post(f"/reviewer/score/{case.name}", data=score_form(page.text)).status_code == 303
    stub = spb_grpc.ScoringServiceStub(ps.scoring.channel())
    stub.LockPanel(spb.LockPanelRequest(case=case.name), metadata=md("authority"))
    with ps.reviewer(me) as c:
        locked = c.get(f"/reviewer/score/{case.name}")
        assert locked.status_code == 200 and 'id="result"' in locked.text
        assert "校准后得分" in locked.text and "评审组已锁定" in locked.text
        assert "保存评分</button>" not in locked.text
        assert re.search(rf'id="p-{first.id}"[^>]*disabled', locked.text)
        assert "已锁定" in c.get("/reviewer").text
