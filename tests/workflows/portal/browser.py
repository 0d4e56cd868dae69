"""Chromium for the portal's browser tests: Debian's /usr/bin/chromium driven by Playwright, axe-core injected from
node_modules, screenshots written under test-artifacts/portal/."""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "portal"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def skip_reason() -> str | None:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (make system-packages installs it)"
    if not AXE.exists():
        return "node_modules/axe-core is missing (make deps-dev runs npm ci)"
    return None


@contextmanager
def chromium_page(*, locale: str = "zh-CN", width: int = 390, height: int = 844):
    """A phone-sized page (mobile first). Playwright's event loop lives in this thread: the Django ORM is told so."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(locale=locale, viewport={"width": width, "height": height}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(20_000)
            try:
                yield page
            finally:
                context.close()
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def axe_violations(page) -> list[dict]:
    # evaluated, not added as a <script>: the pages' Content-Security-Policy refuses inline scripts
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


class Recorder:
    """Screenshot and axe check of each step; the test asserts that no page had a violation."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.violations: dict[str, list[dict]] = {}
        self.pages: list[str] = []

    def step(self, page, label: str, *, axe: bool = True) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{label}.png"), full_page=True)
        self.pages.append(label)
        if axe:
            found = axe_violations(page)
            if found:
                self.violations[f"{label} ({page.url})"] = found


def require_browser() -> None:
    reason = skip_reason()
    if reason:
        pytest.skip(reason)


def precheck_answer(page, *, group: str, registered_on, graduated_on=None, syb_trained: bool = False) -> None:
    """Answers the pre-check's questions as a person of `group` who lives in the district and runs a business
    registered on `registered_on`, having hired no one."""
    page.check("input[name=who][value=person]")
    page.check(f"input[name=group][value={group}]")
    if graduated_on is not None:
        page.fill("#id_graduated_on", graduated_on.isoformat())
    page.check("input[name=resident][value=yes]")
    page.check("input[name=runs_business][value=yes]")
    page.fill("#id_business_registered_on", registered_on.isoformat())
    page.check(f"input[name=syb_trained][value={'yes' if syb_trained else 'no'}]")
