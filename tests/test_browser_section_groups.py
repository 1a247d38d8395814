"""What an agent (and a manager) does in each group of the customer page, in Debian
Chromium, with a screenshot of every tab into artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, tiny_png, wait_for_htmx
from tests.test_browser_customers import shot
from tests.test_browser_sections import open_tab
from webapp.models import DocumentSection, PaymentProfile
from webapp.services import ofac

pytestmark = pytest.mark.browser
PNG = tiny_png()


def test_contact_group_edit_in_place_photo_and_social_profile(page, make_customer):
    customer = make_customer(firstName="Clara", lastName="Moss", email="clara@example.com")
    browser_login(page, "agent")
    page.goto(f"/customers/{customer.id}/contact")
    page.locator("#tab").get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Email", exact=True)).to_be_visible()
    page.get_by_label("Email", exact=True).fill("not-an-email")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#tab [role=alert]")).to_contain_text("Nothing was saved")
    expect(page.get_by_label("Email", exact=True)).to_have_value("not-an-email")
    page.get_by_label("Email", exact=True).fill("clara.moss@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#tab")).to_contain_text("clara.moss@example.com")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.id}/contact$"))
    wait_for_htmx(page)

    page.get_by_label("Network").select_option("linkedin")
    page.get_by_label("Profile link or handle").fill("https://www.linkedin.com/in/claramoss")
    page.get_by_role("button", name="Add profile").click()
    expect(page.locator("#social-profiles a")).to_have_text("https://www.linkedin.com/in/claramoss")
    wait_for_htmx(page)
    shot(page, "tab-contact")

    open_tab(page, "Summary")
    page.locator("#photo-file").set_input_files(
        {"name": "clara.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_alt_text("Photo of Clara Moss")).to_be_visible()
    wait_for_htmx(page)
    page.locator("#tab").get_by_role("button", name="Edit").click()
    page.get_by_label("First name", exact=True).fill("Clarissa")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#customer-head h1")).to_contain_text("Clarissa Moss")
    wait_for_htmx(page)
    shot(page, "tab-summary-edited")


def test_employer_group_edit_in_place_with_its_history(page, make_customer):
    customer = make_customer(firstName="Eli", lastName="Stone")
    browser_login(page, "agent")
    page.goto(f"/customers/{customer.id}/employer")
    page.locator("#tab").get_by_role("button", name="Edit").click()
    page.get_by_label("Employer", exact=True).fill("Stone Quarry Co")
    page.get_by_label("Income", exact=True).fill("4200")
    page.get_by_role("button", name="Save employer").click()
    expect(page.locator("#tab [role=alert]")).to_contain_text("Nothing was saved")
    expect(page.get_by_label("Employer", exact=True)).to_have_value("Stone Quarry Co")
    page.get_by_label("Income frequency").select_option("monthly")
    page.get_by_role("button", name="Save employer").click()
    expect(page.locator("table.history")).to_contain_text("Stone Quarry Co")
    wait_for_htmx(page)
    shot(page, "tab-employer")


def test_documents_group_upload_and_make_inactive(page, make_customer):
    customer = make_customer(firstName="Dora", lastName="Vale")
    DocumentSection.create(title="Income")
    browser_login(page, "agent")
    page.goto(f"/customers/{customer.id}/documents")
    page.get_by_label("Name", exact=True).fill("Bank statement")
    page.get_by_label("Section", exact=True).select_option(label="Income")
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "statement.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n"}
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#tab")).to_contain_text("Bank statement")
    wait_for_htmx(page)
    page.get_by_role("button", name="Make inactive").click()
    expect(page.get_by_role("button", name="Make active")).to_be_visible()
    wait_for_htmx(page)
    shot(page, "tab-documents")


def test_payment_profiles_group_add_card_and_deactivate(page, make_customer):
    customer = make_customer(firstName="Paul", lastName="Cash")
    browser_login(page, "agent")
    page.goto(f"/customers/{customer.id}/payments")
    page.get_by_text("Add a card").click()
    page.get_by_label("Card number").fill("4111 1111 1111 1112")  # fails the Luhn check
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Name on card").fill("Paul Cash")
    page.get_by_role("button", name="Add card").click()
    # The refusal itself, not the word "number" the form showed before the swap: typing
    # into the old form while the answer is on its way loses what was typed.
    expect(page.locator("#tab")).to_contain_text("its check digit does not match")
    wait_for_htmx(page)
    expect(page.get_by_label("Name on card")).to_have_value("Paul Cash")
    page.get_by_label("Card number").fill("4111 1111 1111 1111")
    page.get_by_role("button", name="Add card").click()
    expect(page.locator("table.profiles")).to_contain_text("Visa ending 1111")
    wait_for_htmx(page)
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("button", name="Reactivate")).to_be_visible()
    assert PaymentProfile.get().last4 == "1111"
    wait_for_htmx(page)
    shot(page, "tab-payments")


def test_tools_group_ofac_check_and_privacy_export(page, make_customer, browser):
    ofac.load_sdn_file(ofac.SAMPLE_FILE.read_bytes())
    customer = make_customer(firstName="Anna", lastName="Petrenko")
    browser_login(page, "manager")
    page.goto(f"/customers/{customer.id}/tools")
    page.get_by_role("button", name="Run OFAC check").click()
    expect(page.locator("#ofac [role=alert]")).to_contain_text("PETRENKO, Anna Viktorovna")
    wait_for_htmx(page)
    shot(page, "tab-tools")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export personal data (JSON)").click()
    assert download.value.suggested_filename == f"customer-{customer.id}-personal-data.json"
    page.reload()
    expect(page.locator("table.history")).to_contain_text("Personal data exported")
    expect(page.locator("table.history")).to_contain_text("OFAC check")


def test_remaining_tabs_render_by_click(page, make_customer):
    """Additional information and Communication history, so every tab has its picture."""
    from webapp.services import communications

    customer = make_customer(firstName="Tia", lastName="Reyes")
    communications.record(customer, "sms", "Your payment is due Friday.")
    browser_login(page, "agent")
    page.goto(f"/customers/{customer.id}")
    open_tab(page, "Additional information")
    expect(page.locator("#tab")).to_contain_text("No custom fields are defined")
    shot(page, "tab-additional")
    open_tab(page, "Communication history")
    expect(page.locator("#tab")).to_contain_text("Your payment is due Friday.")
    shot(page, "tab-communications")
