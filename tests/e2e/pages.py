"""What the page-type browser tests share: the page types, a logged-in browser context without the log-in
form, axe-core (vendored in static/vendor/axe-core/) and the screenshot folder.

Screenshots go to ``$SCREENSHOT_DIR`` (default ``var/screenshots``; ``.ci/run`` keeps it as an artefact, and
``var/`` is not committed), one file per page type and width: ``<page type>-<width>.png``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tests.e2e.conftest import TIMEOUT_MS

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.2 A and AA, and axe's best practices (which report the landmarks and the page's heading).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}
WIDE, PHONE, SMALL_PHONE = (1440, 900), (390, 844), (360, 740)


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class PageType:
    """One kind of page: its name (the screenshot's), its address (``str.format`` fields from the test's
    data) and who opens it ("dispatcher", "admin", "viewer" or None for an anonymous visitor)."""

    name: str
    path: str
    who: str | None = "dispatcher"
    # Problems found in templates another engineer owns, each (part of the problem's text, the template and
    # what it needs): reported and expected to fail until that template changes; any other problem fails.
    known: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return self.name


def logged_in(new_context, live, user, **options):
    """A browser context with ``user``'s session (None: anonymous), straight from the server's session store
    rather than through the log-in form."""
    from django.test import Client

    context = new_context(**options)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live.url}])
    return context


def open_page(context, url: str):
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    response = page.goto(url, wait_until="load")
    return page, response


def axe_violations(page) -> list[dict]:
    """axe-core's violations of the page as it is now: id, impact, help and the first few elements."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + " :: " + (n.failureSummary || "").split("\\n").slice(0, 2).join(" ")),
            }));
        }""",
        AXE_TAGS,
    )


def failing(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


def sideways_overflow(page) -> dict:
    """How far the page scrolls sideways (0 when it does not), and the elements that stick out of the
    screen without a scrolling box of their own around them (to say what to fix)."""
    return page.evaluate(
        """() => {
            const doc = document.documentElement;
            const width = doc.clientWidth;
            const scrolls = (el) => {
                for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                    const s = getComputedStyle(p);
                    if (["auto", "scroll", "hidden", "clip"].includes(s.overflowX)) return true;
                }
                return false;
            };
            const out = [];
            for (const el of document.body.querySelectorAll("*")) {
                const r = el.getBoundingClientRect();
                if (r.width && r.right > width + 1 && !scrolls(el)) {
                    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                        (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
                    out.push(name + " right=" + Math.round(r.right));
                }
            }
            return {overflow: doc.scrollWidth - width, offenders: out.slice(0, 8)};
        }"""
    )
