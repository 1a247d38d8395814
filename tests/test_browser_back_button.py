"""The back button, with Chromium's back-forward cache off so the page comes back through
the HTTP cache: a URL that answers both a whole page and an htmx partial must never bring
back the bare partial."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, wait_for_htmx

pytestmark = pytest.mark.browser


def test_back_from_a_customer_to_the_search_results(page, make_customer):
    for n in range(3):
        make_customer(firstName="Backbutton", lastName=f"Person{n}", importId=f"BB-{n}")
    browser_login(page, "agent")
    page.get_by_role("searchbox").press_sequentially("backbutton", delay=20)
    expect(page).to_have_url(re.compile(r"q=backbutton"))
    expect(page.locator("#results")).to_contain_text("3 customers found")
    wait_for_htmx(page)
    page.get_by_role("link", name="Backbutton Person1").click()
    expect(page.locator("h1")).to_contain_text("Backbutton Person1")

    _back_to(page, r"q=backbutton")
    expect(page.locator("#results")).to_contain_text("3 customers found")


def test_back_from_edit_all_details_to_a_tab(page, make_customer):
    customer = make_customer(firstName="Tabback", lastName="Person")
    browser_login(page, "agent")
    page.goto(f"/customers/{customer.id}")
    page.locator("nav.tabs").get_by_role("link", name="Phones").click()
    expect(page).to_have_url(re.compile(rf"/customers/{customer.id}/phones$"))
    wait_for_htmx(page)
    page.get_by_role("button", name="Edit all details").click()
    expect(page.locator("h1")).to_contain_text("Edit")

    _back_to(page, rf"/customers/{customer.id}/phones$")
    expect(page.locator("#tab h2")).to_have_text("Phones")
    expect(page).to_have_title(re.compile(r"^Phones · Tabback Person"))


def _back_to(page, url: str):
    """Back to `url`, as a whole page: styled, with the top bar, not a fragment the
    browser kept from an htmx swap."""
    page.go_back()
    expect(page).to_have_url(re.compile(url))
    expect(page.locator("header.topbar")).to_be_visible()
    assert page.evaluate("() => document.styleSheets.length") >= 2
