"""The accessibility audit itself: it must catch a violation on every page a test visits,
even one left before it finished loading, and after an HTMX swap, and report CSP breaches.
Pages are served by Playwright (no server, no database), so this takes a second."""

import pytest
from playwright.sync_api import expect

from .conftest import TIMEOUT_MS, AccessibilityAudit

pytestmark = pytest.mark.browser

ORIGIN = "http://audit.test"
POLICY = "default-src 'self'; script-src 'self'; style-src 'self'"
PAGES = {
    # No lang, no alt: left the moment its link can be clicked.
    "/first": '<title>First</title><img src="/none.png"><a href="/second">Second</a>',
    # An inline style attribute (refused by the policy) and a button with no name.
    "/second": '<html lang="en"><title>Second</title><main><p style="color: red">Hi</p>'
               '<button></button><a href="/third">Third</a></main></html>',
    "/third": '<html lang="en"><title>Third</title><main><h1>Fine</h1>'
              '<a href="/first">Again</a></main></html>',
}


def serve(route):
    path = route.request.url.removeprefix(ORIGIN)
    if path in PAGES:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=PAGES[path],
                      headers={"Content-Security-Policy": POLICY})
    else:
        route.fulfill(status=404, content_type="text/plain", body="")


def test_every_page_is_checked_even_when_left_at_once(browser):
    audit = AccessibilityAudit()
    context = browser.new_context(base_url=ORIGIN)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", serve)  # before the audit's own route, which must run first
    audit.instrument(context)
    try:
        page = context.new_page()
        audit.watch(page)
        page.goto("/first", wait_until="commit")
        page.get_by_role("link", name="Second").click()
        expect(page).to_have_title("Second")
        page.get_by_role("link", name="Third").click()
        expect(page).to_have_title("Third")
        # Something an HTMX swap would bring in; the swap event queues a new check.
        page.evaluate("""() => {
            document.querySelector("main").insertAdjacentHTML("beforeend", '<img src="/x.png">');
            document.querySelector("main").dispatchEvent(
                new CustomEvent("htmx:afterSettle", {bubbles: true}));
        }""")
        page.get_by_role("link", name="Again").click()
        expect(page).to_have_title("First")
        audit.finish()
    finally:
        context.close()

    found = {(v.rule, v.url.removeprefix(ORIGIN)) for v in audit.violations.values()}
    assert {("html-has-lang", "/first"), ("image-alt", "/first"), ("button-name", "/second"),
            ("image-alt", "/third")} <= found
    assert not any(url == "/third" and rule != "image-alt" for rule, url in found)
    assert [u.removeprefix(ORIGIN) for u in audit.checked_urls] == [
        "/first", "/second", "/third", "/third", "/first"]
    assert set(audit.loaded_urls) == set(audit.checked_urls)
    [csp] = audit.problems  # and nothing else went wrong
    assert "Content-Security-Policy" in csp and "/second" in csp and "style-src" in csp
    report = audit.report()
    assert "[critical] image-alt" in report and "target: img" in report
