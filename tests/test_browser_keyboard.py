"""An agent who works from the keyboard: a skip link, a visible focus ring, Enter opens a
single search hit, and focus stays in the tab just opened."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, wait_for_htmx

pytestmark = pytest.mark.browser


def test_skip_link_focus_ring_and_enter_opens_the_only_hit(page, make_customer):
    make_customer(firstName="Other", lastName="Keyboardless")
    only = make_customer(firstName="Quincy", lastName="Keyboardson")
    browser_login(page, "agent")
    page.goto(f"/customers/{only.id}")  # (the search page puts focus in its search box)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.goto("/customers")
    search = page.get_by_role("searchbox")
    search.focus()
    search.press_sequentially("keyboard", delay=20)
    expect(page.locator("#results")).to_contain_text("2 customers found")
    wait_for_htmx(page)
    link = page.locator("#results a").first
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus that came from the keyboard
    outline = link.evaluate(
        "e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth"
    )
    assert outline.startswith("solid") and not outline.endswith(" 0px"), outline

    search.fill("")
    search.press_sequentially("quincy", delay=20)
    search.press("Enter")
    expect(page).to_have_url(re.compile(rf"/customers/{only.id}$"))


def test_opening_a_tab_keeps_the_keyboard_in_it_and_names_the_page(page, make_customer):
    customer = make_customer(firstName="Tabby", lastName="Keys")
    browser_login(page, "agent")
    page.goto(f"/customers/{customer.id}")
    notes = page.locator("nav.tabs").get_by_role("link", name="Notes")
    notes.focus()
    page.keyboard.press("Enter")
    heading = page.locator("#tab h2")
    expect(heading).to_have_text("Notes")
    expect(heading).to_be_focused()
    expect(page).to_have_title("Notes · Tabby Keys · Servicing")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#tab') !== null")

    page.goto(f"/customers/{customer.id}/edit")
    assert page.locator('[aria-describedby="None"]').count() == 0
    for described in page.locator("[aria-describedby]").all():
        target = described.get_attribute("aria-describedby")
        assert page.locator(f"#{target}").count() == 1, target
