"""The audit report in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``) opens
the demo report from a file, takes a screenshot, and checks that it rendered and that no post text ran.

``make test`` installs Chromium when it is missing; run by hand without it, these tests skip and say how to
install it. A copy of the demo report and its screenshot are left in /tmp for people to look at.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from report_demo import HOSTILE_HANDLE, HOSTILE_ORG, HOSTILE_REPLY, HOSTILE_TEXTS, PWNED_GLOBALS, hostile_audit

from classifier.stages import STAGES
from collectors.simulated_climb import simulate_climb
from socialstage.audit.placement import AuditResult
from socialstage.audit.trajectory import trajectory
from socialstage.audit.verdict import choose_model
from socialstage.report import write_audit_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
INSTALL = "apt-get install -y --no-install-recommends chromium chromium-driver (make test does it)"
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason=f"headless Chromium is not installed; install it with: {INSTALL}")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1100,900")
DEMO_COPY = Path("/tmp/socialstage-report-demo.html")
SCREENSHOT_COPY = Path("/tmp/socialstage-report-demo.png")
PLOTS = ("plot-monthly", "plot-response_times", "plot-sentiment", "plot-departments", "plot-trajectory")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditResult, Path]:
    """The demo report: the organization that climbs over a year, with hostile posts, audited per month."""
    result = hostile_audit(simulate_climb(seed=7), model="default")
    result.trajectory = trajectory(result, "month", choose_model("default"))
    path = write_audit_report(result, tmp_path_factory.mktemp("report") / "demo-report.html")
    return result, path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Headless Chromium through chromedriver, with a fresh profile (selenium downloads nothing)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(demo: tuple[AuditResult, Path], browser, tmp_path_factory: pytest.TempPathFactory) -> object:
    """The demo report opened from a file:// URL, its whole page in the window, with a screenshot saved."""
    from selenium.webdriver.support.ui import WebDriverWait

    _, path = demo
    browser.get(path.as_uri())
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.readyState === 'complete' && "
                                   "Array.from(document.images).every(i => i.complete)"))
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1100, min(int(height) + 160, 16000))
    screenshot = tmp_path_factory.mktemp("screenshot") / "demo-report.png"
    assert browser.save_screenshot(str(screenshot))
    shutil.copyfile(screenshot, SCREENSHOT_COPY)
    shutil.copyfile(path, DEMO_COPY)
    browser.screenshot_file = screenshot
    return browser


def test_page_has_the_stage_heading(demo: tuple[AuditResult, Path], page) -> None:
    from selenium.webdriver.common.by import By

    result, _ = demo
    assert page.find_element(By.ID, "stage-heading").text == STAGES[result.stage].name
    assert page.title.startswith("Social media maturity audit")
    image = Image.open(page.screenshot_file).convert("L")
    assert image.width >= 1000 and image.height > 3000
    assert np.asarray(image, dtype=float).std() > 20


def test_every_plot_is_present_and_not_blank(page) -> None:
    from selenium.webdriver.common.by import By

    figures = {f.get_attribute("id"): f for f in page.find_elements(By.CSS_SELECTOR, "figure")}
    assert set(PLOTS) <= set(figures), set(PLOTS) - set(figures)
    for key in PLOTS:
        image = figures[key].find_element(By.CSS_SELECTOR, "img.plot")
        width, height = page.execute_script("return [arguments[0].naturalWidth, arguments[0].naturalHeight]", image)
        assert width > 400 and height > 200, (key, width, height)
        assert image.size["width"] > 300 and image.size["height"] > 100, (key, image.size)
        shown = np.asarray(Image.open(io.BytesIO(image.screenshot_as_png)).convert("L"), dtype=float)
        assert shown.std() > 15, (key, shown.std())  # drawn, not a blank box
        assert (shown < 128).mean() > 0.01, key  # dark marks: bars, text, axes


def test_no_script_from_post_text_ran(page) -> None:
    script = "return [" + ", ".join(f"typeof window.{name}" for name in PWNED_GLOBALS) + "]"
    assert page.execute_script(script) == ["undefined"] * len(PWNED_GLOBALS)
    injected = page.execute_script(
        "return document.querySelectorAll('script, svg, iframe, a, b, i, img:not(.plot)').length")
    assert injected == 0


def test_hostile_text_is_visible_as_text(page) -> None:
    text = page.execute_script("return document.body.innerText")
    for hostile in (HOSTILE_ORG, HOSTILE_HANDLE, *HOSTILE_TEXTS, HOSTILE_REPLY):
        assert hostile in text, hostile
