"""Every page of the app, opened by the role that uses it, at a desk (1366 px) and on a
phone (390 px), over a demo book: axe-core finds no serious or critical problem, nothing
scrolls sideways, and a screenshot of each page lands in artifacts/."""

import io
import random
from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import FileStorage

from tests.conftest import PASSWORDS, _browser_page, tiny_png, wait_for_htmx
from tests.importfiles import csv_bytes, row
from tests.page_checks import accessibility_problems, screenshot, sideways_overflow
from tests.test_imports import uploaded, verified
from webapp.customers.tabs import TABS
from webapp.demo import seed_book
from webapp.models import Customer, DocumentSection, Note, Reference
from webapp.services import api_tokens, custom_fields, documents, payment_profiles, phones
from webapp.services.actor import Actor
from webapp.services.webhooks import save_webhook

pytestmark = pytest.mark.browser

WIDTHS = {"desk": 1366, "phone": 390}


@pytest.fixture
def book(app, users, client, run_worker):
    """A demo book, one customer with every section filled and long values, a webhook,
    a token, a custom field and a verified import with refused lines."""
    seed_book(30, random.Random(11))
    busiest = max(Customer.select(), key=lambda c: Note.select().where(Note.customer == c).count())
    actor = Actor.system("test")
    busiest.email = "margaret.alexandra.fitzgerald-worthington@example-servicing.com"
    busiest.save()
    for number, kind in (("5185550101", "office"), ("5185550102", "fax")):
        phones.add_phone(busiest, number, kind, actor)
    payment_profiles.add_card(busiest, "4111111111111111", "Margaret Fitzgerald", "12/30", actor)
    section = DocumentSection.select().first()
    upload = FileStorage(io.BytesIO(tiny_png()), "driver-licence.png", content_type="image/png")
    document = documents.add_document(busiest, "Driver licence", section.id, upload, actor)
    custom_fields.define("Preferred language", "text")
    api_tokens.create_token("Collections dialer", "agent", None)
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    hook = save_webhook(None, "http://127.0.0.1:9/hooks", "s" * 24, ["customer.created"], True)
    rows = [row(importId=f"W{n}") for n in range(1, 8)]
    rows[2]["priState"] = "New York"
    csrf, app.config["WTF_CSRF_ENABLED"] = app.config["WTF_CSRF_ENABLED"], False
    client.post("/login", data={"username": "admin", "password": PASSWORDS["admin"]})
    job = verified(client, run_worker, uploaded(client, csv_bytes(rows)))
    app.config["WTF_CSRF_ENABLED"] = csrf
    reference = Reference.select().where(Reference.customer == busiest).first()
    if reference is None:
        from webapp.services.references import add_reference

        reference = add_reference(busiest, {"name": "Ada Lovelace"}, actor)
    return {
        "customer": busiest.id,
        "document": document.id,
        "reference": reference.id,
        "webhook": hook.id,
        "job": job.id,
        "surname": busiest.last_name,
    }


def pages_of(book) -> dict[str, list[tuple[str, str]]]:
    """(name, path) of every page, under the least role that opens it."""
    customer = f"/customers/{book['customer']}"
    agent = [
        ("manager", "/customers"),
        ("manager-search", f"/customers?q={book['surname']}"),
        ("add-customer", "/customers/new"),
        *[(f"tab-{key}", f"{customer}/{key}") for key, _, _ in TABS],
        ("edit-all", f"{customer}/edit"),
        ("edit-summary", f"{customer}/summary/edit"),
        ("edit-contact", f"{customer}/contact/edit"),
        ("edit-employer", f"{customer}/employer/edit"),
        ("edit-additional", f"{customer}/additional/edit"),
        ("edit-reference", f"{customer}/references/{book['reference']}"),
        ("edit-document", f"{customer}/documents/{book['document']}"),
        ("password", "/account/password"),
        ("not-found", "/customers/999999999"),
    ]
    manager = [
        ("today-manager", "/"),
        ("delete-customer", f"{customer}/delete"),
        ("statuses", "/settings/statuses"),
        ("note-categories", "/settings/note-categories"),
        ("document-sections", "/settings/document-sections"),
        ("custom-fields", "/settings/custom-fields"),
        ("webhooks", "/settings/webhooks"),
        ("webhook", f"/settings/webhooks/{book['webhook']}"),
        ("webhook-log", f"/settings/webhooks/{book['webhook']}/log"),
    ]
    admin = [
        ("today-admin", "/"),
        ("erase-customer", f"{customer}/tools/erase"),
        ("users", "/settings/users"),
        ("api-tokens", "/settings/api-tokens"),
        ("ofac-list", "/settings/ofac-list"),
        ("imports", "/imports"),
        ("import-instructions", "/imports/instructions"),
        ("import-history", "/imports/history"),
        ("import-job", f"/imports/{book['job']}"),
        ("queue", "/admin/queue"),
    ]
    return {"agent": agent, "manager": manager, "admin": admin}


@pytest.mark.parametrize("device", WIDTHS)
def test_every_page_is_accessible_fits_the_window_and_is_photographed(
    browser, live_server, book, device
):
    width = WIDTHS[device]
    problems = []
    with _browser_page(browser, live_server) as page:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/login")
        problems += _check(page, f"login-{device}")
        for role, pages in pages_of(book).items():
            page.context.clear_cookies()
            page.goto("/login")
            page.get_by_label("Username").fill(role)
            page.get_by_label("Password").fill(PASSWORDS[role])
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            for name, path in pages:
                response = page.goto(path)
                # The page itself, not a sign-in form or an error the role was sent to.
                assert response.status == (404 if name == "not-found" else 200), (name, role)
                assert urlsplit(page.url).path == urlsplit(path).path, (name, page.url)
                problems += _check(page, f"{name}-{device}")
    assert not problems, "\n".join(problems)


def _check(page, name: str) -> list[str]:
    wait_for_htmx(page)
    screenshot(page, name)
    found = [f"{name}: {problem}" for problem in accessibility_problems(page)]
    if overflow := sideways_overflow(page):
        found.append(f"{name}: {overflow}")
    return found
