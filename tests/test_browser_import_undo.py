"""After an import, in headless Debian Chromium with a real RQ worker: an admin undoes it
while an agent, at another browser, has edited one of its customers in between (that one
is left alone and listed); and the rows an import refused are fixed and uploaded again,
linked to it."""

import csv
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, upload_and_verify
from tests.importfiles import csv_bytes, row
from tests.test_browser_customers import shot
from webapp.models import Customer, ImportJob

pytestmark = pytest.mark.browser


def import_file(page, path: Path, rows_to_import: int) -> None:
    upload_and_verify(page, path)
    page.get_by_role("button", name=f"Import {rows_to_import} rows").click(timeout=30_000)
    expect(page.locator("#progress")).to_contain_text("Imported", timeout=60_000)


def test_undo_leaves_the_customer_an_agent_edited_since_and_lists_it(
    page, second_page, make_customer, tmp_path, live_worker
):
    stored = [make_customer(importId=f"U{n}", email=f"u{n}@example.com") for n in range(5)]
    rows = [
        {"action": "update", "customerId": f"U{n}", "email": f"changed{n}@example.com"}
        for n in range(5)
    ] + [row(importId="ADDED1"), row(importId="ADDED2")]
    path = Path(tmp_path) / "updates.csv"
    path.write_bytes(csv_bytes(rows))
    browser_login(page, "admin")
    import_file(page, path, 7)
    expect(page.locator(".counts")).to_contain_text("added")

    # In between, an agent changes one of the customers the import updated.
    browser_login(second_page, "agent")
    second_page.goto(f"/customers/{stored[2].id}/edit")
    second_page.get_by_label("Middle name").fill("Agentson")
    second_page.get_by_role("button", name="Save changes").click()
    expect(second_page.locator("#customer-head h1")).to_contain_text("Agentson")

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Undo import").click()
    expect(page.locator("#progress")).to_contain_text("Undone", timeout=60_000)
    assert "deletes the 2 customers it added" in questions[0]
    assert "gives the 5 customers it updated" in questions[0]
    assert "removals cannot be undone; this import removed no one" in questions[0].lower()
    counts = page.locator(".counts").last
    expect(counts).to_contain_text("added customers deleted again")
    left = page.locator("#problems")
    expect(left).to_contain_text("Customers the undo left as they are (1)")
    expect(left.locator("tbody tr")).to_contain_text(str(stored[2].id))
    expect(left.locator("tbody tr")).to_contain_text("Test agent")
    shot(page, "import-undone")

    for n, customer in enumerate(stored):
        email = Customer.get_by_id(customer.id).email
        assert email == (f"changed{n}@example.com" if n == 2 else f"u{n}@example.com"), n
    assert Customer.get_by_id(stored[2].id).middle_name == "Agentson"
    assert not Customer.select().where(Customer.import_id.startswith("ADDED")).exists()
    expect(page.get_by_role("button", name="Undo import")).to_have_count(0)


def test_refused_rows_fixed_and_uploaded_again_are_linked_to_their_import(
    page, statuses, tmp_path, live_worker
):
    rows = [row(importId=f"R{n}", lastName=f"Fixer{n}") for n in range(6)]
    rows[1]["priState"] = "New York"  # line 3
    rows[4]["birthday"] = "1985-13-45"  # line 6
    path = Path(tmp_path) / "first.csv"
    path.write_bytes(csv_bytes(rows))
    browser_login(page, "admin")
    import_file(page, path, 4)
    first = ImportJob.select().order_by(ImportJob.id.desc()).get()

    section = page.locator("section.reimport")
    expect(section).to_contain_text("Fix and re-import the refused rows")
    with page.expect_download() as download:
        section.get_by_role("link", name="Download the 2 refused rows").click()
    with open(download.value.path(), newline="", encoding="utf-8") as handle:
        refused = list(csv.DictReader(handle))
    assert [r["importId"] for r in refused] == ["R1", "R4"]
    assert "two-letter" in refused[0]["errors"]
    refused[0]["priState"], refused[1]["birthday"] = "NY", "1985-02-03"
    fixed = Path(tmp_path) / "fixed.csv"
    with open(fixed, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(refused[0]))
        writer.writeheader()
        writer.writerows(refused)

    section.get_by_label("Fixed file").set_input_files(str(fixed))
    section.get_by_role("button", name="Upload the fixed rows").click()
    expect(page.locator("main")).to_contain_text(f"The fixed rows of import #{first.id}")
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("button", name="Import 2 rows").click(timeout=30_000)
    expect(page.locator("#progress")).to_contain_text("Imported", timeout=60_000)
    second = ImportJob.select().order_by(ImportJob.id.desc()).get()
    assert (second.retry_of_id, second.added, second.failed) == (first.id, 2, 0)
    assert Customer.select().where(Customer.import_id.startswith("R")).count() == 6

    page.goto(f"/imports/{first.id}")
    expect(page.locator("main")).to_contain_text(f"uploaded again as import #{second.id}")
    page.goto("/imports")
    history = page.locator("#history")
    expect(history.locator("tr", has_text="first.csv")).to_contain_text(
        f"refused rows fixed in #{second.id}"
    )
    expect(history.locator("tr", has_text="fixed.csv")).to_contain_text(
        f"fixed rows of #{first.id}"
    )
    shot(page, "import-reimported")
