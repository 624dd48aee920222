"""Screenshots of the pages a new reader sees first, at 1280 px and at 390 px (a phone), taken with
Playwright and Debian's chromium against a running server, for a person to look at.

    .venv/bin/pactgraph serve --port 8000 &          # the bundled data
    .venv/bin/python tools/screenshots.py http://127.0.0.1:8000 docs/screenshots

Each page is shot as the screen shows it on arrival (no scrolling), except the editor, which is
shown with the answer to an example question in view and the map, once it is drawn. Playwright
and chromium are the test dependencies (``pip install -e '.[test]'``, tools/install-test-deps.sh).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

WIDTHS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
EXAMPLE = "Which pacts have ever been invoked"  # the editor's example tab, run before the shot


def landing(page, url: str) -> None:
    page.goto(url + "/")


def state(page, url: str) -> None:
    page.goto(url + "/doc/state/PHL")


def world_map(page, url: str) -> None:
    page.goto(url + "/explore/map?state=PHL")
    page.wait_for_selector("#world-map[data-ready='true']")


def network(page, url: str) -> None:
    page.goto(url + "/explore/network?region=asia-pacific")
    page.wait_for_selector("#network[data-ready='true']")
    page.locator("#network-filter").evaluate("form => form.scrollIntoView({block: 'start'})")


def editor(page, url: str) -> None:
    page.goto(url + "/sparql")
    page.wait_for_selector(".yasgui .tabsList")
    page.get_by_role("button", name=EXAMPLE).click()
    page.locator(".tabPanel.active .readable-results tbody tr").first.wait_for()
    page.locator(".tabPanel.active .yasr_header").evaluate(
        "header => header.scrollIntoView({block: 'start'})")


PAGES = {"landing": landing, "state-PHL": state, "map-PHL": world_map, "network": network,
         "editor": editor}


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    sys.exit("chromium is not installed: run tools/install-test-deps.sh")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the running server, e.g. http://127.0.0.1:8000")
    parser.add_argument("folder", type=Path, help="where the PNG files go")
    parser.add_argument("--only", nargs="*", choices=list(PAGES), help="these pages only")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.folder.mkdir(parents=True, exist_ok=True)
    url = args.url.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(),
                                             args=["--headless", "--no-sandbox"])
        for name, go in PAGES.items():
            if args.only and name not in args.only:
                continue
            for width, viewport in WIDTHS.items():
                context = browser.new_context(viewport=viewport, service_workers="block")
                page = context.new_page()
                page.set_default_timeout(60_000)
                go(page, url)
                page.wait_for_load_state("networkidle")
                path = args.folder / f"{name}-{width}.png"
                page.screenshot(path=str(path))
                print(f"{path} ({path.stat().st_size // 1024} kB)")
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
