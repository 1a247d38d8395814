"""The agent's day and the role wall, in headless Debian Chromium."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_agent_adds_finds_opens_and_edits_a_customer(page, statuses, make_customer):
    make_customer(firstName="Other", lastName="Person", importId="X-1")
    browser_login(page, "agent")
    page.get_by_role("button", name="Add customer").click()

    page.get_by_label("First name").fill("Margaret")
    page.get_by_label("Last name").fill("thistlewood")
    page.get_by_label("Gender").select_option("female")
    page.get_by_label("Date of birth").fill("1979-04-12")
    page.get_by_label("SSN / SIN").fill("123-45-6789")
    page.get_by_label("Primary phone", exact=True).fill("801-555-0147")
    page.get_by_label("Primary phone type").select_option("cell")
    page.get_by_label("Street address", exact=True).fill("12 Canyon Rd")
    page.get_by_label("City", exact=True).fill("Provo")
    page.get_by_label("State / province", exact=True).fill("ut")
    page.get_by_label("ZIP / postal code", exact=True).fill("8460")  # one digit short
    page.get_by_role("button", name="Add customer").click()

    # The error stands beside the field, and what was typed is still there.
    expect(page.locator("#section-contact small.error")).to_contain_text("Not a postal code")
    expect(page.get_by_label("First name")).to_have_value("Margaret")
    expect(page.get_by_label("SSN / SIN")).to_have_value("123-45-6789")
    shot(page, "customer-form-error")
    page.get_by_label("ZIP / postal code", exact=True).fill("84601")
    page.get_by_role("button", name="Add customer").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Margaret Thistlewood")
    expect(page.locator("main")).to_contain_text("•••-••-6789")
    expect(page.locator("main")).not_to_contain_text("123-45-6789")

    page.get_by_role("link", name="Customers").click()
    page.get_by_role("searchbox").press_sequentially("thistle", delay=30)
    results = page.locator("#results")
    expect(results).to_contain_text("1 customer found")
    expect(page).to_have_url(re.compile(r"q=thistle"))
    shot(page, "customer-manager-search")
    results.get_by_role("link", name="Margaret Thistlewood").click()

    page.get_by_role("button", name="Edit all details").click()
    page.get_by_label("Primary phone", exact=True).fill("(385) 555-0199")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_contain_text("1 field changed")
    expect(page.locator("main")).to_contain_text("(385) 555-0199")
    shot(page, "customer-detail")
    summary_url = page.url
    page.get_by_role("navigation", name="Customer sections").get_by_role(
        "link", name="History", exact=True
    ).click()
    history = page.locator("table.history")
    expect(history).to_contain_text("Primary phone")
    expect(history).to_contain_text("(801) 555-0147")
    expect(history).to_contain_text("(385) 555-0199")
    expect(page).to_have_url(re.compile(r"/customers/\d+/history$"))
    shot(page, "customer-history")
    page.go_back()
    expect(page).to_have_url(summary_url)
    expect(page.locator("#tab")).to_contain_text("General information")


def test_statuses_page_is_for_managers_not_agents(page, statuses, browser):
    browser_login(page, "agent")
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)
    response = page.goto("/settings/statuses")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("Your role does not open this page")

    page.get_by_role("button", name="Sign out").click()
    browser_login(page, "manager")
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Customer statuses")).to_be_visible()
    page.get_by_label("New status name").fill("SCRA")
    page.get_by_role("button", name="Add status").click()
    expect(page.locator("#statuses .flash")).to_contain_text("Added “SCRA”")
    scra_row = page.locator("tbody tr", has=page.locator("input[value='SCRA']"))
    scra_row.get_by_role("button", name="Make default").click()
    expect(page.locator("#statuses .flash")).to_contain_text("“SCRA” is now the default")
    expect(scra_row.locator(".badge.good")).to_have_text("Default")
    expect(page.locator(".badge.good")).to_have_count(1)
    shot(page, "statuses")
