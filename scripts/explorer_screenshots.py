"""Write the README's screenshots of the explorer (docs/images/explorer-source.png, explorer-timeline.png).

Usage: .venv/bin/python scripts/explorer_screenshots.py [FOLDER]   (default docs/images; needs the test extras:
Playwright, and Debian's chromium from scripts/setup.sh '[test]'). Opens graphs/explorer/index.html from the file
system in headless Chromium with one claim's card open, exactly as tests/test_explorer.py does on every run.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "loader")]

from explorer_browser import browser_session, open_page, screenshots  # noqa: E402

CLAIM = "infants-about-half-have-involuntary-movements"  # the README's example claim


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images"
    site = ROOT / "graphs" / "explorer" / "index.html"
    with browser_session() as browser:
        page, seen = open_page(browser, f"{site.as_uri()}#claim={CLAIM}")
        page.locator(f"#q-{CLAIM}").scroll_into_view_if_needed()
        for path in screenshots(page, folder):
            print(f"wrote {path}")
        if seen.errors:
            raise SystemExit(f"the page reported errors: {seen.errors}")


if __name__ == "__main__":
    main()
