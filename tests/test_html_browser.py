"""The HTML report in a real browser (Debian's chromium and chromium-driver, driven by selenium).

Skipped, with the reason shown, where chromium, chromedriver or selenium is missing; nothing
downloads a browser (the driver's path is given, and Selenium Manager is told to stay offline).
"""

from __future__ import annotations

import json
import os
import shutil

import networkx as nx
import numpy as np
import pytest

from prooftools.theory import load_registry

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))
                 if p), None)
CHROMEDRIVER = shutil.which("chromedriver")
try:
    import selenium  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_SELENIUM = False
else:
    HAVE_SELENIUM = True

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)"),
    pytest.mark.skipif(CHROMEDRIVER is None,
                       reason="chromedriver is not installed (.ci/run installs chromium-driver)"),
    pytest.mark.skipif(not HAVE_SELENIUM, reason="selenium is not installed (the test extra)"),
]


def _driver(javascript: bool = True):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager fetch anything
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,800", "--disable-extensions", "--no-first-run"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if not javascript:
        opts.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    return driver


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    """A verify report of du2019.thm4.1 (a short run), as a file."""
    from prooftools.api import verify
    from prooftools.numerics.data.datasets import load_dataset
    from prooftools.reporting.html import verify_document

    ds = load_dataset("sphere:n=12,d=6")
    rep = verify(load_registry(), "du2019.thm4.1", ds, width=64, steps=20, seed=0,
                 dataset_name="sphere:n=12,d=6")
    path = tmp_path_factory.mktemp("html") / "verify.html"
    path.write_text(verify_document(rep), encoding="utf-8")
    return path, rep


@pytest.fixture(scope="module")
def browser():
    driver = _driver()
    yield driver
    driver.quit()


def _nodes(driver):
    from selenium.webdriver.common.by import By

    return {n.get_attribute("data-id"): n for n in driver.find_elements(By.CSS_SELECTOR,
                                                                        "svg a.node")}


def _load(browser, uri: str) -> tuple[list, list[str]]:
    """Open ``uri``: the console's errors and warnings, and every URL the page requested."""
    browser.get_log("performance")
    browser.get_log("browser")
    browser.get(uri)
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    urls = []
    for entry in browser.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return errors, urls


def _inked(browser, tmp_path) -> tuple[float, int]:
    """Share of non-white pixels and number of colours of a 1280×800 screenshot."""
    from matplotlib.image import imread

    shot = tmp_path / "shot.png"
    assert browser.save_screenshot(str(shot))
    img = imread(shot)[..., :3]
    assert img.shape[:2] == (800, 1280)
    colours = len(np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    return float(np.any(img < 0.9, axis=-1).mean()), colours


def test_loads_offline_without_console_errors(browser, report_file):
    path, _ = report_file
    errors, urls = _load(browser, path.as_uri())
    assert errors == []  # a CSP violation or a script error would be here
    assert urls and all(u == path.as_uri() or u.startswith("data:") for u in urls), urls


def test_the_browser_checks_can_fail(browser, tmp_path):
    """Controls: a blocked script is a console error, a remote image a request, a blank page
    blank (so the checks above are not vacuous)."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content='
                   '"default-src \'none\'"><p>x</p><img src="http://127.0.0.1:9/x.png">'
                   "<script>document.title = 'ran'</script>", encoding="utf-8")
    errors, urls = _load(browser, bad.as_uri())
    assert any("Content Security Policy" in e["message"] for e in errors)
    assert browser.title != "ran"
    bad.write_text('<!DOCTYPE html><img src="http://127.0.0.1:9/x.png">', encoding="utf-8")
    _, urls = _load(browser, bad.as_uri())
    assert "http://127.0.0.1:9/x.png" in urls
    browser.get("about:blank")
    inked, colours = _inked(browser, tmp_path)
    assert inked < 0.001 and colours < 5


def test_one_svg_node_per_statement(browser, report_file):
    path, rep = report_file
    browser.get(path.as_uri())
    nodes = _nodes(browser)
    assert sorted(nodes) == sorted(rep.graph)
    assert {k: n.get_attribute("data-verdict") for k, n in nodes.items()} == rep.graph


def test_clicking_a_node_opens_its_panel_in_mathml(browser, report_file):
    from selenium.webdriver.common.by import By

    path, rep = report_file
    browser.get(path.as_uri())
    for sid in ("du2019.lemma3.1", "du2019.thm4.1"):
        _nodes(browser)[sid].click()
        shown = [p for p in browser.find_elements(By.CSS_SELECTOR, ".panels .panel")
                 if p.is_displayed()]
        assert len(shown) == 1
        panel = shown[0]
        assert panel.find_element(By.TAG_NAME, "h3").text.startswith(sid)
        assert panel.find_elements(By.TAG_NAME, "math")
        text = panel.text
        assert "**" not in text and "sqrt(" not in text, text
        assert "verdict:" in text and rep.graph[sid] in text


def test_a_panel_shows_its_items_without_sideways_scrolling(browser, report_file):
    """The judged items in a statement's panel stack each row as ``column: value`` lines, so the
    25rem panel never scrolls sideways; control: the same table unstacked does."""
    from selenium.webdriver.common.by import By

    path, _ = report_file
    browser.get(path.as_uri())
    _nodes(browser)["du2019.setting"].click()
    (panel,) = [p for p in browser.find_elements(By.CSS_SELECTOR, ".panels .panel")
                if p.is_displayed()]
    table = panel.find_element(By.CSS_SELECTOR, "table.stacked")
    widths = ("const w = arguments[0].closest('.tablewrap');"
              "return [w.scrollWidth, w.clientWidth];")
    scroll, client = browser.execute_script(widths, table)
    assert scroll <= client
    # each cell is a line of its own, led by its column's name (a ::before, so not in .text)
    shown = browser.execute_script(
        "return Array.from(arguments[0].querySelectorAll('tbody tr:first-child td')).map("
        "td => [getComputedStyle(td).display, getComputedStyle(td, '::before').content])", table)
    heads = [th.get_attribute("textContent") for th in table.find_elements(By.TAG_NAME, "th")]
    assert shown == [["block", f'"{h}: "'] for h in heads]
    browser.execute_script("arguments[0].classList.remove('stacked')", table)
    scroll, client = browser.execute_script(widths, table)
    assert scroll > client


def test_keyboard_opens_a_panel(browser, report_file):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path, _ = report_file
    browser.get(path.as_uri())
    node = _nodes(browser)["du2019.asm3.1"]
    browser.execute_script("arguments[0].focus()", node)
    node.send_keys(Keys.ENTER)
    shown = [p for p in browser.find_elements(By.CSS_SELECTOR, ".panels .panel")
             if p.is_displayed()]
    assert [p.find_element(By.TAG_NAME, "h3").text.split(" ")[0] for p in shown] == \
        ["du2019.asm3.1"]


def test_focus_hides_unrelated_nodes(browser, report_file):
    from selenium.webdriver.support.ui import Select

    path, rep = report_file
    browser.get(path.as_uri())
    graph = load_registry().graph.subgraph(rep.graph)
    sid = "du2019.lemma3.2"
    _nodes(browser)[sid].click()
    for mode, related in (("ancestors", nx.ancestors(graph, sid)),
                          ("dependents", nx.descendants(graph, sid))):
        Select(browser.find_element("name", "mode")).select_by_value(mode)
        shown = {k for k, n in _nodes(browser).items() if n.is_displayed()}
        assert shown == related | {sid}
        assert shown != set(rep.graph)  # the focus did hide something
    Select(browser.find_element("name", "mode")).select_by_value("all")
    assert all(n.is_displayed() for n in _nodes(browser).values())
    box = browser.find_element("name", "id")
    box.send_keys("lemma")
    assert {k for k, n in _nodes(browser).items() if n.is_displayed()} == \
        {k for k in rep.graph if "lemma" in k}


def test_filters_by_verdict_and_provenance(browser, report_file):
    from selenium.webdriver.support.ui import Select

    path, rep = report_file
    browser.get(path.as_uri())
    reg = load_registry()
    for verdict in sorted(set(rep.graph.values())):
        Select(browser.find_element("name", "verdict")).select_by_value(verdict)
        shown = {k for k, n in _nodes(browser).items() if n.is_displayed()}
        assert shown == {k for k, v in rep.graph.items() if v == verdict}
    Select(browser.find_element("name", "verdict")).select_by_value("")
    Select(browser.find_element("name", "provenance")).select_by_value("derived")
    shown = {k for k, n in _nodes(browser).items() if n.is_displayed()}
    assert shown == {k for k in rep.graph if reg.get(k).provenance == "derived"} != set()


def test_sortable_table(browser, report_file):
    from selenium.webdriver.common.by import By

    path, _ = report_file
    browser.get(path.as_uri())
    table = browser.find_elements(By.CSS_SELECTOR, "section.block table.sortable")[-1]
    col = [h.text.strip() for h in table.find_elements(By.CSS_SELECTOR, "thead th")].index(
        "margin")
    table.find_elements(By.CSS_SELECTOR, "thead th button")[col].click()
    cells = [r.find_elements(By.TAG_NAME, "td")[col].get_attribute("data-v")
             for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    numbers = [float(c) for c in cells if c not in (None, "", "—")]
    assert len(numbers) > 3 and numbers == sorted(numbers)


def test_without_javascript_everything_is_there(report_file):
    from selenium.webdriver.common.by import By

    path, rep = report_file
    driver = _driver(javascript=False)
    try:
        driver.get(path.as_uri())
        assert "js" not in (driver.find_element(By.TAG_NAME, "html").get_attribute("class")
                            or "")
        assert len(_nodes(driver)) == len(rep.graph)
        panels = driver.find_elements(By.CSS_SELECTOR, ".panels .panel")
        assert len(panels) == len(rep.graph) and all(p.is_displayed() for p in panels)
        assert len(driver.find_elements(By.TAG_NAME, "math")) > 10
        assert driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
        assert not driver.find_element(By.CSS_SELECTOR, ".controls").is_displayed()
    finally:
        driver.quit()


def test_screenshot_is_not_blank(browser, report_file, tmp_path):
    path, _ = report_file
    browser.get(path.as_uri())
    inked, colours = _inked(browser, tmp_path)
    assert inked > 0.03 and colours > 50, (inked, colours)
