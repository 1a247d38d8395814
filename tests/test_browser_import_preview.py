"""An admin previews what an update file will change before importing it, in headless
Debian Chromium with a real RQ worker: old and new values side by side (an SSN masked),
filtered by field, a page at a time; after the import the same table says what was
applied, and a customer an agent changed in between is left alone and named."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, upload_and_verify, wait_for_htmx
from tests.importfiles import csv_bytes
from tests.test_browser_customers import shot
from webapp.models import Customer
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record
from webapp.services.customers import update_customer

pytestmark = pytest.mark.browser


def test_preview_of_an_update_file_then_the_import_applies_it(
    page, make_customer, tmp_path, live_worker
):
    customers = [
        make_customer(importId=f"P{n}", email=f"p{n}@example.com", middleName="") for n in range(30)
    ]
    rows = [
        {"action": "update", "customerId": f"P{n}", "email": f"new{n}@example.com"}
        for n in range(30)
    ]
    rows[3]["ssn"] = "987654321"  # line 5 also changes the SSN: masked in the preview
    rows[7]["middleName"] = "Quincy"  # line 9 also changes the middle name
    path = Path(tmp_path) / "updates.csv"
    path.write_bytes(csv_bytes(rows))

    browser_login(page, "admin")
    upload_and_verify(page, path)
    preview = page.locator("#preview")
    expect(preview).to_contain_text("What the updates change", timeout=30_000)
    expect(preview).to_contain_text("(30 rows)")
    first = preview.locator("tbody tr", has_text="p0@example.com")
    expect(first).to_contain_text("new0@example.com")
    ssn = preview.locator("tbody tr", has_text="SSN")
    expect(ssn).to_contain_text("4321")
    expect(ssn).not_to_contain_text("987654321")
    assert "987654321" not in page.content()
    shot(page, "import-preview")

    preview.get_by_role("link", name="Next rows →").click()
    wait_for_htmx(page)
    expect(preview).to_contain_text("new29@example.com")
    expect(preview).not_to_contain_text("new0@example.com")

    preview.get_by_label("Show rows that change").select_option(label="Middle name")
    wait_for_htmx(page)
    expect(preview).to_contain_text("(1 row changing Middle name)")
    expect(preview.locator("tbody tr")).to_have_count(1)
    expect(preview.locator("tbody")).to_contain_text("Quincy")
    expect(preview.locator(".pager")).to_have_text("Line 9")
    csv_link = preview.get_by_role("button", name="Download as CSV")
    with page.expect_download() as download:
        csv_link.click()
    text = Path(download.value.path()).read_text()
    assert "Quincy" in text and "new0@example.com" not in text

    # An agent saves customer P2 between the verify and the import.
    edited = Customer.get_by_id(customers[2].id)
    update_customer(
        edited, {**read_record(edited), "middleName": "Agent"}, Actor.system("agent desk")
    )
    page.get_by_role("button", name="Import 30 rows").click()
    expect(page.locator("#progress")).to_contain_text("Imported", timeout=60_000)
    expect(page.locator(".counts")).to_contain_text("29")
    line_4 = page.locator("#preview tbody tr", has_text="p2@example.com")
    expect(line_4).to_contain_text("Not applied: changed since verify")
    expect(page.locator("#preview tbody tr", has_text="p1@example.com")).to_contain_text("Applied")
    expect(page.locator("table.problems")).to_contain_text("changed by agent desk")
    shot(page, "import-preview-done")
    assert Customer.get_by_id(customers[2].id).email == "p2@example.com"
    assert Customer.get_by_id(customers[1].id).email == "new1@example.com"
