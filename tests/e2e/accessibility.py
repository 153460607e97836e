"""axe-core run inside a page in Chromium: the violations a test fails on, and how they print.

The engine is the axe.min.js that the pinned PyPI package `axe-playwright-python` ships (axe-core
4.12.1, MPL-2.0, Deque Systems; the wrapper is MIT). It is read from the installed package and
evaluated in the page, so a test run fetches nothing: `make test` installs it with the dev extras.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from playwright.sync_api import Page

# The impacts a test fails on: axe also reports "moderate" and "minor" ones.
FAILING = frozenset({"critical", "serious"})
# The rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def axe_source() -> str:
    return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now, critical and serious only."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    return [v for v in results["violations"] if v.get("impact") in FAILING]


def report(where: str, found: list[dict[str, Any]]) -> str:
    """The violations, one per line with the elements they concern, for a failing assertion."""
    lines = []
    for violation in found:
        lines.append(f"{where}: [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def wider_than_the_screen(page: Page) -> list[str]:
    """The elements whose right edge lies beyond the viewport (none, when the page fits)."""
    found: list[str] = page.evaluate(
        """() => {
          const width = window.innerWidth;
          const out = [];
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.width === 0 && box.height === 0) continue;
            let clipped = false;
            for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
              const style = getComputedStyle(p);
              if (!['visible', 'clip'].includes(style.overflowX)) { clipped = true; break; }
            }
            if (!clipped && box.right > width + 0.5) {
              const name = typeof el.className === 'string' ? el.className : '';
              out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (name ? '.' + name.split(' ').join('.') : '') + ' ' + Math.round(box.right));
            }
          }
          return out.slice(0, 10);
        }"""
    )
    return found
