"""An admin's import, in headless Debian Chromium with a real RQ worker behind it."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, verify_then_import
from tests.importfiles import csv_bytes, row
from tests.test_browser_customers import shot

pytestmark = pytest.mark.browser


def test_admin_uploads_verifies_imports_and_finds_the_customer(
    page, statuses, tmp_path, small_chunks, live_worker
):
    rows = [
        row(importId=f"B{n}", firstName="Imported", lastName=f"Person{n:03d}", ssn=f"{n:09d}")
        for n in range(1, 301)
    ]
    rows[9]["priState"] = "New York"  # line 11
    rows[19]["birthday"] = "1985-13-45"  # line 21
    path = Path(tmp_path) / "customers.csv"
    path.write_bytes(csv_bytes(rows))

    browser_login(page, "admin")
    page.locator("header.topbar").get_by_role("link", name="Imports").click()
    page.get_by_label("Customer file").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".progress-box")).to_contain_text("Ready")
    expect(page.locator(".subhead")).to_contain_text("comma-separated")

    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".counts")).to_contain_text("298", timeout=30_000)
    problems = page.locator("table.problems")
    expect(problems.locator("tr", has_text="priState")).to_contain_text("11")
    expect(problems.locator("tr", has_text="New York")).to_contain_text("two-letter")
    expect(problems.locator("tr", has_text="birthday")).to_contain_text("21")
    shot(page, "import-verified")

    page.get_by_role("button", name="Import 298 rows").click()
    bar = page.locator("#progress progress")
    expect(page.locator("#progress")).to_contain_text("Imported", timeout=60_000)
    expect(page.locator("#progress")).to_contain_text("(100%)")
    assert bar.get_attribute("value") == bar.get_attribute("max")
    expect(page.locator(".counts")).to_contain_text("298")
    shot(page, "import-done")

    page.get_by_role("link", name="Customers").click()
    page.get_by_role("searchbox").press_sequentially("person150", delay=20)
    expect(page.locator("#results")).to_contain_text("1 customer found")
    expect(page.locator("#results")).to_contain_text("Imported Person150")


def test_admin_cancels_an_import_then_retries_it_and_every_row_is_in_once(
    page, statuses, tmp_path, small_chunks, live_worker
):
    rows = [row(importId=f"C{n}", email=f"c{n}@example.com") for n in range(1, 1501)]
    path = Path(tmp_path) / "book.csv"
    path.write_bytes(csv_bytes(rows))
    browser_login(page, "admin")
    verify_then_import(page, path, 1500)
    expect(page.locator("#progress")).to_contain_text("Importing", timeout=30_000)

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Stopping once the rows each worker has in hand")).to_be_visible()
    retry = page.get_by_role("button", name="Retry: import the rows not yet committed")
    expect(retry).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Cancelled: the rows committed before the cancel stay")).to_be_visible()
    expect(page.locator("#progress")).to_be_hidden()  # a stopped pass has no progress to show
    shot(page, "import-cancelled")

    retry.click()
    expect(page.locator("#progress")).to_contain_text("Imported", timeout=90_000)
    expect(page.locator(".counts")).to_contain_text("1,500")
    page.get_by_role("link", name="Customers").click()
    page.get_by_role("searchbox").press_sequentially("c1499@example.com", delay=20)
    expect(page.locator("#results")).to_contain_text("1 customer found")
