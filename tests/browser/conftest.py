"""A real browser against the real app: Debian's Chromium driven by Playwright.

The app (tiny fixture engine, a copy of the test database) is served by werkzeug's threaded
server on 127.0.0.1 on a free port, in a thread (its ``shutdown()`` ends the loop before the
socket closes; closing waitress's socket under its running loop raised EBADF in the thread).
Chromium is ``/usr/bin/chromium`` (``EMPLOI_CHROMIUM``
to use another), launched headless with a fresh profile folder; Playwright never downloads a
browser. Without Chromium the tests skip, except under CI=true, where they fail. Every page
visited is saved as a PNG under ``tests/artifacts/``.

:meth:`Browser.check` also runs axe-core on the page (WCAG 2.1 A and AA rules: no violation
allowed) and checks that at 390 px nothing scrolls sideways. axe-core comes from the npm
registry: ``EMPLOI_AXE_JS`` names its ``axe.min.js``, else it is installed once with npm
into ``.cache/axe/`` (without npm or the registry the tests skip, or fail under CI=true).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Dialog, ViewportSize
from werkzeug.serving import make_server

from tests.conftest import require
from tests.webapp.conftest import (  # noqa: F401  (fixtures shared with the web app tests)
    ACCOUNTS,
    app,
    database_url,
    engine,
    inbox_base_model,
    template_database,
)

ARTIFACTS = Path(__file__).parent.parent / "artifacts"
AXE_HOME = Path(__file__).parent.parent.parent / ".cache" / "axe"
AXE_VERSION = "4"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable (skip, or fail under CI=true, when it is missing)."""
    path = os.environ.get("EMPLOI_CHROMIUM", "/usr/bin/chromium")
    require(Path(path).exists() or shutil.which(path) is not None,
            f"Chromium not found at {path}: apt-get install chromium (make test does it as root)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require(False, "the playwright package is missing: pip install -e '.[dev]'")
    return path


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The source of axe-core's ``axe.min.js`` (installed from the npm registry once)."""
    configured = os.environ.get("EMPLOI_AXE_JS")
    path = Path(configured) if configured else AXE_HOME / "node_modules" / "axe-core" / \
        "axe.min.js"
    if not path.exists() and not configured:
        npm = shutil.which("npm")
        require(npm is not None, "npm not found: it installs axe-core for the browser tests")
        assert npm is not None
        AXE_HOME.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund",
                               "--prefix", str(AXE_HOME), f"axe-core@{AXE_VERSION}"],
                              capture_output=True, text=True, timeout=300, check=False)
        require(done.returncode == 0, f"npm could not install axe-core: {done.stderr[-300:]}")
    require(path.exists(), f"axe-core not found at {path}")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:  # noqa: F811  (the imported fixture)
    """The app served on 127.0.0.1 on a free port (threaded); its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()  # the loop ends first, then the socket closes
    server.server_close()
    thread.join(timeout=5)


class Browser:
    """One Chromium context (fresh profile folder) and helpers for the journeys."""

    def __init__(self, context: object, base_url: str, name: str, axe: str = "") -> None:
        from playwright.sync_api import BrowserContext, Page

        assert isinstance(context, BrowserContext)
        self.context: BrowserContext = context
        self.page: Page = context.pages[0] if context.pages else context.new_page()
        self.base_url = base_url
        self.name = name
        self.axe = axe
        self.checked: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dismiss)
        self.page.set_default_timeout(15_000)

    def _dismiss(self, dialog: Dialog) -> None:
        """Record and dismiss any dialog (a script that ran would open one)."""
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def goto(self, path: str) -> None:
        """Open a page of the app."""
        self.page.goto(self.base_url + path)

    def shot(self, label: str, phone: bool = False) -> Path:
        """Save a full-page screenshot as ``tests/artifacts/<test>-<label>.png``."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{label}.png"
        if phone:
            self.page.set_viewport_size(PHONE)
        self.page.screenshot(path=str(path), full_page=True)
        if phone:
            self.page.set_viewport_size(DESKTOP)
        return path

    def check(self, label: str) -> None:
        """Screenshots at 1280 and 390 px, no sideways scrolling at 390 px, and axe-core's
        WCAG 2.1 A/AA rules without a single violation (the page as it is now)."""
        self.shot(label)
        self.page.set_viewport_size(PHONE)
        try:
            overflow = self.page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{label}: {overflow} px of horizontal scroll at 390 px"
            self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{label}-phone.png"),
                                 full_page=True)
            violations = self.axe_violations()
            assert not violations, f"{label} (390 px): {violations}"
        finally:
            self.page.set_viewport_size(DESKTOP)
        violations = self.axe_violations()
        assert not violations, f"{label} (1280 px): {violations}"
        self.checked.append(label)

    def axe_violations(self) -> list[str]:
        """axe-core's violations of the page, as 'rule: target' strings."""
        assert self.axe, "the browser fixture was created without axe-core"
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(self.axe + "\n;true")
        found: list[str] = self.page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return result.violations.flatMap(v => v.nodes.map(
                    n => v.id + ': ' + n.target.join(' ') + ' — ' + n.failureSummary));
            }""", AXE_TAGS)
        return found

    def login(self, account: str) -> None:
        """Sign in through the login form."""
        self.goto("/connexion")
        self.page.get_by_label("Adresse électronique").fill(ACCOUNTS[account].email)
        self.page.get_by_label("Mot de passe").fill(ACCOUNTS[account].password)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_load_state()

    def logout(self) -> None:
        """Sign out with the header button."""
        self.page.get_by_role("button", name="Se déconnecter").click()
        self.page.wait_for_load_state()


@pytest.fixture
def browser(chromium: str, live_server: str, tmp_path: Path, axe_source: str,
            request: pytest.FixtureRequest) -> Iterator[Browser]:
    """A headless Chromium with a fresh profile folder, on the live server."""
    from playwright.sync_api import sync_playwright

    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower().removeprefix("test_")).strip("-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True,
            args=CHROMIUM_ARGS, viewport=DESKTOP, locale="fr-FR")
        try:
            yield Browser(context, live_server, name, axe_source)
        finally:
            context.close()
