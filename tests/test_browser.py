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
            # Performance, then the network and the outcome figures (the last two images), each under a heading
            # and a caption in words with units; the page and the browser tab carry the model's name, not "Page 0".
            page.wait_for_function("document.querySelectorAll('img').length >= 3", timeout=120_000)
            for text in ("Carrot or stick: English NHS commissioning", "% of patients seen within the standard",
                         "The organisation network", "money (GBP m)", "mean trust (0-1)"):
                assert page.get_by_text(text).count() >= 1, text
            assert page.get_by_text("Page 0", exact=True).count() == 0
            assert "Carrot or stick" in page.title()
            widths = images.evaluate_all("els => els.map(e => e.naturalWidth)")
            assert len(widths) >= 3 and min(widths[-2:]) > 300       # the network and the charts are drawn
            first = images.nth(-1).get_attribute("src")
            step.click()
            page.get_by_text("Time: 1").wait_for(timeout=60_000)
            page.wait_for_function("src => { const i = document.querySelectorAll('img'); "
                                   "return i[i.length - 1].getAttribute('src') !== src; }", arg=first, timeout=60_000)
            page.get_by_text("Side by side with a second style").click()
            page.get_by_role("button", name="Reset").click()
            page.get_by_text("Time: 0").wait_for(timeout=120_000)
            step.click()
            page.get_by_text("Time: 1").wait_for(timeout=60_000)
            page.wait_for_function("w => { const i = document.querySelectorAll('img'); "
                                   "return i[i.length - 2].naturalWidth > 1.5 * w; }", arg=widths[-2],
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
