"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
live server, with an accessibility audit that no test can forget.

Every page a test visits is checked with axe-core against WCAG 2.0/2.1/2.2 A and AA:

* axe-core and a small probe are added to every document of the test's browser contexts as
  init scripts, so they are there whatever the page's Content-Security-Policy says (the
  policy itself stays enforced, and any violation of it fails the test);
* the probe runs axe when the page has loaded (`load`), after every HTMX swap
  (`htmx:afterSettle`), and as a page is left before it fired `load` (`beforeunload`: once a
  navigation has begun, `load` never fires; a page whose stylesheets had not arrived yet is
  let go unchecked, as its contrast and sizes would be wrong), and hands the results to
  Python through a binding;
* a route handler holds every top-level navigation until the page being left has been
  checked (Chromium runs no new script in a page once a navigation has started, so the
  check cannot wait until then to begin, but a check already running does finish);
* Playwright's own `load` events are recorded too, and a page that loaded but was never
  checked is reported;
* `check_accessibility(page)` checks the page as it is now (e.g. with a menu open);
* at teardown the test fails listing each violation (rule, impact, targets, URL), each
  Content-Security-Policy violation and each uncaught JavaScript error.

Use `page` for the first person and `new_page()` for anyone else (a fresh context with its
own cookies); both are audited, so every test that uses them is. Helpers:
`login(page, live_server, email, password)`, `sign_out(page)`, `field(page, label)`,
`check_accessibility(page)`.

A test must wait for what each action leads to before the next one: a navigation that has
not reached the server yet (the audit may be holding it) is cancelled by the next `goto`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# Playwright's sync API keeps an asyncio loop running in this thread for the rest of the
# session, which Django takes for async code; the tests use the ORM from plain synchronous
# code (the live server runs in its own thread), so tell Django it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)  # as long as every other wait, not expect's own 5 s

# Runs in every document before the page's own scripts. Each document gets an id, so
# Python knows which documents have been checked; reports go through a binding.
PAGE_PROBE = """
(() => {
  if (window.top !== window || !location.protocol.startsWith("http")) return;
  const doc = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const report = (payload) => window.__safetyhubReport({doc, url: location.href, ...payload});
  let queue = Promise.resolve();
  const check = (reason) => {
    report({kind: "queued", reason});
    queue = queue.then(async () => {
      try {
        if (document.contentType !== "text/html") return report({kind: "result", violations: []});
        // A page must never scroll sideways, at any width the test chose.
        const root = document.documentElement;
        if (root.scrollWidth > root.clientWidth + 1) {
          const wide = [...document.body.querySelectorAll("*")].filter((element) => {
            const box = element.getBoundingClientRect();
            return box.right > root.clientWidth + 1 && box.width > 0;
          }).slice(-3).map((element) => element.outerHTML.slice(0, 120));
          report({kind: "overflow", width: root.clientWidth, scroll: root.scrollWidth, wide});
        }
        const result = await axe.run(document, {
          runOnly: {type: "tag", values: %(tags)s}, resultTypes: ["violations"],
        });
        report({kind: "result", violations: result.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.map((n) => ({target: n.target.map(String), html: n.html})),
        }))});
      } catch (error) {
        report({kind: "error", error: String(error && error.stack || error)});
      }
    });
    return queue;
  };
  Object.defineProperty(window, "__safetyhubCheck", {value: check});
  report({kind: "document"});
  let loaded = false;
  window.addEventListener("load", () => { loaded = true; check("load"); });
  // A navigation away can begin before "load" (a test moves on as soon as it sees what it
  // waits for), and "load" then never fires. Check the page as it is left if its styles have
  // loaded (contrast and target sizes depend on them); if not, say so and let it go.
  window.addEventListener("beforeunload", () => {
    if (loaded) return;
    const links = [...document.querySelectorAll('link[rel="stylesheet"]')];
    if (links.every((link) => link.sheet)) check("left before load");
    else report({kind: "unstyled"});
  });
  document.addEventListener("htmx:afterSettle", () => check("htmx swap"));
  document.addEventListener("securitypolicyviolation", (e) => report({
    kind: "csp", directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample,
    source: e.sourceFile, line: e.lineNumber,
  }));
})();
""" % {"tags": json.dumps(WCAG_TAGS)}  # noqa: UP031 (the script is full of braces)


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    target: str
    html: str
    url: str

    def __str__(self) -> str:
        return (f"[{self.impact}] {self.rule}: {self.help}\n    target: {self.target}\n"
                f"    html:   {self.html[:200]}\n    url:    {self.url}")


@dataclass
class _Document:
    url: str
    queued: int = 0
    done: int = 0

    @property
    def settled(self) -> bool:
        """Checked at least once (it has loaded) and no check is waiting to run."""
        return self.done > 0 and self.done >= self.queued


@dataclass
class AccessibilityAudit:
    """Watches every page of the contexts it instruments and collects what is wrong."""

    violations: dict[tuple, Violation] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    checked_urls: list[str] = field(default_factory=list)
    loaded_urls: list[str] = field(default_factory=list)
    _current: dict[Page, _Document] = field(default_factory=dict)
    _documents: dict[str, _Document] = field(default_factory=dict)

    def instrument(self, context: BrowserContext) -> None:
        context.expose_binding("__safetyhubReport", self._report)
        context.add_init_script(path=AXE_PATH)
        context.add_init_script(script=PAGE_PROBE)
        context.route(re.compile(r"^(?!.*/static/)"), self._gate)
        context.on("page", self.watch)

    def watch(self, page: Page) -> None:
        if page in _AUDIT_OF:
            return
        _AUDIT_OF[page] = self
        # Playwright's own view of what loaded, to prove that each of those was checked.
        page.on("load", lambda: page.url.startswith("http") and self.loaded_urls.append(page.url))
        page.on("pageerror", lambda error: self.problems.append(
            f"JavaScript error on {page.url}: {error}"))

    # Called from the page: record only, never call back into the browser from here.
    def _report(self, source: dict, payload: dict) -> None:
        page, kind, url = source["page"], payload["kind"], payload["url"]
        document = self._documents.get(payload["doc"])
        if kind == "document":
            self._current[page] = self._documents[payload["doc"]] = _Document(url=url)
        elif kind == "csp":
            sample = f", {payload['sample']!r}" if payload["sample"] else ""
            self.problems.append(
                f"Content-Security-Policy violation on {url}: {payload['directive']} blocked "
                f"{payload['blocked'] or 'inline code'} ({payload['source']}:"
                f"{payload['line']}{sample})"
            )
        elif kind == "overflow":
            self.problems.append(
                f"{url} scrolls sideways at {payload['width']} px wide (content is "
                f"{payload['scroll']} px wide); the widest parts: {payload['wide']}")
        elif document is None:
            return
        elif kind == "queued":
            document.queued += 1
        elif kind == "result":
            document.done += 1
            self.checked_urls.append(url)
            for rule in payload["violations"]:
                for node in rule["nodes"]:
                    target = " ".join(node["target"])
                    self.violations.setdefault((rule["id"], target, url), Violation(
                        rule["id"], rule["impact"] or "?", rule["help"], target, node["html"],
                        url))
        elif kind == "unstyled":  # left before it could be checked: nothing to wait for
            document.done = document.queued = max(document.queued, 1)
        elif kind == "error":
            document.done += 1
            self.problems.append(f"axe-core could not check {url}: {payload['error']}")

    def _gate(self, route: Route) -> None:
        """Hold a top-level navigation until the page it leaves has been checked."""
        try:
            request = route.request
            if request.is_navigation_request() and request.frame.parent_frame is None:
                self.wait_until_checked(request.frame.page)
        finally:
            route.fallback()

    def wait_until_checked(self, page: Page) -> None:
        document = self._current.get(page)
        if document is None:
            return
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while not document.settled and not page.is_closed():
            if time.monotonic() > deadline:
                self.problems.append(f"{document.url} was left before axe-core could check "
                                     f"it (it did not load within {TIMEOUT_MS} ms)")
                document.done = document.queued = max(document.queued, 1)
                return
            # Lets Playwright's loop run (and the page's reports arrive) meanwhile.
            with contextlib.suppress(PlaywrightTimeoutError):
                page.wait_for_event("console", timeout=20)

    def check_now(self, page: Page) -> None:
        page.evaluate("() => window.__safetyhubCheck('requested by the test')")

    def finish(self) -> None:
        for page in list(self._current):
            if not page.is_closed():
                self.wait_until_checked(page)
        for page in [p for p, audit in _AUDIT_OF.items() if audit is self]:
            del _AUDIT_OF[page]
        for url in dict.fromkeys(self.loaded_urls):
            if url not in self.checked_urls:
                self.problems.append(f"{url} loaded but axe-core never checked it")

    def report(self) -> str:
        lines = []
        if self.violations:
            lines.append(f"axe-core found {len(self.violations)} accessibility violation(s) "
                         f"against {', '.join(WCAG_TAGS)}:")
            lines += [str(v) for v in self.violations.values()]
        lines += self.problems
        return "\n".join(lines)


_AUDIT_OF: dict[Page, AccessibilityAudit] = {}


@pytest.fixture(scope="session")
def browser() -> Browser:
    missing = [str(p) for p in (CHROMIUM, AXE_PATH) if not p.exists()]
    if missing:
        pytest.fail(f"Browser tests need {' and '.join(missing)}: run them with ./dev test, "
                    "which installs Debian's chromium and axe-core (npm ci).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000,
        )
        yield browser
        browser.close()


@pytest.fixture
def a11y(request) -> AccessibilityAudit:
    """The audit of this test's pages; fails the test at teardown if anything was found."""
    if request.node.get_closest_marker("browser") is None:
        pytest.fail("Mark browser tests with @pytest.mark.browser (or pytestmark).")
    audit = AccessibilityAudit()
    yield audit
    report = audit.report()
    if report:
        pytest.fail(report, pytrace=False)


@pytest.fixture
def new_page(browser, live_server, a11y):
    """Opens a page in a fresh browser context (its own cookies), `width` pixels wide,
    audited like every other (axe, CSP, no sideways scrolling). Relative URLs resolve
    against the live server."""
    contexts: list[BrowserContext] = []

    def open_page(width: int = 1280) -> Page:
        context = browser.new_context(
            base_url=live_server.url, accept_downloads=True, locale="en-US",
            viewport={"width": width, "height": 900 if width > 600 else 844},
        )
        context.set_default_timeout(TIMEOUT_MS)
        a11y.instrument(context)
        contexts.append(context)
        page = context.new_page()
        a11y.watch(page)
        return page

    yield open_page
    with contextlib.ExitStack() as closing:  # every context is closed, whatever fails
        for context in contexts:
            closing.callback(context.close)
        a11y.finish()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def check_accessibility(page: Page) -> None:
    """Check the page as it is now (with a menu open, after a change made by script…).
    Pages are checked on every load and HTMX swap anyway; violations are reported at
    teardown with the others."""
    _AUDIT_OF[page].check_now(page)


def fits(page: Page, width: int = 390) -> None:
    """The page as it is now does not scroll sideways at `width` px (the viewport is set to
    it). Measured once the page has loaded: before its stylesheet applies, a page is as wide
    as its unstyled content. (The harness checks on load and after each swap too; this
    checks a moment the test chooses, e.g. after resizing.)"""
    if page.viewport_size["width"] != width:
        page.set_viewport_size({"width": width, "height": 800})
    page.wait_for_load_state("load")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width} px ({scroll} px wide)"


def field(page: Page, label: str):
    """The form field with exactly this label (Django ends labels with a colon)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def login(page: Page, live_server, email: str, password: str) -> None:
    """Sign in through the login form, as a person would, and wait to be let in."""
    page.goto(f"{live_server.url}/accounts/login/")
    field(page, "Email address").fill(email)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def sign_out(page: Page) -> None:
    """Sign out with the header's button and wait until the sign-in page shows it is done."""
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
