"""Each person's whole job in headless Chromium (Debian's package, driven by Playwright).

Every flow runs in Simplified Chinese and in English, on a desktop (1280 px) and a phone
(390 px). On every page: axe-core (injected from ``.tools``, `make tools`) finds no serious or
critical WCAG 2.1 A/AA violation, no visible text is a resource id (``cases/…``, ``lots/…``,
``experts/…``), and on a Chinese page none is an English rubric title or a raw enum value.
Screenshots of every page go to ``test-artefacts/``.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import timestamp_pb2
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.scoring.v1 import scoring_pb2 as spb
from dgcp.scoring.v1 import scoring_pb2_grpc as spb_grpc
from dgcp.scoring.v1 import standings_pb2 as stpb
from dgcp.scoring.v1 import standings_pb2_grpc as stpb_grpc
from dgcp.surveys.v1 import surveys_pb2
from runtime.resources import utcnow
from services.scoring.rubrics import DEFAULT_RUBRICS, EVALUATION_STANDARD
from tests.gateway.conftest import PageStack
from tests.gateway.helpers import PASSWORD, issue_link, new_account
from tests.support import md

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTEFACTS = ROOT / "test-artefacts"
SIZES = {
    "1280": {"viewport": {"width": 1280, "height": 900}},
    "390": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
LOCALES = {"zh": "zh-CN", "en": "en-GB"}
COMBOS = [(lang, size) for lang in ("zh", "en") for size in ("1280", "390")]

# What must never be visible on a Chinese page: the English rubric texts and raw enum values.
_ENGLISH_RUBRIC = sorted(
    {r.title for r in DEFAULT_RUBRICS}
    | {c.title for r in DEFAULT_RUBRICS for c in r.criteria}
    | {c.chapter for r in DEFAULT_RUBRICS for c in r.criteria if len(c.chapter) > 8}
    | {v.title for r in DEFAULT_RUBRICS for v in r.veto_items},
    key=len,
    reverse=True,
)
_ENUMS = {
    v.name
    for module in (apb, spb, stpb, surveys_pb2)
    for e in module.DESCRIPTOR.enum_types_by_name.values()
    for v in e.values
}
_IDS = re.compile(r"\b(cases|lots|experts|consultancies|enterprises|scores|flags)/[0-9a-f-]{8,}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser tests: `make tools` installs it")
    if not AXE.exists():
        pytest.fail("axe-core is required for the accessibility checks: `make tools` installs it")
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def shot(page: Page, name: str) -> None:
    """A full-page screenshot in ``test-artefacts/`` (also used by other browser tests)."""
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


class Visit:
    """One person's browser in one language and size; every page it shows is checked."""

    def __init__(self, browser: Browser, base_url: str, flow: str, lang: str, size: str) -> None:
        # bypass_csp: axe is injected as an inline script, which the pages' CSP rightly forbids
        self.context = browser.new_context(
            base_url=base_url,
            locale=LOCALES[lang],
            bypass_csp=True,
            **SIZES[size],  # type: ignore[arg-type]
        )
        self.page = self.context.new_page()
        self.flow, self.lang, self.size = flow, lang, size
        self.checked: list[str] = []

    def goto(self, url: str) -> Page:
        sep = "&" if "?" in url else "?"
        self.page.goto(f"{url}{sep}lang={self.lang}" if not self.checked else url)
        return self.page

    def check(self, step: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        page.screenshot(
            path=str(ARTEFACTS / f"{self.flow}-{step}-{self.lang}-{self.size}.png"), full_page=True
        )
        assert page.evaluate("document.documentElement.lang") == LOCALES[self.lang][:2] + (
            "-CN" if self.lang == "zh" else ""
        )
        text = page.evaluate("document.body.innerText")
        assert not _IDS.search(text), f"{step}: an identifier is visible: {_IDS.search(text)}"
        if self.lang == "zh":
            english = [s for s in _ENGLISH_RUBRIC if s in text]
            assert not english, f"{step}: English rubric text on a Chinese page: {english}"
            words = set(re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", text))
            assert not words & _ENUMS, f"{step}: raw enum values: {words & _ENUMS}"
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        found = page.evaluate(
            """async () => (await axe.run(document, {runOnly: {type: 'tag',
                 values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
               .filter(v => v.impact === 'serious' || v.impact === 'critical')
               .map(v => ({id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
        )
        assert not found, f"{step}: axe found {json.dumps(found, ensure_ascii=False, indent=1)}"
        self.checked.append(step)

    def login(self, role: str, subject: str, settings: Any) -> None:
        username, activation = new_account(settings, role, subject)
        page = self.goto(activation)
        self.check("activate")
        page.locator("#password").fill(PASSWORD)
        page.locator("#password2").fill(PASSWORD)
        page.locator("button[type=submit]").click()
        page.locator("#username").fill(username)
        page.keyboard.press("Tab")  # to the password, by keyboard
        page.keyboard.type(PASSWORD)
        self.check("login")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/(reviewer|consultancy)$"))

    def close(self) -> None:
        self.context.close()


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _scoring(ps: PageStack) -> spb_grpc.ScoringServiceStub:
    return spb_grpc.ScoringServiceStub(ps.scoring.channel())


def _items(
    deduct: dict[str, float], comment: str = "物料平衡缺少废水环节的实测数据"
) -> list[spb.CriterionScore]:
    return [
        spb.CriterionScore(
            criterion_id=c.id,
            points=c.max_points - deduct.get(c.id, 0),
            comment=comment if deduct.get(c.id) else "",
        )
        for c in EVALUATION_STANDARD.criteria
    ]


@pytest.mark.parametrize(("lang", "size"), COMBOS)
def test_reviewer_scores_leaves_returns_submits_and_sees_the_panel_result(
    browser: Browser, ps: PageStack, lang: str, size: str
) -> None:
    me, other = f"experts/{uuid.uuid4()}", f"experts/{uuid.uuid4()}"
    now = utcnow()
    case = ps.fake.add(
        [me, other], review_deadline=now + timedelta(days=10), seated_time=now - timedelta(hours=2)
    )
    v = Visit(browser, ps.gateway.url, "reviewer", lang, size)
    try:
        v.login("reviewer", me, ps.gateway.settings)
        page = v.page
        expect(page.locator("#drawn")).to_contain_text(case.enterprise_name)  # told that she was drawn
        expect(page.locator("table.tasks")).to_contain_text(_t(lang, "待评分", "To score"))
        v.check("tasks")
        page.locator(f'a[href="/reviewer/score/{case.name}"]').click()
        page.wait_for_url(f"**/reviewer/score/{case.name}")
        first, second = EVALUATION_STANDARD.criteria[0], EVALUATION_STANDARD.criteria[3]
        for c in EVALUATION_STANDARD.criteria:
            page.locator(f"#p-{c.id}").fill(str(c.max_points))
        # above the maximum: a warning at once, next to the field, and on the total
        page.locator(f"#p-{first.id}").fill(str(first.max_points + 1000))
        expect(page.locator(f"#pe-{first.id}")).to_be_visible()
        expect(page.locator(f"#p-{first.id}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#total-warning")).to_be_visible()
        v.check("score-over-max")
        page.locator(f"#p-{first.id}").fill(str(first.max_points))
        expect(page.locator(f"#pe-{first.id}")).to_be_hidden()
        page.locator(f"#p-{second.id}").fill(str(second.max_points - 5))
        expect(page.locator("#running-total")).to_have_text("95")
        expect(page.locator(f"#c-{second.id}")).to_have_attribute("required", "")
        # saving without the comment: the service's refusal, in the page's language, at the field
        page.locator("#score-form button[type=submit]").click()
        expect(page.locator(f"#ce-{second.id}")).to_have_text(
            _t(lang, "扣分时必须填写扣分说明。", "A comment is required where points are deducted.")
        )
        v.check("score-error")
        page.locator(f"#c-{second.id}").fill("物料平衡缺少废水环节的实测数据")
        page.locator("#score-form button[type=submit]").click()
        expect(page.locator("#saved")).to_contain_text("95")
        v.check("score-saved")
        # she leaves, and coming back by the task list opens what she saved
        page.goto("/reviewer")
        expect(page.locator("table.tasks")).to_contain_text(
            _t(lang, "已保存（第 1 版）", "Saved (revision 1)")
        )
        page.locator(f'a[href="/reviewer/score/{case.name}"]').click()
        expect(page.locator(f"#p-{second.id}")).to_have_value(str(second.max_points - 5))
        expect(page.locator(f"#c-{second.id}")).to_have_value("物料平衡缺少废水环节的实测数据")
        page.locator(f"#p-{second.id}").fill(str(second.max_points - 4))
        page.locator("#score-form button[type=submit]").click()
        expect(page.locator("#saved")).to_contain_text("96")
        # the other expert scores, and the authority locks the panel
        stub = _scoring(ps)
        stub.SubmitScore(
            spb.SubmitScoreRequest(case=case.name, items=_items({})), metadata=md("reviewer", subject=other)
        )
        stub.LockPanel(spb.LockPanelRequest(case=case.name), metadata=md("authority"))
        page.reload()
        expect(page.locator("#result")).to_be_visible()
        expect(page.locator(f"#p-{first.id}")).to_be_disabled()
        expect(page.locator("#score-form button[type=submit]")).to_have_count(0)
        v.check("score-locked")
        page.goto("/reviewer")
        expect(page.locator("table.tasks")).to_contain_text(_t(lang, "已锁定", "Locked"))
        # a case that does not exist says so, with no form
        page.goto(f"/reviewer/score/cases/{uuid.uuid4()}")
        expect(page.locator("h1")).to_have_text(
            _t(lang, "案件不存在，或您不是该案件的评审组成员。", "No such case, or you are not on its panel.")
        )
        expect(page.locator("#score-form")).to_have_count(0)
        v.check("score-missing-case")
    finally:
        v.close()


def _flagged(ps: PageStack, firm: str) -> None:
    """A verified falsification this month: the standings propose a notice about ``firm``."""
    period = f"{utcnow().year:04d}-{utcnow().month:02d}"
    standings = stpb_grpc.StandingsServiceStub(ps.scoring.channel())
    decided = timestamp_pb2.Timestamp()
    decided.FromDatetime(utcnow())
    standings.RecordDetermination(
        stpb.RecordDeterminationRequest(
            determination=stpb.Determination(
                consultancy=firm,
                period=period,
                kind=stpb.DETERMINATION_KIND_FALSIFICATION,
                substandard=True,
                evidence=["东莞市生态环境局现场核查记录（模拟）"],
                decide_time=decided,
            )
        ),
        metadata=md("authority"),
    )
    standings.ComputeStandings(stpb.ComputeStandingsRequest(period=period), metadata=md("authority"))
    standings.ScoreFlags(stpb.ScoreFlagsRequest(period=period), metadata=md("authority"))


@pytest.mark.parametrize(("lang", "size"), COMBOS)
def test_consultancy_reads_results_without_expert_ids_rates_and_files_a_statement(
    browser: Browser, ps: PageStack, lang: str, size: str
) -> None:
    firm = f"consultancies/{uuid.uuid4()}"
    panel = [f"experts/{uuid.uuid4()}" for _ in range(3)]
    case = ps.fake.add(panel, consultancy=firm, enterprise_name="东莞市长安示例电子有限公司（模拟）")
    stub = _scoring(ps)
    for i, expert in enumerate(panel):
        deduct = {"balances": 2.0 * (i + 1)}
        stub.SubmitScore(
            spb.SubmitScoreRequest(
                case=case.name, items=_items(deduct, f"水平衡测试数据不完整（专家意见 {i + 1}）")
            ),
            metadata=md("reviewer", subject=expert),
        )
    stub.LockPanel(spb.LockPanelRequest(case=case.name), metadata=md("authority"))
    _flagged(ps, firm)
    v = Visit(browser, ps.gateway.url, "consultancy", lang, size)
    try:
        v.login("consultancy", firm, ps.gateway.settings)
        page = v.page
        expect(page.locator("main")).to_contain_text(case.enterprise_name)
        v.check("home")
        page.locator(f'a[href="/consultancy/case/{case.name}"]').click()
        expect(page.locator("#result")).to_be_visible()
        body = page.locator("main").inner_text()
        for label in ("A", "B", "C"):
            assert _t(lang, f"专家 {label}", f"Expert {label}") in body
        assert "水平衡测试数据不完整（专家意见 2）" in body
        assert not any(e in page.content() for e in panel), "an expert id reached the consultancy's page"
        expect(page.locator("main")).to_contain_text(_t(lang, "互评尚未揭晓", "Ratings are sealed"))
        v.check("case-result")
        # the firm rates the review side
        page.locator(f'a[href="/consultancy/rate/{case.name}"]').first.click()
        for group in page.locator(".scale").all():
            group.locator("label").nth(3).click()
        page.locator("#comment").fill("评审意见具体，沟通及时")
        v.check("rate")
        page.locator("#rating-form button[type=submit]").click()
        expect(page.locator("h1")).to_have_text(_t(lang, "评价已提交。", "Your rating is submitted."))
        # the experts rate the firm: once both sides have rated, the firm reads means and comments
        for expert in panel:
            stub.SubmitRating(
                spb.SubmitRatingRequest(
                    case=case.name,
                    items={"technical_capability": 4, "service_quality": 3},
                    comment="报告数据较完整",
                ),
                metadata=md("reviewer", subject=expert),
            )
        page.goto(f"/consultancy/case/{case.name}")
        expect(page.locator("main")).to_contain_text("报告数据较完整")
        assert not any(e in page.content() for e in panel)
        v.check("case-ratings")
        # its flag: display names, reasons, the statement deadline; the statement is filed once
        page.goto("/consultancy")
        flag = page.locator("section.notice.warning").first
        expect(flag).to_contain_text(_t(lang, "拟通报", "notice proposed"))
        expect(flag).to_contain_text(_t(lang, "陈述申辩截止时间", "Statement deadline"))
        expect(flag).to_contain_text(_t(lang, "不能修改", "cannot be changed"))
        v.check("flag")
        flag.locator("textarea").fill("该报告数据差错系笔误，已于次日更正并报送，请予考虑。")
        flag.locator("button[type=submit]").click()
        expect(page.locator("h1")).to_have_text(_t(lang, "陈述已提交。", "Your statement is filed."))
        page.goto("/consultancy")
        expect(page.locator("section.notice.warning").first).to_contain_text("已于次日更正")
        expect(page.locator("section.notice.warning textarea")).to_have_count(0)
        v.check("flag-statement")
    finally:
        v.close()


@pytest.mark.parametrize(("lang", "size"), COMBOS)
def test_enterprise_answers_the_survey_with_zero_on_the_0_to_10_item(
    browser: Browser, ps: PageStack, lang: str, size: str
) -> None:
    link = issue_link(ps.surveys.channel())
    v = Visit(browser, ps.gateway.url, "survey", lang, size)
    try:
        page = v.goto(link)
        progress = page.locator("#progress-text")
        expect(progress).to_contain_text(_t(lang, "已答 0 /", "0 of"))
        expect(page.locator("main")).to_contain_text(_t(lang, "1 = 非常不同意", "1 = strongly disagree"))
        v.check("open")
        # with the keyboard: focus the first choice of each scale, arrow to the wanted value
        groups = page.locator(".scale[role=radiogroup]").all()
        for group in groups:
            radios = group.locator("input[type=radio]")
            radios.first.focus()
            page.keyboard.press("Space")
            if radios.first.get_attribute("value") not in ("0", "yes"):
                page.keyboard.press("ArrowRight")  # 2 on the 1-5 scales
        zero = page.locator('input[name="a.overall"][value="0"]')
        expect(zero).to_be_checked()  # 0 on the 0-10 item
        page.locator('input[name="a.quality_score"]').fill("0")
        page.locator("textarea").first.fill("服务及时，报告质量好")
        expect(progress).to_have_text(re.compile(_t(lang, r"已答 (\d+) / \1 ", r"^(\d+) of \1 ")))
        v.check("answered")
        page.locator("#survey-form button[type=submit]").click()
        expect(page.locator("h1")).to_have_text(
            _t(lang, "感谢您的评价，问卷已提交。", "Thank you; your answers are submitted.")
        )
        v.check("done")
        page.goto(link)
        expect(page.locator("main")).to_contain_text(
            _t(lang, "此问卷链接已使用或已失效", "This survey link has been used")
        )
    finally:
        v.close()


def test_public_bulletins_page(browser: Browser, ps: PageStack) -> None:
    for lang, size in COMBOS:
        v = Visit(browser, ps.gateway.url, "public", lang, size)
        try:
            v.goto("/")
            v.check("home")
            v.page.goto("/bulletins")
            v.check("bulletins")
        finally:
            v.close()
