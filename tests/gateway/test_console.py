"""The authority's console in headless Chromium, on real services: an officer computes the month,
decides a proposed notice after reading the firm's statement, publishes the bulletin and its
correction, records a determination, replays a draw and manages accounts; at 1280 px in Chinese
and at 390 px in English. Screenshots go to ``test-artefacts/console-*.png``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta

import grpc
import httpx
import numpy as np
import pyotp
import pytest
from google.protobuf import timestamp_pb2
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.scoring.v1 import standings_pb2 as spb
from dgcp.scoring.v1 import standings_pb2_grpc as spb_grpc
from dgcp.surveys.v1 import surveys_pb2_grpc as vpb_grpc
from gateway.settings import GatewaySettings
from runtime.calendar import Period
from services.assignment import creditcode
from services.assignment.app import APP as ASSIGNMENT
from services.scoring.app import APP as SCORING
from tests.gateway.conftest import Gateway, serve_gateway
from tests.gateway.helpers import FAST_HASH, PASSWORD, csrf_of, logged_in, new_account
from tests.gateway.test_browser import ARGS, ARTEFACTS, CHROMIUM
from tests.support import md, running

AUTH = md("authority")
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


BAD = "东莞市绿源环保科技有限公司"


@dataclass
class Console:
    gateway: Gateway
    period: str
    bad: str
    draw: str
    experts: dict[str, str]  # display name -> resource name
    scoring: str  # address, for what the firm does through its own page


@pytest.fixture(scope="module")
def cs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    from tests.ranking import test_standings_service as world

    tmp = tmp_path_factory.mktemp("console")
    rng = random.Random(5)
    with ExitStack() as es:
        assignment = es.enter_context(running(ASSIGNMENT, database_url=f"sqlite:///{tmp}/assignment.db"))
        a = apb_grpc.AssignmentServiceStub(assignment.channel())
        # The registry: firms with names, experts, a lot with two cases, drawn, one recusal.
        agency = a.CreateReviewAgency(
            apb.CreateReviewAgencyRequest(
                review_agency=apb.ReviewAgency(
                    credit_code=creditcode.synthesize(rng), display_name="广东某评审技术服务中心"
                )
            ),
            metadata=AUTH,
        ).name
        firms = {}
        for i, name in enumerate([BAD] + [f"东莞市{t}清洁生产咨询有限公司" for t in "甲乙丙丁戊己"]):
            firms[name] = a.CreateConsultancy(
                apb.CreateConsultancyRequest(
                    consultancy=apb.Consultancy(
                        credit_code=creditcode.synthesize(rng), display_name=name,
                        contact=apb.Contact(email=f"firm{i}@example.cn"),
                    )
                ),
                metadata=AUTH,
            ).name  # fmt: skip
        experts = {}
        for i, name in enumerate(["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊"]):
            experts[name] = a.CreateExpert(
                apb.CreateExpertRequest(
                    expert=apb.Expert(
                        display_name=name, employer_name=f"单位{i}",
                        employer_credit_code=creditcode.synthesize(rng), specialties=["3360"],
                        contact=apb.Contact(email=f"expert{i}@example.cn"),
                    )
                ),
                metadata=AUTH,
            ).name  # fmt: skip
        due = timestamp_pb2.Timestamp()
        due.FromDatetime(Period.current().end)
        lot = a.CreateLot(
            apb.CreateLotRequest(
                lot=apb.Lot(year=2026, batch=4, lot_number=1, review_agency=agency, review_deadline=due,
                            standard_rules=apb.PanelRules(panel_size=3, probability_cap=0.5))
            ),
            metadata=AUTH,
        )  # fmt: skip
        for ent_name in ["东莞市长安精密五金有限公司", "东莞市塘厦电子科技有限公司"]:
            ent = a.CreateEnterprise(
                apb.CreateEnterpriseRequest(
                    enterprise=apb.Enterprise(
                        credit_code=creditcode.synthesize(rng), display_name=ent_name, town="长安镇",
                        industry_code="3360", audit_category=apb.AUDIT_CATEGORY_DOUBLE_HAZARD,
                    )
                ),
                metadata=AUTH,
            ).name  # fmt: skip
            a.CreateCase(
                apb.CreateCaseRequest(
                    parent=lot.name,
                    case=apb.Case(enterprise=ent, consultancy=firms[BAD], stage=apb.CASE_STAGE_EVALUATION,
                                  track=apb.CASE_TRACK_STANDARD),
                ),
                metadata=AUTH,
            )  # fmt: skip
        draw = a.DrawPanels(apb.DrawPanelsRequest(lot=lot.name, seed="20261201"), metadata=AUTH)
        seat = a.ListPanelSeats(apb.ListPanelSeatsRequest(lot=lot.name), metadata=AUTH).seats[0]
        a.RecuseExpert(
            apb.RecuseExpertRequest(case=seat.case, expert=seat.expert, reason="曾受聘于该企业"),
            metadata=AUTH,
        )

        # Scoring, with panels stood in so that a month of scores is quick to make.
        class Registry(world.FakeAssignment):
            def GetConsultancy(self, request, context):  # type: ignore[no-untyped-def]
                return apb.Consultancy(name=request.name, display_name=self.names.get(request.name, ""))

        fake = Registry()
        fake.names.update({v: k for k, v in firms.items()})
        surveys = world.FakeSurveys()
        a_server, a_addr = world._serve(apb_grpc.add_AssignmentServiceServicer_to_server, fake)
        s_server, s_addr = world._serve(vpb_grpc.add_SurveysServiceServicer_to_server, surveys)
        es.callback(a_server.stop, 0)
        es.callback(s_server.stop, 0)
        scoring = es.enter_context(
            running(SCORING, database_url=f"sqlite:///{tmp}/scoring.db",
                    peers={"assignment": a_addr, "surveys": s_addr})
        )  # fmt: skip
        ch = scoring.channel()
        standings = spb_grpc.StandingsServiceStub(ch)
        st = world.Stack(scoring, fake, surveys, standings, world.spb_grpc.ScoringServiceStub(ch), standings)
        period = Period.current().shift(-1)
        when = period.start + timedelta(days=10)
        nrng = np.random.default_rng(3)
        for i, (name, firm) in enumerate(sorted(firms.items())):
            if name == BAD:
                for _ in range(10):  # a notice needs at least 10 reports (ranking README)
                    world.run_case(st, firm, [56 + nrng.normal(0, 2), 58 + nrng.normal(0, 2)], when, rating=2)
            else:
                for _ in range(4):
                    base = 80 + 2 * i + nrng.normal(0, 2)
                    world.run_case(st, firm, [base + 1, base - 1], when, rating=4)
        settings = GatewaySettings(
            database_url=f"sqlite:///{tmp}/gateway.db",
            local_mode=True,
            upstreams={"assignment": assignment.address, "scoring": scoring.address, "surveys": s_addr},
            login_attempts_per_window=100,
            **FAST_HASH,  # type: ignore[arg-type]
        )
        gw = es.enter_context(serve_gateway(settings))
        yield Console(gw, str(period), firms[BAD], draw.name.split("/", 1)[1], experts, scoring.address)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _login(page: Page, cs: Console) -> None:
    username, activation = new_account(
        cs.gateway.settings, "authority", f"authority/users/{uuid.uuid4().hex[:6]}"
    )
    page.goto(activation)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password2").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/login/second-factor")  # an officer enrols a second factor (TOTP) first
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("form button[type=submit]").click()
    page.locator("ul.recovery-codes + p a").click()
    page.wait_for_url("**/console")


def _officer(cs: Console) -> httpx.Client:
    """An officer's session over HTTP: password, then the second factor (the helper enrols it)."""
    return logged_in(
        cs.gateway.url, cs.gateway.settings, "authority", f"authority/users/{uuid.uuid4().hex[:6]}"
    )


def test_only_officers_reach_the_console_and_forms_need_their_token(cs: Console) -> None:
    with httpx.Client(base_url=cs.gateway.url, follow_redirects=False, timeout=10) as anon:
        assert anon.get("/console/notices").status_code == 303  # to the login page
    reviewer = logged_in(cs.gateway.url, cs.gateway.settings, "reviewer", next(iter(cs.experts.values())))
    try:
        assert reviewer.get("/console").status_code == 403
        assert reviewer.get("/console/accounts").status_code == 403
    finally:
        reviewer.close()
    officer = _officer(cs)
    try:
        page = officer.get("/console/accounts")
        assert page.status_code == 200 and "王建国" in page.text  # names, not ids
        refused = officer.post("/console/accounts", data={"action": "disable", "username": "x"})
        assert refused.status_code == 403  # no CSRF token
        bad_mail = officer.post(
            "/console/accounts",
            data={"csrf_token": csrf_of(page.text), "action": "create", "role": "authority",
                  "username": "li.si", "email": "li.si@@example"},
        )  # fmt: skip
        assert bad_mail.status_code == 400
        assert 'id="err-email"' in bad_mail.text and "电子邮箱格式不正确" in bad_mail.text
    finally:
        officer.close()


def test_an_officer_decides_publishes_records_replays_and_manages_accounts(
    browser: Browser, cs: Console
) -> None:
    context = browser.new_context(
        base_url=cs.gateway.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    _login(page, cs)
    expect(page.get_by_role("heading", name="主管部门工作台")).to_be_visible()
    shot(page, "console-home-zh-1280")

    # The month: standings and proposed notices.
    page.get_by_role("link", name="月度公告").first.click()
    expect(page.locator("#period")).to_have_value(cs.period)
    page.get_by_role("button", name="计算排名并生成拟通报").click()
    expect(page.get_by_role("status")).to_contain_text("拟通报 1 项")

    # The officer reads the evidence and decides; the firm's statement comes first.
    page.get_by_role("link", name="拟通报事项").first.click()
    expect(page.get_by_role("cell", name=BAD)).to_be_visible()
    shot(page, "console-notices-zh-1280")
    page.get_by_role("link", name="审阅并决定").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(BAD)
    expect(page.get_by_text("合格线").first).to_be_visible()
    page.get_by_role("button", name="批准通报").click()
    expect(page.locator("#err-reason")).to_have_text("请填写决定理由。")
    expect(page.locator("#reason")).to_have_attribute("aria-invalid", "true")
    page.locator("#reason").fill("经抽查核实，报告质量低于合格线。")
    page.get_by_role("button", name="批准通报").click()
    expect(page.locator("#err-reason")).to_contain_text("期限未满")  # no statement yet, window open
    shot(page, "console-notice-error-zh-1280")
    flag_name = "flags/" + page.url.rsplit("/", 1)[1]
    with grpc.insecure_channel(cs.scoring) as ch:
        spb_grpc.StandingsServiceStub(ch).FileStatement(
            spb.FileStatementRequest(name=flag_name, statement="我司已对相关报告逐项整改，请予复核。"),
            metadata=md("consultancy", org=cs.bad),
        )
    page.goto(page.url)
    expect(page.locator("blockquote.statement")).to_have_text("我司已对相关报告逐项整改，请予复核。")
    page.locator("#reason").fill("经抽查核实，报告质量低于合格线。")
    page.get_by_role("button", name="批准通报").click()
    expect(page.get_by_role("status")).to_contain_text("已批准通报")
    shot(page, "console-notice-decided-zh-1280")

    # The bulletin and its correction.
    page.get_by_role("link", name="月度公告").first.click()
    page.get_by_role("button", name="发布公告").click()
    expect(page.get_by_role("status")).to_have_text("公告已发布。")
    page.get_by_role("button", name="发布更正版本").click()
    expect(page.locator("#err-correction_note")).to_have_text("请填写更正说明。")
    page.locator("#correction_note").fill("更正一家单位的名称。")
    page.get_by_role("button", name="发布更正版本").click()
    expect(page.get_by_role("status")).to_have_text("更正版本已发布。")
    expect(page.get_by_text("更正：更正一家单位的名称。")).to_be_visible()
    shot(page, "console-bulletins-zh-1280")

    # A determination, with its errors next to the fields.
    page.get_by_role("link", name="认定记录").first.click()
    page.get_by_role("button", name="记录").click()
    expect(page.locator("#err-consultancy")).to_have_text("请选择技术服务单位。")
    expect(page.locator("#err-kind")).to_have_text("请选择认定类型。")
    page.locator("#consultancy").select_option(label=BAD)
    page.locator("#kind").select_option(label="抽查不合格")
    page.get_by_label("认定该单位不合格").check()
    page.locator("#evidence").fill("东环审〔2026〕12号")
    page.get_by_role("button", name="记录").click()
    expect(page.get_by_role("status")).to_have_text("认定已记录。")
    expect(page.get_by_role("cell", name=BAD)).to_be_visible()
    shot(page, "console-determinations-zh-1280")

    # A draw, its record and a replay.
    page.get_by_role("link", name="专家抽取").first.click()
    page.get_by_role("link", name="抽取记录").click()
    expect(page.get_by_text("曾受聘于该企业")).to_be_visible()
    expect(page.get_by_text("20261201")).to_be_visible()
    page.get_by_role("button", name="按记录重放并核对").click()
    expect(page.locator("#replay-result")).to_contain_text("完全一致")
    shot(page, "console-draw-zh-1280")

    # Accounts: create (the registry's e-mail is used), reissue, disable.
    page.get_by_role("link", name="账户").first.click()
    page.locator("#role").select_option("reviewer")
    page.locator("#username").fill("zhang.wei")
    page.locator("#expert").select_option(label="张伟")
    page.get_by_role("button", name="开通").click()
    expect(page.locator("#issued")).to_contain_text("/activate/")
    expect(page.locator("#issued")).to_contain_text("expert2@example.cn")
    expect(page.get_by_role("cell", name="zhang.wei", exact=True)).to_be_visible()
    page.get_by_role("button", name="重发激活链接 zhang.wei").click()
    expect(page.locator("#issued")).to_contain_text("zhang.wei")
    page.get_by_role("button", name="停用 zhang.wei").click()
    expect(page.get_by_role("status")).to_contain_text("已停用")
    shot(page, "console-accounts-zh-1280")
    page.get_by_role("link", name="通知发送").first.click()
    expect(page.get_by_role("cell", name="激活链接").first).to_be_visible()

    # The audit trail: who approved the notice, and the chain checks out.
    page.get_by_role("link", name="审计日志").first.click()
    page.locator("#method").fill("ApproveNotice")
    page.get_by_role("button", name="查询").click()
    row = page.get_by_role("row").filter(has_text="ApproveNotice").first
    expect(row).to_contain_text("authority-")  # the officer, by name
    expect(row).to_contain_text("成功")
    page.get_by_role("button", name="核验哈希链").click()
    expect(page.locator("#verdict")).to_contain_text("哈希链无误")
    shot(page, "console-audit-zh-1280")
    page.goto("/console/audit?service=gateway")
    expect(page.get_by_role("row").filter(has_text="/console/accounts").first).to_be_visible()
    context.close()

    # English on a phone: the same pages read in English and fit the screen.
    phone = browser.new_context(base_url=cs.gateway.url, locale="en-US", **PHONE)
    page = phone.new_page()
    _login(page, cs)
    for path, heading, name in [
        ("/console?lang=en", "Authority console", "home"),
        ("/console/notices", "Proposed notices", "notices"),
        ("/console/bulletins", "Monthly bulletins", "bulletins"),
        ("/console/determinations", "Determinations", "determinations"),
        (f"/console/draws/{cs.draw}", "Draw record: 2026 batch 4, lot 1", "draw"),
        ("/console/accounts", "Accounts", "accounts"),
        ("/console/audit", "Audit log", "audit"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, (path, width)
        shot(page, f"console-{name}-en-390")
    page.goto("/console/notices")
    page.get_by_role("link", name="Review and decide").click()
    expect(page.get_by_role("heading", level=2, name="The firm's statement")).to_be_visible()
    shot(page, "console-notice-en-390")
    phone.close()
    assert ARTEFACTS.exists()
