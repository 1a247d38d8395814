"""What every page must pass in the browser, wherever a test lands on it: axe-core finds
no serious or critical accessibility problem, and nothing scrolls sideways."""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
BLOCKING = ("serious", "critical")


def accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each
    with the rule, its help text and the first offending elements. (evaluate runs through
    the DevTools protocol, so our Content-Security-Policy does not stop the injection.)"""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {', '.join(v['nodes'])}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def sideways_overflow(page) -> str | None:
    """None, or what is wider than the window: a page must never scroll sideways (a wide
    table scrolls inside its own box instead)."""
    widths = page.evaluate(
        "() => ({page: document.documentElement.scrollWidth, window: window.innerWidth,"
        " widest: [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1"
        " && !e.closest('.table-wrap'))"
        ".slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')"
        " + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '')"
        " + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')})"
    )
    if widths["page"] > widths["window"]:
        return f"{widths['page']} px wide in a {widths['window']} px window: {widths['widest']}"
    # A box whose content spills out of it (a table wider than its column) overlaps
    # what is beside it even when the page itself does not scroll.
    spilled = page.evaluate(
        "() => [...document.querySelectorAll('main section, main article, main div, main form')]"
        ".filter(e => getComputedStyle(e).overflowX === 'visible'"
        " && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)"
        ".slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')"
        " + ' ' + e.scrollWidth + '>' + e.clientWidth)"
    )
    return f"content wider than its box: {spilled}" if spilled else None


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
