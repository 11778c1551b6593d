"""Regenerate ``docs/screenshot.png``: the web demo with the embedded model on the example stories.

Needs Debian's Chromium (``/usr/bin/chromium``) and Playwright for Python::

    python docs/screenshot.py
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from summarizer import webapp

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUT = Path(__file__).resolve().parent / "screenshot.png"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    demo = webapp.build_app("embedded", concurrency=1, queue_size=4)
    _, url, _ = webapp.launch(demo, "127.0.0.1", free_port(), prevent_thread_lock=True, quiet=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 1900})
            page.goto(url, wait_until="domcontentloaded")
            expect(page.locator("#nb-status")).to_contain_text("ready", timeout=180_000)
            page.get_by_role("button", name="Add example").click()
            expect(page.locator("#nb-input textarea")).to_have_value(re.compile("Harbour Herald"))
            page.get_by_role("button", name="Write briefs").click()
            expect(page.locator(".nb-story").first).to_be_visible(timeout=300_000)
            page.locator(".nb-story .nb-brief .nb-cite").first.hover()
            page.wait_for_timeout(400)
            page.screenshot(path=str(OUT), clip={"x": 0, "y": 0, "width": 1280, "height": 1900})
            browser.close()
    finally:
        demo.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
