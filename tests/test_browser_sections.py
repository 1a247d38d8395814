"""An agent working through the customer page's sections in Debian Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, wait_for_htmx
from tests.test_browser_customers import shot
from webapp.models import CustomerLoan, Loan, NoteCategory

pytestmark = pytest.mark.browser


def open_tab(page, name):
    page.get_by_role("navigation", name="Customer sections").get_by_role(
        "link", name=name, exact=True
    ).click()
    expect(page.locator("#tab h2")).to_contain_text(name.split(" ")[0])
    wait_for_htmx(page)


def test_agent_works_phones_notes_references_links_and_reads_history(page, make_customer):
    customer = make_customer(importId="WALK-1", firstName="Walter", lastName="Pike")
    partner = make_customer(importId="WALK-2", firstName="Wendy", lastName="Pike")
    loan = Loan.create(display_id="LN-2040", days_past_due=31)
    CustomerLoan.create(customer=customer, loan=loan, role="secondary")
    CustomerLoan.create(customer=partner, loan=loan, role="primary")
    NoteCategory.create(title="Collections")

    browser_login(page, "agent")
    page.goto(f"/customers/{customer.id}")
    expect(page.locator("#tab")).to_contain_text("General information")
    shot(page, "tab-summary")

    open_tab(page, "Phones")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.id}/phones$"))
    page.get_by_label("New phone number").fill("385-555-0142")
    page.get_by_label("New phone type").select_option("home")
    page.get_by_role("button", name="Add phone").click()
    row = page.locator("tr", has_text="(385) 555-0142")
    expect(row).to_be_visible()
    wait_for_htmx(page)
    # The button names what it will do, and asks first; the cell then shows the state.
    expect(row).to_contain_text("Calls allowed")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Mark do not call · (385) 555-0142").click()
    row = page.locator("tr", has_text="(385) 555-0142")
    expect(row.get_by_role("button", name="Allow calls · (385) 555-0142")).to_be_visible()
    expect(row.locator(".badge.bad")).to_have_text("Do not call")
    assert dialogs == ["Mark (385) 555-0142 do not call?"]
    shot(page, "tab-phones")

    open_tab(page, "Notes")
    page.get_by_label("Title", exact=True).fill("Promise to pay")
    page.get_by_label("Category", exact=True).select_option(label="Collections")
    page.get_by_label("Note", exact=True).fill("Will pay $120 on Friday.")
    page.get_by_role("button", name="Save note").click()
    expect(page.locator("article.note")).to_contain_text("Will pay $120 on Friday.")
    wait_for_htmx(page)
    shot(page, "tab-notes")

    open_tab(page, "References")
    page.get_by_text("Add a reference").click()
    page.get_by_label("Name", exact=True).fill("Rita Pike")
    page.get_by_label("Relationship").fill("Mother")
    page.get_by_label("Phone", exact=True).fill("801-555-0199")
    page.get_by_role("button", name="Add reference").click()
    expect(page.locator("article.reference")).to_contain_text("Rita Pike")
    wait_for_htmx(page)
    shot(page, "tab-references")

    open_tab(page, "Links & Access")
    with page.expect_response(re.compile(r"/links/\d+/role$")):
        page.get_by_label("Role on LN-2040").select_option("primary")
    expect(page.get_by_label("Role on LN-2040")).to_have_value("primary")
    assert CustomerLoan.get(CustomerLoan.customer == partner).role == "secondary"
    shot(page, "tab-links")

    open_tab(page, "History")
    history = page.locator("table.history")
    for words in (
        "Do not call · (385) 555-0142",
        "Note added",
        "Reference added",
        "Role · LN-2040",
    ):
        expect(history).to_contain_text(words)
    shot(page, "tab-history")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/links$"))
    expect(page.locator("#tab h2")).to_contain_text("Links")


def test_zip_code_fills_city_and_state_in_the_customer_form(page, statuses):
    browser_login(page, "agent")
    page.goto("/customers/new")
    page.get_by_label("ZIP / postal code", exact=True).fill("84601")
    page.get_by_label("ZIP / postal code", exact=True).blur()
    expect(page.get_by_label("City", exact=True)).to_have_value("Provo")
    expect(page.get_by_label("State / province", exact=True)).to_have_value("UT")
    page.get_by_label("City", exact=True).fill("Orem")  # typed by a person: kept
    page.get_by_label("ZIP / postal code", exact=True).fill("84003")  # American Fork
    page.get_by_label("ZIP / postal code", exact=True).blur()
    expect(page.get_by_label("State / province", exact=True)).to_have_value("UT")
    expect(page.get_by_label("City", exact=True)).to_have_value("Orem")
