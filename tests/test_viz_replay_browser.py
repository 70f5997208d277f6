"""The backward replay page in a real headless browser (chromium, driven by playwright).

One browser launch for every check: the step buttons and keys, zoom, the "100 %" / "Fit"
toggle, panning, no console errors, and node text at least 10 px high at 1400×1000 (the old
page shrank the drawing to the window width: about 4 px). CI installs Debian's chromium
(.ci/run) and playwright (the dev extra); elsewhere the test skips.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from viz_fixtures import lecture_network

pytest.importorskip("graphviz", reason="graphviz (the Python package) is the viz extra")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright drives the browser")

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
pytestmark = [
    pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz `dot` binary is missing"),
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium)"),
]

VISIBLE_FRAME = "section.frame:not([hidden])"
# The smallest font size on screen (em height, in CSS pixels) of the text inside the nodes.
SMALLEST_NODE_TEXT = f"""() => Math.min(...Array.from(
    document.querySelectorAll('{VISIBLE_FRAME} g.node text'))
    .filter((t) => t.textContent.trim() !== '')
    .map((t) => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().d))"""
SVG_WIDTH = f"() => document.querySelector('{VISIBLE_FRAME} svg').getBoundingClientRect().width"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, list[str]]]:
    """The lecture network's replay open at 1400×1000, and the console errors seen so far."""
    from autograd_mini.viz import replay_backward

    C, names = lecture_network()
    path = replay_backward(C, tmp_path_factory.mktemp("replay") / "replay.html", names=names)
    assert isinstance(path, Path)
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.set_default_timeout(5000)  # a missing control fails in 5 s, not 30
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(path.as_uri())
            yield tab, errors
        finally:
            browser.close()


def in_view(tab: Any, node: str) -> bool:
    """Whether drawn node `node` ("v14") lies wholly inside the scrolling pane."""
    return tab.evaluate("""(name) => {
        const pane = document.getElementById('viewport').getBoundingClientRect();
        const g = Array.from(document.querySelectorAll('section.frame:not([hidden]) g.node'))
            .find((g) => g.querySelector('title').textContent === name);
        const r = g.getBoundingClientRect();
        return r.left >= pane.left && r.right <= pane.right && r.top >= pane.top
            && r.bottom <= pane.bottom; }""", node)


def test_steps_forward_and_back_show_one_story_and_follow_the_node(page: Any) -> None:
    tab, errors = page
    assert tab.inner_text("#counter") == "step 1 / 13"
    assert tab.locator("pre.story:visible").count() == 1
    assert tab.inner_text("pre.story:visible").startswith("Backward step 1 of 13: node #14 (C)")
    assert in_view(tab, "v14")  # the root, at the bottom of a 2000 px drawing
    tab.click("#next")
    tab.click("#next")
    assert tab.inner_text("#counter") == "step 3 / 13"
    assert tab.get_attribute(VISIBLE_FRAME, "data-step") == "3"
    assert "Backward step 3 of 13" in tab.inner_text("pre.story:visible")
    tab.click("#prev")
    assert tab.inner_text("#counter") == "step 2 / 13"
    tab.keyboard.press("End")
    assert tab.inner_text("#counter") == "step 13 / 13"
    assert in_view(tab, "v0")  # w1, the last step, at the top
    tab.keyboard.press("ArrowLeft")
    tab.keyboard.press("Home")
    assert tab.inner_text("#counter") == "step 1 / 13"
    assert errors == []


def test_node_text_is_readable_at_1400_by_1000(page: Any) -> None:
    tab, errors = page
    assert tab.inner_text("#zoom-level") == "100 %"
    assert tab.evaluate(SMALLEST_NODE_TEXT) >= 10
    assert errors == []


def test_zoom_buttons_the_100_percent_toggle_and_panning(page: Any) -> None:
    tab, errors = page
    natural = tab.evaluate(SVG_WIDTH)
    tab.click("#zoom-in")
    assert tab.inner_text("#zoom-level") == "125 %"
    assert tab.evaluate(SVG_WIDTH) == pytest.approx(1.25 * natural, abs=1)
    tab.click("#zoom-out")
    tab.click("#zoom-out")
    assert tab.inner_text("#zoom-level") == "80 %"
    tab.click("#zoom-toggle")  # not at 100 %: back to actual size
    assert tab.inner_text("#zoom-level") == "100 %"
    assert tab.inner_text("#zoom-toggle") == "Fit"
    tab.click("#zoom-toggle")  # at 100 %: the whole drawing fits the pane
    fits = tab.evaluate("""() => {
        const pane = document.getElementById('viewport');
        const r = document.querySelector('section.frame:not([hidden]) svg')
            .getBoundingClientRect();
        return r.width <= pane.clientWidth + 1 && r.height <= pane.clientHeight + 1; }""")
    assert fits and tab.inner_text("#zoom-level") != "100 %"
    assert tab.inner_text("#zoom-toggle") == "100 %"
    tab.click("#zoom-toggle")
    assert tab.inner_text("#zoom-level") == "100 %"
    assert tab.evaluate(SVG_WIDTH) == pytest.approx(natural, abs=1)
    # Dragging the drawing pans it.
    top = tab.evaluate("() => document.getElementById('viewport').scrollTop")
    tab.mouse.move(900, 500)
    tab.mouse.down()
    tab.mouse.move(900, 800, steps=5)
    tab.mouse.up()
    assert tab.evaluate("() => document.getElementById('viewport').scrollTop") == top - 300
    assert errors == []
