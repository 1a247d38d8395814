"""Two people, two signed-in browsers, one customer: the second save is refused, nothing
of the first is lost, and what the second person typed is still on their screen."""

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, wait_for_htmx
from tests.test_browser_customers import shot
from webapp.models import Customer

pytestmark = pytest.mark.browser


def edit_tab(page, customer_id: int, tab: str):
    page.goto(f"/customers/{customer_id}/{tab}")
    page.locator("#tab").get_by_role("button", name="Edit").click()
    wait_for_htmx(page)


def test_full_edit_after_a_tab_edit_is_refused_and_keeps_the_typed_values(
    page, second_page, make_customer, statuses
):
    customer = make_customer(firstName="Nadia", lastName="Park", email="nadia@example.com")
    browser_login(page, "manager")
    browser_login(second_page, "agent")
    # The agent opens the whole form first; the manager then changes the status in place.
    second_page.goto(f"/customers/{customer.id}/edit")
    second_page.get_by_label("Middle name").fill("Jo")
    edit_tab(page, customer.id, "summary")
    page.get_by_label("Status").select_option(label="Bankruptcy")
    page.get_by_role("button", name="Save").click()
    # Saved: the tab says so and the head's badge shows the status. (Not "Bankruptcy" in
    # the tab: until the answer is swapped in, the form's status options contain it.)
    expect(page.locator("#tab")).to_contain_text("Saved")
    expect(page.locator("#customer-subhead")).to_contain_text("Bankruptcy")
    second_page.get_by_role("button", name="Save changes").click()
    alert = second_page.locator(".conflict")
    expect(alert).to_contain_text("someone else changed this customer")
    expect(alert).to_contain_text("Bankruptcy")
    expect(second_page.get_by_label("Middle name")).to_have_value("Jo")
    expect(second_page.locator(".now-saved")).to_contain_text("Bankruptcy")
    shot(second_page, "conflict-full-edit")
    stored = Customer.get_by_id(customer.id)
    assert stored.status_id == statuses["Bankruptcy"].id and stored.middle_name is None
    # Having seen it, the agent keeps the manager's status and saves the middle name.
    second_page.locator(".now-saved button").click()
    second_page.get_by_role("button", name="Save changes").click()
    expect(second_page.locator("#customer-head h1")).to_contain_text("Nadia Jo Park")
    stored = Customer.get_by_id(customer.id)
    assert (stored.status_id, stored.middle_name) == (statuses["Bankruptcy"].id, "Jo")


def test_tab_against_tab_the_second_save_is_refused(page, second_page, make_customer, statuses):
    customer = make_customer(firstName="Omar", lastName="Reyes", email="omar@example.com")
    browser_login(page, "manager")
    browser_login(second_page, "agent")
    edit_tab(second_page, customer.id, "contact")  # opened first, saved last
    second_page.get_by_label("Email", exact=True).fill("omar.reyes@example.com")
    edit_tab(page, customer.id, "contact")
    page.get_by_label("Email", exact=True).fill("o.reyes@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#tab")).to_contain_text("o.reyes@example.com")
    second_page.get_by_role("button", name="Save").click()
    expect(second_page.locator("#tab .conflict")).to_contain_text("Email")
    expect(second_page.get_by_label("Email", exact=True)).to_have_value("omar.reyes@example.com")
    expect(second_page.locator("#tab .now-saved")).to_contain_text("o.reyes@example.com")
    shot(second_page, "conflict-tab-edit")
    assert Customer.get_by_id(customer.id).email == "o.reyes@example.com"


def test_adding_a_possible_duplicate_asks_and_saves_once_confirmed(page, make_customer):
    existing = make_customer(firstName="Lena", lastName="Hart", email="lena@example.com")
    browser_login(page, "agent")
    page.goto("/customers/new")
    page.get_by_label("First name").fill("Lena")
    page.get_by_label("Last name").fill("Hart-Vale")
    page.get_by_label("Gender").select_option("female")
    page.get_by_label("Date of birth").fill("1991-06-01")
    page.get_by_label("Email", exact=True).fill("lena@example.com")
    page.get_by_label("Primary phone", exact=True).fill("801-555-0177")
    page.get_by_label("Primary phone type").select_option("cell")
    page.get_by_label("Street address", exact=True).fill("4 Ridge Rd")
    page.get_by_label("City", exact=True).fill("Provo")
    page.get_by_label("State / province", exact=True).fill("UT")
    page.get_by_label("ZIP / postal code", exact=True).fill("84601")
    page.get_by_role("button", name="Add customer").click()
    box = page.locator("#possible-duplicates")
    expect(box).to_contain_text("the same email")
    expect(box.get_by_role("link")).to_have_text(f"#{existing.id} Lena Hart")
    expect(page.get_by_label("Last name")).to_have_value("Hart-Vale")
    shot(page, "possible-duplicate")
    assert Customer.select().count() == 1
    box.get_by_label("I have checked: this is not the same customer. Save anyway.").check()
    page.get_by_role("button", name="Add customer").click()
    expect(page.locator("#customer-head h1")).to_contain_text("Lena Hart-Vale")
    assert Customer.select().count() == 2
