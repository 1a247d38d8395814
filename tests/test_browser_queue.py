"""The admins' queue page in Debian Chromium while a real worker imports a file."""

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, verify_then_import
from tests.importfiles import csv_bytes, row
from tests.test_browser_customers import shot

pytestmark = pytest.mark.browser


def test_queue_page_follows_a_running_import(page, statuses, tmp_path, small_chunks, live_worker):
    rows = [
        row(importId=f"QP{n}", lastName=f"Queued{n:04d}", ssn=f"{n:09d}") for n in range(1, 1501)
    ]
    path = Path(tmp_path) / "big-file.csv"
    path.write_bytes(csv_bytes(rows))

    browser_login(page, "admin")
    verify_then_import(page, path, 1500)

    page.get_by_role("link", name="Queue").click()
    running = page.locator('section[aria-labelledby="jobs-imports"] tr.job-started')
    expect(running).to_contain_text("big-file.csv", timeout=15_000)
    expect(running.locator("progress")).to_be_visible()
    expect(page.locator("table.workers")).to_contain_text("busy")
    shot(page, "queue-running")
    first = int(running.locator("progress").get_attribute("value"))
    expect(page.locator("table.queue-counts")).to_contain_text("imports")
    # The page polls by itself: the import moves on, then leaves the started list.
    deadline = time.monotonic() + 30
    progress = "() => document.querySelector('tr.job-started progress')?.value ?? null"
    while (value := page.evaluate(progress)) is not None and float(value) <= first:
        assert time.monotonic() < deadline, "the queue page did not move on by itself"
        page.wait_for_timeout(200)
    expect(page.locator("tr.job-started")).to_have_count(0, timeout=90_000)
    expect(page.get_by_text("No import is waiting, running or failed.")).to_be_visible()
    shot(page, "queue-idle")
