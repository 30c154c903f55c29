"""The conversation review page (scripts/review.py on the known store of tests/review/known.py) in Debian's
chromium: no console error, nothing fetched, the key figures visible; a screenshot in tests/artifacts/."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.review import known

from .conftest import ARTIFACTS, ROOT


@pytest.fixture(scope="module")
def review_html(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("review")
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "review.py"), "--endpoints", str(known.build(tmp)),
                          "--since", known.SINCE.isoformat(), "--until", known.UNTIL.isoformat(),
                          "--out", str(tmp / "out")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return tmp / "out" / "review.html"


@pytest.mark.parametrize("width", [1200, 400])
def test_the_review_page_renders_its_figures_without_errors(browser, review_html, width):
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": 900})
    page = context.new_page()
    errors, fetched = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(review_html.as_uri())
    cards = {"conversations": "10", "turns": "24", "answered": "29.2 %", "answered_after_clarifying": "4.2 %",
             "fallback": "16.7 %", "given_up": "4.2 %", "median": "2", "handoffs": "1", "unanswered": "6"}
    for key, value in cards.items():
        expect(page.locator(f"#fig-{key} dd")).to_have_text(value)
        expect(page.locator(f"#fig-{key}")).to_be_visible()
    expect(page.get_by_text("Can you book me a flight to Paris?", exact=True)).to_be_visible()
    expect(page.get_by_text("帮我查一下我的账单 [phone]", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Hand-off summaries prepared")).to_be_visible()
    charts = page.locator("svg.chart")
    assert charts.count() >= 8
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 10
    assert page.locator("svg.chart rect").count() > 30
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1           # no sideways scrolling
    if width == 1200:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)
    context.close()
    assert errors == []
    assert fetched == [review_html.as_uri()]                                            # nothing from anywhere
