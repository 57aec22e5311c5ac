"""An authority officer enrols the second factor in headless Chromium, as a person would: password,
then the key typed into an authenticator (pyotp stands in for the phone), then the recovery codes.
Screenshots go to ``test-artefacts/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from gateway.settings import GatewaySettings
from tests.gateway.conftest import Gateway, serve_gateway
from tests.gateway.helpers import FAST_HASH, PASSWORD, new_account
from tests.gateway.test_browser import ARGS, CHROMIUM, shot


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser tests: `make tools` installs it")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[Gateway]:
    settings = GatewaySettings(database_url=f"sqlite:///{tmp_path}/gateway.db", local_mode=True, **FAST_HASH)  # type: ignore[arg-type]
    with serve_gateway(settings) as g:
        yield g


def test_authority_enrols_totp_and_sees_recovery_codes(browser: Browser, gw: Gateway) -> None:
    username, activation = new_account(gw.settings, "authority", "authorities/dongguan")
    context = browser.new_context(base_url=gw.url, locale="zh-CN")
    page = context.new_page()
    page.goto(activation)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_role("button", name="设置密码").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/login/second-factor")
    expect(page.get_by_role("heading", name="二次验证")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert page.locator("#totp-uri").inner_text().startswith("otpauth://totp/")
    shot(page, "second-factor-enrol")
    page.get_by_label("验证码或恢复码").fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert")).to_have_text("验证码不正确或已使用。")
    page.get_by_label("验证码或恢复码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("以下恢复码只显示这一次", exact=False)).to_be_visible()
    assert page.locator("ul.recovery-codes li").count() == 10
    shot(page, "second-factor-recovery-codes")
    context.close()
