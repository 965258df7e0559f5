"""A real headless Chromium for the explorer's tests and screenshots: Debian's `chromium`, driven by Playwright.

Playwright cannot download its own browsers here, so it drives the system one (`executable_path`). Every page
records its console errors, uncaught exceptions and every request it makes, so tests can assert it stayed offline.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stores import require_store

__all__ = ["CHROMIUM", "Recorded", "browser_session", "open_page", "require_browser", "screenshots"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 900}


def require_browser() -> None:
    """Go on if Playwright and Debian's chromium are present; else skip (locally) or fail (in CI)."""
    try:
        import playwright  # noqa: F401
        have_playwright = True
    except ImportError:
        have_playwright = False
    require_store("Playwright (PyPI playwright) and Chromium (Debian chromium)",
                  have_playwright and Path(CHROMIUM).is_file(),
                  install="scripts/setup.sh '[test]' installs both")


@contextmanager
def browser_session() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Recorded:
    """What a page did: console errors and uncaught exceptions, and every URL it requested."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def open_page(browser: Any, url: str) -> tuple[Any, Recorded]:
    """A new page (its own context) at `url`, with the font loaded and the script run."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    seen = Recorded()
    page.on("console", lambda message: seen.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("request", lambda request: seen.requests.append(request.url))
    page.goto(url)
    page.wait_for_function("document.fonts.status === 'loaded'")
    return page, seen


def screenshots(page: Any, folder: Path) -> list[Path]:
    """The source view (the window, scrolled to the chosen claim's quote, its card beside it) and the timeline, as PNG
    files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    source, timeline = folder / "explorer-source.png", folder / "explorer-timeline.png"
    page.evaluate("""() => { const mark = document.querySelector('mark.q.active') || document.querySelector('mark.q');
                             mark.scrollIntoView({block: 'center'}); }""")
    page.screenshot(path=str(source))
    page.locator("#timeline").screenshot(path=str(timeline))
    return [source, timeline]

