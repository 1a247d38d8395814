"""Webhooks against a real HTTP receiver on 127.0.0.1: signed deliveries, a retry after a
500, the delivery log, and the same status event from every door (UI, API, import)."""

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.importfiles import csv_bytes
from tests.test_customer_tools import form_fields
from tests.test_imports import imported, uploaded
from webapp.models import Customer, OutboundEvent, Webhook, WebhookDelivery
from webapp.services import api_tokens

SECRET = "whsec_test_secret_0123456789"


class Receiver:
    """An HTTP server that records what it is sent and answers with scripted codes."""

    def __init__(self, answers: list[int]):
        self.answers, self.received = list(answers), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok" if code == 200 else b"try later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver():
    made = []

    def start(*answers):
        made.append(Receiver(list(answers)))
        return made[-1]

    yield start
    for r in made:
        r.server.shutdown()


@pytest.fixture(autouse=True)
def local_receivers_allowed(app, monkeypatch):
    """The receivers here listen on 127.0.0.1, which production settings refuse."""
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True


@pytest.fixture
def quick_retries(app, monkeypatch):
    """Retries without waiting, in this process and in the workers it starts."""
    monkeypatch.setenv("WEBHOOK_RETRY_INTERVALS", "0,0,0,0")
    app.config["WEBHOOK_RETRY_INTERVALS"] = [0, 0, 0, 0]


def add_webhook(client, url, events):
    response = client.post(
        "/settings/webhooks/new",
        data={"url": url, "secret": SECRET, "events": events, "active": "1"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    return Webhook.get(Webhook.url == url)


def test_webhook_settings_refuse_bad_input_and_keep_it(client, login):
    login("manager")
    page = client.post(
        "/settings/webhooks/new", data={"url": "ftp://x", "secret": "short", "events": []}
    ).get_data(as_text=True)
    assert "starting with https://" in page and "at least 16 characters" in page
    assert "Choose at least one event." in page and 'value="ftp://x"' in page
    login("agent")
    assert client.get("/settings/webhooks").status_code == 403


def test_signed_delivery_retried_after_a_500_and_logged(
    client, login, make_customer, receiver, quick_retries, run_worker, statuses
):
    login("manager")
    target = receiver(500)
    hook = add_webhook(client, target.url, ["customer.status_changed"])
    customer = make_customer()
    edit = client.get(f"/customers/{customer.id}/summary/edit")
    assert edit.status_code == 200
    data = {**form_fields(customer), "status": str(statuses["Bankruptcy"].id)}
    assert (
        client.post(
            f"/customers/{customer.id}/summary/edit", data=data, headers={"HX-Request": "true"}
        ).status_code
        == 200
    )
    assert OutboundEvent.select().count() == 1
    run_worker()
    assert len(target.received) == 2  # the 500, then the retry that got 200
    headers, body = target.received[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Webhook-Signature"], expected)
    assert headers["X-Webhook-Timestamp"].isdigit()
    event = json.loads(body)
    assert event["event"] == "customer.status_changed"
    assert event["data"] == {
        "customerId": customer.id,
        "oldStatus": {"id": statuses["Active"].id, "title": "Active"},
        "newStatus": {"id": statuses["Bankruptcy"].id, "title": "Bankruptcy"},
    }
    assert target.events()[0]["id"] == event["id"]  # the retry sends the same event
    log = [
        (d.attempt, d.status_code, d.response_excerpt)
        for d in WebhookDelivery.select().order_by(WebhookDelivery.id)
    ]
    assert log == [(1, 500, "try later"), (2, 200, "ok")]
    page = client.get(f"/settings/webhooks/{hook.id}/log").get_data(as_text=True)
    assert "customer.status_changed" in page and "try later" in page

    first = WebhookDelivery.select().order_by(WebhookDelivery.id).first()
    client.post(f"/settings/webhooks/deliveries/{first.id}/redeliver")
    client.post(f"/settings/webhooks/{hook.id}/test")
    run_worker()
    assert [e["event"] for e in target.events()[2:]] == ["customer.status_changed", "webhook.test"]
    assert target.events()[2]["id"] == event["id"]


def test_status_change_from_every_door_fires_the_same_event(
    client, login, make_customer, receiver, quick_retries, run_worker, statuses, users
):
    login("admin")
    target = receiver()
    add_webhook(client, target.url, ["customer.status_changed"])
    by_ui, by_api, by_import = (
        make_customer(importId=f"DOOR-{n}", ssn=f"99999999{n}") for n in range(3)
    )
    client.post(
        f"/customers/{by_ui.id}/summary/edit", data={**form_fields(by_ui), "status": "Inactive"}
    )
    token = api_tokens.create_token("door test", "agent", users["admin"])[1]
    assert (
        client.put(
            f"/api/public/api/1/odata.svc/Customers({by_api.id})",
            json={"status": "Inactive"},
            headers={"Authorization": f"Bearer {token}", "Autopal-Instance-ID": "5200001"},
        ).status_code
        == 200
    )
    job = imported(
        client,
        run_worker,
        uploaded(
            client, csv_bytes([{"action": "update", "customerId": "DOOR-2", "status": "Inactive"}])
        ),
    )
    assert job.state == "done" and job.updated == 1
    run_worker()
    events = sorted(target.events(), key=lambda e: e["data"]["customerId"])
    assert [
        (e["event"], e["data"]["customerId"], e["data"]["newStatus"]["title"]) for e in events
    ] == [("customer.status_changed", c.id, "Inactive") for c in (by_ui, by_api, by_import)]
    assert Customer.select().where(Customer.status == statuses["Inactive"]).count() == 3


def test_private_addresses_are_refused_unless_allowed(
    client, login, app, receiver, run_worker, monkeypatch
):
    login("manager")
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "0")
    for url in (
        "http://127.0.0.1:8080/x",
        "http://10.1.2.3/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data",
    ):
        page = client.post(
            "/settings/webhooks/new",
            data={"url": url, "secret": SECRET, "events": ["customer.created"], "active": "1"},
        )
        assert "inside a private network" in page.get_data(as_text=True), url
    # One saved while allowed is not sent once the setting is off again.
    target = receiver()
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    hook = add_webhook(client, target.url, ["customer.created"])
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    client.post(f"/settings/webhooks/{hook.id}/test")
    run_worker()
    assert target.received == []
    assert "Not sent" in WebhookDelivery.get().error


def test_old_delivery_log_and_sent_events_are_pruned(app, make_customer):
    import datetime as dt

    from webapp.services import webhooks

    hook = Webhook.create(url="https://example.com/h", secret=SECRET, events="customer.created")
    old = dt.datetime.utcnow() - dt.timedelta(days=40)
    WebhookDelivery.create(
        webhook=hook, event_id="old", event="customer.created", payload="{}", delivered_at=old
    )
    WebhookDelivery.create(webhook=hook, event_id="new", event="customer.created", payload="{}")
    OutboundEvent.create(
        event_id="sent",
        event="customer.created",
        customer_id=1,
        payload="{}",
        claimed_by="x",
        created_at=old,
    )
    OutboundEvent.create(
        event_id="waiting", event="customer.created", customer_id=1, payload="{}", created_at=old
    )
    webhooks.prune()
    assert [d.event_id for d in WebhookDelivery.select()] == ["new"]
    assert [e.event_id for e in OutboundEvent.select()] == ["waiting"]


def test_one_dispatch_job_waits_at_a_time(app, make_customer):
    from rq import Queue

    from webapp.queueing import redis_connection
    from webapp.services import webhooks

    Webhook.create(url="https://example.com/h", secret=SECRET, events="customer.created")
    webhooks.forget_subscriptions()
    waiting = Queue("webhooks", connection=redis_connection())
    make_customer()
    webhooks.kick()
    webhooks.kick()
    assert waiting.count == 1  # the second kick found one waiting
    assert webhooks.dispatch_events() == 1  # a dispatch starting clears the flag...
    make_customer(ssn="999-99-9990")
    webhooks.kick()
    assert waiting.count == 3  # ...so a later event gets its own dispatch (+ 1 delivery)


def test_no_subscriber_no_events(client, login, make_customer, statuses):
    login("manager")
    customer = make_customer()
    client.post(
        f"/customers/{customer.id}/summary/edit",
        data={**form_fields(customer), "status": "Inactive"},
    )
    assert Customer.get_by_id(customer.id).status.title == "Inactive"
    assert OutboundEvent.select().count() == 0


def test_created_and_updated_events_name_fields_as_the_api_does(
    client, login, make_customer, receiver, quick_retries, run_worker, users
):
    """A receiver reads the REST API's vocabulary (customer.type.individual,
    PrimaryAddress.city), not the import file's column names."""
    login("admin")
    target = receiver()
    add_webhook(client, target.url, ["customer.created", "customer.updated"])
    customer = make_customer(importId="HOOK-1")
    token = api_tokens.create_token("hook names", "agent", users["admin"])[1]
    changed = client.put(
        f"/api/public/api/1/odata.svc/Customers({customer.id})",
        json={"PrimaryAddress": {"city": "Provo"}, "middleName": "Q"},
        headers={"Authorization": f"Bearer {token}", "Autopal-Instance-ID": "5200001"},
    )
    assert changed.status_code == 200, changed.get_json()
    run_worker()
    events = {e["event"]: e["data"] for e in target.events()}
    assert events["customer.created"]["customerType"] == "customer.type.individual"
    assert events["customer.created"]["customId"] == "HOOK-1"
    assert sorted(events["customer.updated"]["changedFields"]) == [
        "PrimaryAddress.city",
        "middleName",
    ]


def test_deleting_a_webhook_takes_its_waiting_deliveries_along(client, login, app):
    """Deliveries queued, waiting for a retry or failed for a deleted webhook would never
    reach anyone: they go with it; another webhook's stay."""
    from webapp.queueing import queue
    from webapp.services import webhooks as service

    login("manager")
    doomed = add_webhook(client, "https://gone.example.com/in", ["customer.created"])
    kept = add_webhook(client, "https://kept.example.com/in", ["customer.created"])
    event = OutboundEvent(event_id="e1", event="customer.created", payload="{}")
    waiting = queue("webhooks")
    for _ in range(3):
        service._enqueue_delivery(doomed, event)
    retrying = service._enqueue_delivery(doomed, event)
    waiting.remove(retrying)
    later = datetime.now(UTC) + timedelta(hours=1)
    waiting.scheduled_job_registry.schedule(retrying, later)  # as RQ holds a retry
    other = service._enqueue_delivery(kept, event)
    page = client.post(f"/settings/webhooks/{doomed.id}/delete", follow_redirects=True)
    assert "and 4 waiting deliveries" in page.get_data(as_text=True)
    assert waiting.get_job_ids() == [other.id]
    assert waiting.scheduled_job_registry.get_job_ids() == []
