"""The web chat widget in a real browser (Debian chromium via Playwright) against the running assistant."""

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS


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
    # the answer's first line, with the number, is its lead: shown in bold
    lead = page.locator(".sc-bot .sc-bubble").last.locator(".sc-lead")
    expect(lead).to_contain_text("0800 032 6417")
    assert lead.evaluate("e => getComputedStyle(e).fontWeight") in ("600", "700")
    page.screenshot(path=str(ARTIFACTS / "webchat_en.png"))


def test_more_details_under_a_short_answer_gives_the_notes(page):
    ask(page, "UK number for Office 365")
    more = page.locator(".sc-button", has_text="More details").last
    expect(more).to_be_visible(timeout=20000)
    short = last_bot(page).inner_text()
    more.click()
    expect(last_bot(page)).to_contain_text("Note:", timeout=20000)
    assert "0800 032 6417" in last_bot(page).inner_text() and len(last_bot(page).inner_text()) > len(short)


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


# ------------------------------------------------------------------------------------------ accessibility
def axe_violations(page):
    """axe-core (4.12, as shipped by axe-playwright-python) on the whole page: every rule, every impact."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]


@pytest.mark.parametrize("switch", [False, True], ids=["English", "Chinese"])
def test_axe_finds_no_violation_with_a_conversation_in_it(page, switch):
    if switch:
        page.click(".sc-toggle")
    ask(page, "what number should I call?")                       # an answer with buttons in the log
    expect(page.locator(".sc-button").last).to_be_visible(timeout=20000)
    assert axe_violations(page) == []
    page.keyboard.press("Escape")                                 # and closed, with only the launcher
    assert axe_violations(page) == []


def focused(page):
    return page.evaluate("document.activeElement && document.activeElement.className")


def test_keyboard_only_open_ask_pick_a_button_close(page):
    page.locator(".sc-input").focus()
    page.keyboard.press("Escape")                                 # close: the focus goes back to the launcher
    expect(page.locator(".sc-panel")).to_be_hidden()
    assert focused(page) == "sc-launcher"
    assert page.get_attribute(".sc-launcher", "aria-expanded") == "false"
    page.keyboard.press("Enter")                                  # open: the focus goes to the input
    expect(page.locator(".sc-panel")).to_be_visible()
    assert focused(page) == "sc-input"
    page.keyboard.type("what number should I call?")
    page.keyboard.press("Enter")
    expect(page.locator(".sc-button", has_text="Microsoft 365 / Office 365 for business").last).to_be_visible(
        timeout=20000)
    titles = page.locator(".sc-msg").last.locator(".sc-button").all_text_contents()
    for _ in titles:                                              # back from the input to the first button
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == titles[0]
    page.keyboard.press("Enter")                                  # pick it
    expect(page.locator(".sc-user .sc-bubble").last).to_have_text(titles[0])
    expect(page.locator(".sc-bot").last.locator(".sc-button").first).to_be_visible(timeout=20000)
    page.locator(".sc-close").focus()
    page.keyboard.press("Enter")                                  # the close button, from the keyboard
    expect(page.locator(".sc-panel")).to_be_hidden()
    assert focused(page) == "sc-launcher"


def test_new_messages_are_announced_each_in_its_language(page):
    log = page.locator(".sc-log")
    assert (log.get_attribute("role"), log.get_attribute("aria-live")) == ("log", "polite")
    assert page.get_attribute(".sc-panel", "aria-labelledby") == "sc-title"
    ask(page, "UK number for Office 365")
    expect(last_bot(page)).to_contain_text("0800 032 6417", timeout=20000)
    page.click(".sc-toggle")
    ask(page, "世纪互联的 Office 365 热线是多少")
    expect(last_bot(page)).to_contain_text("400-089-0365", timeout=20000)
    langs = page.eval_on_selector_all(".sc-msg", "rows => rows.map(r => [r.className, r.lang])")
    assert langs[-4:] == [["sc-msg sc-user", "en"], ["sc-msg sc-bot", "en"],
                          ["sc-msg sc-user", "zh-Hans"], ["sc-msg sc-bot", "zh-Hans"]]
    assert page.get_attribute(".sc-root", "lang") == "zh-Hans"


@pytest.mark.parametrize("motion,duration", [("no-preference", "0.15s, 0.15s"), ("reduce", "0s")])
def test_reduced_motion_is_honoured(browser, bot, motion, duration):
    context = browser.new_context(reduced_motion=motion)
    page = context.new_page()
    page.goto(f"{bot.url}/webhooks/webchat/demo")
    styles = page.eval_on_selector(".sc-launcher", "b => [getComputedStyle(b).animationName, "
                                                   "getComputedStyle(b).transitionDuration]")
    assert styles == ["none", duration]
    context.close()
