"""Each role's start page: agents go straight to the Customer Manager; managers see the
book by status; admins also see imports running or failed and failing webhooks."""

import re
from datetime import timedelta

from tests.importfiles import csv_bytes, row
from tests.test_imports import uploaded
from webapp.models import ImportJob, Webhook, WebhookDelivery
from webapp.models.base import utcnow


def test_an_agent_starts_at_the_customer_manager(client, login, statuses):
    login("agent")
    assert client.get("/").location == "/customers"


def test_a_manager_sees_the_book_by_status(client, login, statuses, make_customer):
    for _ in range(3):
        make_customer()
    bankrupt = make_customer(status="Bankruptcy")
    login("manager")
    page = client.get("/").get_data(as_text=True)
    assert "<title>Today" in page and "Customers by status" in page
    assert f'href="/customers?status={bankrupt.status_id}"' in page
    figures = re.findall(
        r'class="badge status-\w+">([^<]+)</span></a>\s*<span class="count-figure">(\d+)', page
    )
    counts = {title: int(count) for title, count in figures}
    assert counts == {"Active": 3, "Inactive": 0, "Bankruptcy": 1}
    assert "Imports" not in page.split("<main")[1].split("Webhook deliveries")[0]


def test_an_admin_sees_imports_and_failed_deliveries(admin, statuses):
    running = uploaded(admin, csv_bytes([row(importId="S1")]))
    ImportJob.update(state="importing").where(ImportJob.id == running.id).execute()
    failed = uploaded(admin, csv_bytes([row(importId="S2")]))
    uploaded_long_ago = utcnow() - timedelta(days=30)  # uploaded then, failed today
    ImportJob.update(state="failed", created_at=uploaded_long_ago, finished_at=utcnow()).where(
        ImportJob.id == failed.id
    ).execute()
    hook = Webhook.create(url="https://hooks.example.com/in", secret="s" * 24, events="")
    for status_code, hours_ago in ((500, 1), (None, 2), (200, 1), (500, 30)):
        WebhookDelivery.create(
            webhook=hook,
            event_id="e",
            event="customer.updated",
            payload="{}",
            status_code=status_code,
            delivered_at=utcnow() - timedelta(hours=hours_ago),
        )
    page = admin.get("/").get_data(as_text=True)
    watch = page.split('id="imports-watch"')[1].split("</article>")[0]
    assert f"/imports/{running.id}" in watch and "Importing" in watch
    assert "1 failed</strong> in the last 7 days" in watch and f"/imports/{failed.id}" in watch
    hooks = page.split('id="webhooks-watch"')[1].split("</article>")[0]
    assert "https://hooks.example.com/in" in hooks and "2 failed attempts" in hooks
