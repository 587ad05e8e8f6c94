"""The browser view in a real browser: Debian's Chromium driven by Playwright. The page may ask for nothing beyond
loopback (as on a network without CDNs), and no request may fail or be answered with an error. Starts `solara run` on
a free loopback port and always stops it."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

if CHROMIUM is None and os.environ.get("CI") != "true":
    pytest.skip("no chromium on this machine (CI installs Debian's chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "solara", "run", "abm/viz/app.py", "--host", "127.0.0.1",
                             "--port", str(port), "--no-open", "--production"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 180
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("the solara server did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.poll() is not None


def test_the_page_renders_offline_steps_and_compares_styles(server):
    from playwright.sync_api import sync_playwright
    assert CHROMIUM, "CI must provide chromium"
    outside, failed = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            # Any request that fails, or that the server answers with an error, is a part of the page missing offline.
            page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})") if r.url not in outside
                    else None)
            page.on("response", lambda r: failed.append(f"{r.url} ({r.status})") if r.status >= 400 else None)

            # Every request is recorded, none intercepted (intercepting requests changes what the page loads: with a
            # route in place Solara never asked for the KaTeX files it asks for, and fails to get, offline).
            page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:",
                                                                      "blob:")) else outside.append(r.url))
            page.goto(server, wait_until="domcontentloaded", timeout=120_000)
            step = page.get_by_role("button", name="Step")
            step.wait_for(timeout=120_000)
            page.get_by_text("Time: 0").wait_for(timeout=60_000)
            time.sleep(8.0)                      # as a reader would: the page's late loads come while it sits idle
            images = page.locator("img")
            # Performance, the network, the outcome figures, a trust's card and the map of England (the last five
            # images), each under a heading and a caption in words with units; the page and the browser tab carry the
            # model's name, not "Page 0".
            page.wait_for_function("document.querySelectorAll('img').length >= 5", timeout=120_000)
            for text in ("Carrot or stick: English NHS commissioning", "% of patients seen within the standard",
                         "The organisation network", "money (GBP m)", "mean trust (0-1)", "A trust as itself",
                         "England as a map"):
                assert page.get_by_text(text).count() >= 1, text
            assert page.get_by_text("Page 0", exact=True).count() == 0
            assert "Carrot or stick" in page.title()
            widths = images.evaluate_all("els => els.map(e => e.naturalWidth)")
            assert len(widths) >= 5 and min(widths[-4:]) > 300       # network, charts, card and map are drawn
            src = "n => document.querySelectorAll('img')[document.querySelectorAll('img').length - n].getAttribute('src')"
            changed = ("a => { const i = document.querySelectorAll('img'); "
                       "return i[i.length - a[0]].getAttribute('src') !== a[1]; }")
            # Pick a trust by typing part of its name: its card is drawn again.
            card = page.evaluate(src, 2)
            page.get_by_label("Find a trust (part of its name or its code)").fill("Leeds Teaching")
            page.wait_for_function(changed, arg=[2, card], timeout=60_000)
            assert page.get_by_text("RR8 Leeds Teaching Hospitals", exact=False).count() >= 1
            outcomes, card, england = page.evaluate(src, 3), page.evaluate(src, 2), page.evaluate(src, 1)
            step.click()
            page.get_by_text("Time: 1").wait_for(timeout=60_000)
            for n, before in ((3, outcomes), (2, card), (1, england)):   # the charts, the card and the map move on
                page.wait_for_function(changed, arg=[n, before], timeout=60_000)
            page.get_by_text("Side by side with a second style").click()
            page.get_by_role("button", name="Reset").click()
            page.get_by_text("Time: 0").wait_for(timeout=120_000)
            step.click()
            page.get_by_text("Time: 1").wait_for(timeout=60_000)
            page.wait_for_function("w => { const i = document.querySelectorAll('img'); "
                                   "return i[i.length - 4].naturalWidth > 1.5 * w; }", arg=widths[-4],
                                   timeout=60_000)              # the network now shows two Englands side by side
            page.wait_for_load_state("networkidle", timeout=60_000)
            time.sleep(3.0)                      # the page's own late loads (Solara's components load on mount)
            out = ROOT / "outputs"
            out.mkdir(exist_ok=True)
            page.screenshot(path=str(out / "viz_screenshot.png"), full_page=True)
        finally:
            browser.close()
    assert (ROOT / "outputs" / "viz_screenshot.png").stat().st_size > 50_000
    assert not outside, f"the page asked for outside resources: {outside[:3]}"
    assert not failed, f"requests failed: {failed[:3]}"
