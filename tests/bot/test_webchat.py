"""The web chat widget in a real browser (Debian chromium via Playwright) against the running assistant."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from .conftest import ARTIFACTS

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: `make browser-deps` installs Debian's chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, bot):
    context = browser.new_context(locale="en-US", viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.goto(f"{bot.url}/webhooks/webchat/demo")
    expect(page.locator(".sc-status")).to_have_text("Online", timeout=20000)
    yield page
    context.close()


def ask(page, text):
    page.fill(".sc-input", text)
    page.press(".sc-input", "Enter")


def last_bot(page):
    return page.locator(".sc-bot .sc-bubble").last


def test_ask_in_english_with_clickable_phone_link(page):
    ask(page, "UK number for Office 365")
    expect(last_bot(page)).to_contain_text("0800 032 6417", timeout=20000)
    link = page.locator(".sc-bot a.sc-link[href='tel:08000326417']")
    expect(link.first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "webchat_en.png"))


def test_ask_in_chinese_after_switching_the_ui(page):
    page.click(".sc-toggle")
    expect(page.locator(".sc-title")).to_have_text("支持助手")
    ask(page, "世纪互联的 Office 365 热线是多少")
    expect(last_bot(page)).to_contain_text("400-089-0365", timeout=20000)
    expect(last_bot(page)).to_contain_text("支持电话")
    page.screenshot(path=str(ARTIFACTS / "webchat_zh.png"))


def test_buttons_show_titles_and_send_payloads(page):
    ask(page, "what number should I call?")
    page.locator(".sc-button", has_text="Microsoft 365 / Office 365 for business").last.click(timeout=20000)
    page.locator(".sc-button", has_text="Australia").last.click(timeout=20000)
    expect(last_bot(page)).to_contain_text("1 800 197 503", timeout=20000)
    expect(page.locator(".sc-user .sc-bubble").last).to_have_text("Australia")     # the title, not the payload


def test_transcript_and_session_survive_a_reload(page):
    ask(page, "Microsoft 365 support number in Australia")
    expect(last_bot(page)).to_contain_text("1 800 197 503", timeout=20000)
    session = page.evaluate("localStorage.getItem('supportChat.session')")
    page.reload()
    expect(page.locator(".sc-status")).to_have_text("Online", timeout=20000)
    expect(page.locator(".sc-log")).to_contain_text("1 800 197 503")                # transcript restored
    assert page.evaluate("localStorage.getItem('supportChat.session')") == session
    ask(page, "and the billing hours?")                                               # same conversation
    expect(last_bot(page)).to_contain_text("9 AM-6 PM", timeout=20000)
    page.screenshot(path=str(ARTIFACTS / "webchat_reload.png"))


def test_html_is_shown_as_text_never_run(page):
    payload = '<img src=x onerror="window.__xss=1"><b>bold</b> nobody can send mail'
    ask(page, payload)
    expect(page.locator(".sc-user .sc-bubble").last).to_have_text(payload)
    expect(last_bot(page)).to_contain_text("Sev", timeout=20000)
    assert page.locator(".sc-log img, .sc-log b, .sc-log script").count() == 0
    assert page.evaluate("window.__xss") is None


def test_enter_during_ime_composition_does_not_send(page):
    before = page.locator(".sc-user").count()
    page.fill(".sc-input", "shi ji hu lian")
    page.evaluate("""() => document.querySelector('.sc-input').dispatchEvent(
        new KeyboardEvent('keydown', {key: 'Enter', keyCode: 229, isComposing: true, bubbles: true}))""")
    assert page.locator(".sc-user").count() == before
    assert page.input_value(".sc-input") == "shi ji hu lian"


def test_language_metadata_goes_with_every_message(page):
    page.click(".sc-toggle")
    ask(page, "UK number for Office 365")                                             # English text, zh UI
    expect(last_bot(page)).to_contain_text("0800 032 6417", timeout=20000)
    expect(last_bot(page)).to_contain_text("支持电话")


def test_usable_on_a_phone_width_screen(browser, bot):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(f"{bot.url}/webhooks/webchat/demo")
    # default from the browser language
    expect(page.locator(".sc-title")).to_have_text("支持助手")
    box = page.locator(".sc-panel").bounding_box()
    assert box["width"] == 375 and box["x"] == 0
    expect(page.locator(".sc-status")).to_have_text("在线", timeout=20000)
    ask(page, "美国的 Microsoft 365 电话")
    expect(page.locator(".sc-bot .sc-bubble").last).to_contain_text("1 800 865 9408", timeout=20000)
    page.screenshot(path=str(ARTIFACTS / "webchat_phone.png"))
    context.close()


def test_static_files_and_refusals(bot):
    import requests
    assert requests.get(f"{bot.url}/webhooks/webchat/widget.js",
                        timeout=10).headers["Content-Type"].startswith("application/javascript")
    assert requests.get(f"{bot.url}/webhooks/webchat/../../etc/passwd", timeout=10).status_code == 404
    assert requests.get(f"{bot.url}/webhooks/webchat/nothing.js", timeout=10).status_code == 404
