"""End to end in headless Chromium (Debian's package, driven by Playwright): as a person would.

A reviewer activates her account, logs in with the keyboard, scores a case
and sees the saved total; an enterprise answers its survey on a phone-sized
screen. Screenshots of the main pages go to ``test-artefacts/``.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from services.scoring.rubrics import EVALUATION_STANDARD
from tests.gateway.conftest import PageStack
from tests.gateway.helpers import PASSWORD, issue_link, new_account

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser tests: `make tools` installs it")
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_reviewer_logs_in_scores_and_sees_saved_total(browser: Browser, ps: PageStack) -> None:
    me = f"experts/{uuid.uuid4()}"
    case = ps.fake.add([me, f"experts/{uuid.uuid4()}"])
    username, activation = new_account(ps.gateway.settings, "reviewer", me)
    context = browser.new_context(base_url=ps.gateway.url, locale="zh-CN")
    page = context.new_page()
    page.goto(activation)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_role("button", name="设置密码").click()
    expect(page.get_by_text("密码已设置")).to_be_visible()
    # Log in with the keyboard only.
    page.get_by_label("用户名").fill(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    shot(page, "login")
    page.keyboard.press("Enter")
    page.wait_for_url("**/reviewer")
    expect(page.get_by_role("heading", name="我的评审任务")).to_be_visible()
    shot(page, "reviewer-cases")
    page.get_by_role("link", name="评分", exact=True).click()
    page.wait_for_url(f"**/reviewer/score/{case.name}?series=evaluation-standard")
    expect(page.get_by_role("heading", name="评分表")).to_be_visible()
    for c in EVALUATION_STANDARD.criteria:
        page.locator(f"#p-{c.id}").fill(str(c.max_points))
    first = EVALUATION_STANDARD.criteria[3]
    page.locator(f"#p-{first.id}").fill(str(first.max_points - 5))
    # The running total follows the typing, and a deduction makes the comment required.
    expect(page.locator("#running-total")).to_have_text("95")
    expect(page.locator(f"#c-{first.id}")).to_have_attribute("required", "")
    page.locator(f"#c-{first.id}").fill("物料平衡缺少废水环节的实测数据")
    shot(page, "score-form")
    page.get_by_role("button", name="保存评分").click()
    expect(page.locator("#saved")).to_contain_text("95")
    shot(page, "score-saved")
    # English switch keeps the page and remembers the choice.
    page.get_by_role("link", name="English").click()
    expect(page.locator("#saved")).to_contain_text("total 95")
    context.close()


def test_enterprise_answers_survey_on_a_phone(browser: Browser, ps: PageStack) -> None:
    link = issue_link(ps.surveys.channel())
    context = browser.new_context(base_url=ps.gateway.url, locale="zh-CN", **PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(link)
    radios = page.locator("input[type=radio]")
    assert radios.count() > 0
    shot(page, "survey-phone")
    for group in page.locator(".scale").all():
        group.locator("label").last.tap()
    for number in page.locator("input[type=number]").all():
        number.fill("88")
    for text in page.locator("textarea").all():
        text.fill("服务及时，报告质量好")
    page.get_by_role("button", name="提交").tap()
    expect(page.get_by_role("heading", name="感谢您的评价，问卷已提交。")).to_be_visible()
    shot(page, "survey-done-phone")
    page.goto(link)
    expect(page.get_by_text("此问卷链接已使用或已失效")).to_be_visible()
    page.goto("/bulletins")
    expect(page.get_by_role("heading", name="公告")).to_be_visible()
    shot(page, "bulletins-phone")
    context.close()
