"""Managers' and admins' integration settings in Debian Chromium: a webhook with a test
event through a real worker, an API token shown once, the OFAC list loaded."""

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login
from tests.test_browser_customers import shot
from tests.test_webhooks import Receiver
from webapp.services import ofac

pytestmark = pytest.mark.browser


@pytest.fixture
def private_webhooks_allowed(app, monkeypatch):
    """The receiver is on 127.0.0.1. Request it before live_worker, which reads it."""
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True


def test_manager_adds_a_webhook_and_sends_a_test_event(page, private_webhooks_allowed, live_worker):
    receiver = Receiver([])
    try:
        browser_login(page, "manager")
        page.goto("/settings/webhooks")
        expect(page.get_by_text("No webhooks yet")).to_be_visible()
        page.get_by_label("Address (URL)").fill("not a url")
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_text("starting with https://")).to_be_visible()
        page.get_by_label("Address (URL)").fill(receiver.url)
        page.get_by_label("customer.status_changed").check()
        page.get_by_role("button", name="Add webhook").click()
        expect(page.locator("table")).to_contain_text(receiver.url)
        shot(page, "settings-webhooks")
        page.get_by_role("button", name="Send test event").click()
        expect(page.locator("table.deliveries")).to_contain_text("webhook.test", timeout=20_000)
        expect(page.locator("table.deliveries")).to_contain_text("200")
        shot(page, "settings-webhook-log")
        assert receiver.events()[0]["event"] == "webhook.test"
    finally:
        receiver.server.shutdown()


def test_admin_creates_an_api_token_and_loads_the_ofac_list(page, tmp_path):
    browser_login(page, "admin")
    page.goto("/settings/api-tokens")
    page.get_by_label("Name").fill("Collections dialer")
    page.get_by_label("Role").select_option("agent")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_contain_text("sv_")
    shot(page, "settings-api-tokens")
    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)  # shown once only

    page.goto("/settings/ofac-list")
    page.get_by_label("SDN file").set_input_files(str(ofac.SAMPLE_FILE))
    page.get_by_role("button", name="Load list").click()
    expect(page.get_by_role("status")).to_contain_text("Loaded 8 names")
    expect(page.locator("table")).to_contain_text("KOVALENKO, Dmitri Sergeyevich")
    shot(page, "settings-ofac")
