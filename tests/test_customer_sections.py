"""The customer page's sections: each by URL as a whole page and as an htmx partial, and
every write leaving a history entry."""

import json

import pytest

from webapp.models import ChangeEntry, Phone

HX = {"HX-Request": "true"}


@pytest.fixture
def customer(make_customer, login):
    login("agent")
    return make_customer(secPhone="8015550100", secPhoneType="home")


def history_fields(customer, section):
    return [
        (e.field, e.old_value, e.new_value)
        for e in ChangeEntry.select()
        .where((ChangeEntry.customer_id == customer.id) & (ChangeEntry.section == section))
        .order_by(ChangeEntry.id)
    ]


@pytest.mark.parametrize(
    "tab,words",
    [
        ("summary", "General information"),
        ("contact", "Primary address"),
        ("history", "Customer added"),
        ("phones", "Add phone"),
        ("notes", "Add a note"),
        ("references", "Add a reference"),
        ("links", "Not linked to any loan"),
        ("employer", "No employer recorded"),
        ("payments", "No payment profiles"),
        ("documents", "Upload a document"),
        ("communications", "No SMS messages recorded"),
        ("additional", "No custom fields are defined"),
        ("tools", "OFAC check"),
    ],
)
def test_each_tab_is_a_page_and_a_partial(client, customer, tab, words):
    url = f"/customers/{customer.id}/{tab}"
    page = client.get(url).get_data(as_text=True)
    assert "<html" in page and words in page and 'aria-current="page"' in page
    partial = client.get(url, headers=HX).get_data(as_text=True)
    assert "<html" not in partial and words in partial
    assert 'id="tabs"' in partial and 'hx-swap-oob="true"' in partial  # nav follows
    assert client.get(f"/customers/{customer.id}/nonsense").status_code == 404


def test_history_entries_download_as_json(client, customer):
    entry = ChangeEntry.get(ChangeEntry.customer_id == customer.id)
    response = client.get(f"/customers/{customer.id}/history/{entry.id}.json")
    body = json.loads(response.data)
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert body["action"] == "create" and body["values"]["First name"] == "David"
    assert body["values"]["SSN / SIN"] == "•••-••-9999"
    assert client.get(f"/customers/{customer.id + 1}/history/{entry.id}.json").status_code == 404


def test_phones_add_type_marks_roles_and_remove_with_history(client, customer):
    url = f"/customers/{customer.id}/phones"
    page = client.post(url, data={"number": "555-01", "kind": "cell"}, headers=HX)
    text = page.get_data(as_text=True)
    assert "A phone number needs 10 digits" in text and 'value="555-01"' in text
    client.post(url, data={"number": "(385) 555-0123", "kind": "office"}, headers=HX)
    added = Phone.get(Phone.number == "3855550123")
    assert added.phone_type == "office" and not added.is_primary

    def act(phone, action, **form):
        return client.post(f"{url}/{phone.id}/{action}", data=form, headers=HX)

    act(added, "type", kind="cellSmartPhone")
    act(added, "do_not_call", on="1")
    act(added, "verified", on="1")
    act(added, "primary")
    old_primary = Phone.get(Phone.number == "9876543210")
    assert Phone.get_by_id(added.id).is_primary and not old_primary.is_primary
    assert [p.number for p in customer.phones.order_by(Phone.position)][0] == "3855550123"
    refused = act(Phone.get_by_id(added.id), "delete").get_data(as_text=True)
    assert "Make another number primary" in refused
    act(old_primary, "delete")
    assert Phone.get_or_none(Phone.id == old_primary.id) is None

    assert history_fields(customer, "phones") == [
        ("Phone added", "", "(385) 555-0123 (Office)"),
        ("Type · (385) 555-0123", "Office", "Cell (smartphone)"),
        ("Do not call · (385) 555-0123", "Calls allowed", "Do not call"),
        ("Verified · (385) 555-0123", "Not verified", "Verified"),
        ("Primary phone · (385) 555-0123", "(987) 654-3210", "(385) 555-0123"),
        ("Phone removed", "(987) 654-3210", ""),
    ]
    page = client.get(f"/customers/{customer.id}/history").get_data(as_text=True)
    assert "Do not call · (385) 555-0123" in page


def test_secondary_role_moves_and_primary_cannot_be_secondary(client, customer):
    url = f"/customers/{customer.id}/phones"
    client.post(url, data={"number": "2025550199", "kind": "home"}, headers=HX)
    third = Phone.get(Phone.number == "2025550199")
    client.post(f"{url}/{third.id}/secondary", headers=HX)
    assert Phone.get_by_id(third.id).is_secondary
    assert not Phone.get(Phone.number == "8015550100").is_secondary
    primary = Phone.get(Phone.is_primary == True)  # noqa: E712
    text = client.post(f"{url}/{primary.id}/secondary", headers=HX).get_data(as_text=True)
    assert "Make another number primary first" in text
    assert Phone.select().where(Phone.is_primary == True).count() == 1  # noqa: E712


def test_notes_add_filter_newest_first_and_history(client, customer):
    from webapp.models import Note, NoteCategory

    general = NoteCategory.create(title="General")
    collections = NoteCategory.create(title="Collections")
    retired = NoteCategory.create(title="Old", active=False)
    url = f"/customers/{customer.id}/notes"
    refused = client.post(
        url, data={"title": "", "category": str(retired.id), "body": "Kept <b>text</b>"}, headers=HX
    )
    text = refused.get_data(as_text=True)
    assert "A note needs a title." in text and "Choose a category." in text
    assert "Kept &lt;b&gt;text&lt;/b&gt;" in text  # what was typed stays, escaped
    client.post(
        url,
        data={"title": "Called", "category": str(general.id), "body": "Left a message"},
        headers=HX,
    )
    client.post(
        url,
        data={
            "title": "Promise to pay",
            "category": str(collections.id),
            "body": "Will pay Friday",
        },
        headers=HX,
    )
    page = client.get(url).get_data(as_text=True)
    assert page.index("Promise to pay") < page.index("Called")  # newest first
    only = client.get(f"{url}?category={general.id}", headers=HX).get_data(as_text=True)
    assert "Called" in only and "Promise to pay" not in only
    assert Note.select().count() == 2
    assert history_fields(customer, "notes") == [
        ("Note added", "", "Called (General)"),
        ("Note added", "", "Promise to pay (Collections)"),
    ]


def test_managers_keep_the_note_categories(client, login, statuses):
    from webapp.models import NoteCategory

    client.post("/logout")
    login("agent")
    assert client.get("/settings/note-categories").status_code == 403
    client.post("/logout")
    login("manager")
    client.post("/settings/note-categories", data={"title": "Legal"})
    legal = NoteCategory.get(NoteCategory.title == "Legal")
    answer = client.post("/settings/note-categories", data={"title": "legal"}, headers=HX)
    assert "on the list already" in answer.get_data(as_text=True)
    client.post(f"/settings/note-categories/{legal.id}/rename", data={"title": "Legal hold"})
    client.post(f"/settings/note-categories/{legal.id}/deactivate")
    legal = NoteCategory.get_by_id(legal.id)
    assert legal.title == "Legal hold" and not legal.active
    assert client.get("/settings/document-sections").status_code == 200
    assert client.get("/settings/unknown-list").status_code == 404


def test_references_add_edit_delete_with_errors_beside_fields_and_history(client, customer):
    from webapp.models import Reference

    url = f"/customers/{customer.id}/references"
    refused = client.post(
        url,
        data={
            "name": "",
            "primaryPhone": "555",
            "state": "ON",
            "country": "usa",
            "city": "Kept City",
        },
        headers=HX,
    )
    text = refused.get_data(as_text=True)
    assert 'id="name-error">Name is required.' in text
    assert 'id="primaryPhone-error">A phone number needs 10 digits' in text
    assert "ON is not a state or province of United States" in text
    assert 'value="Kept City"' in text and Reference.select().count() == 0
    client.post(
        url,
        data={
            "name": "Pat Roe",
            "relationship": "Sister",
            "primaryPhone": "801-555-0177",
            "country": "usa",
        },
        headers=HX,
    )
    reference = Reference.get()
    assert reference.primary_phone == "8015550177"
    form = client.get(f"{url}/{reference.id}", headers=HX).get_data(as_text=True)
    assert 'value="Pat Roe"' in form and "Save reference" in form
    client.post(
        f"{url}/{reference.id}",
        data={
            "name": "Pat Roe",
            "relationship": "Brother",
            "primaryPhone": "8015550177",
            "country": "usa",
        },
        headers=HX,
    )
    assert Reference.get_by_id(reference.id).relationship == "Brother"
    client.post(f"{url}/{reference.id}/delete", headers=HX)
    assert Reference.select().count() == 0
    assert history_fields(customer, "references") == [
        ("Reference added", "", "Pat Roe (Sister)"),
        ("Relationship · Pat Roe", "Sister", "Brother"),
        ("Reference removed", "Pat Roe (Brother)", ""),
    ]


def test_links_keep_one_primary_per_loan_and_record_access(client, customer, make_customer):
    from webapp.models import CustomerLoan, Loan

    loan = Loan.create(display_id="LN-77", days_past_due=15)
    partner = make_customer(importId="PARTNER")
    mine = CustomerLoan.create(customer=customer, loan=loan, role="secondary")
    theirs = CustomerLoan.create(customer=partner, loan=loan, role="primary")
    url = f"/customers/{customer.id}/links/{mine.id}"
    page = client.get(f"/customers/{customer.id}/links").get_data(as_text=True)
    assert "LN-77" in page and ">15<" in page
    client.post(f"{url}/role", data={"role": "primary"}, headers=HX)
    assert CustomerLoan.get_by_id(mine.id).role == "primary"
    assert CustomerLoan.get_by_id(theirs.id).role == "secondary"
    refused = client.post(f"{url}/role", data={"role": "other"}, headers=HX)
    assert "needs a primary customer" in refused.get_data(as_text=True)
    assert CustomerLoan.select().where(CustomerLoan.role == "primary").count() == 1
    client.post(f"{url}/sms_access", data={"on": "1"}, headers=HX)
    assert CustomerLoan.get_by_id(mine.id).sms_access
    assert history_fields(customer, "links") == [
        ("Role · LN-77", "Secondary", "Primary"),
        ("SMS access · LN-77", "Off", "On"),
    ]
    assert history_fields(partner, "links") == [("Role · LN-77", "Primary", "Secondary")]


def test_employer_edit_in_place_with_rules_and_its_own_history(client, customer):
    url = f"/customers/{customer.id}/employer/edit"
    form = client.get(url, headers=HX).get_data(as_text=True)
    assert "Save employer" in form and "<html" not in form
    refused = client.post(
        url,
        data={
            "employerName": "Acme",
            "employerIncome": "3000",
            "employerCountry": "usa",
            "version": "1",
        },
        headers=HX,
    )
    text = refused.get_data(as_text=True)
    assert 'id="employerIncomeFreq-error">Income frequency is required with an income' in text
    assert 'value="Acme"' in text
    client.post(
        url,
        data={
            "employerName": "Acme",
            "employerIncome": "3000",
            "employerIncomeFreq": "monthly",
            "employerCountry": "usa",
            "employerNextPayday": "2030-01-15",
            "version": "1",
        },
        headers=HX,
    )
    view = client.get(f"/customers/{customer.id}/employer").get_data(as_text=True)
    assert "Acme" in view and "$3,000.00" in view and "Employer history" in view
    fields = {f for f, _, _ in history_fields(customer, "employer")}
    assert {"employerName", "employerIncome", "employerIncomeFreq", "employerNextPayday"} <= fields


def test_documents_upload_checked_download_edit_inactive_and_removed_with_customer(
    client, customer, app, users
):
    import io
    from pathlib import Path

    from webapp.models import Document, DocumentSection
    from webapp.services.actor import Actor
    from webapp.services.customers import delete_customer

    income = DocumentSection.create(title="Income")
    legal = DocumentSection.create(title="Legal")
    url = f"/customers/{customer.id}/documents"

    def upload(content, filename, name="Pay stub", section=income.id):
        return client.post(
            url,
            data={"name": name, "section": str(section), "file": (io.BytesIO(content), filename)},
            content_type="multipart/form-data",
            headers=HX,
        )

    fake = upload(b"MZ\x90\x00 not a pdf", "stub.pdf").get_data(as_text=True)
    assert "not really a .pdf file" in fake and 'value="Pay stub"' in fake
    assert "Accepted files" in upload(b"#!/bin/sh", "run.sh").get_data(as_text=True)
    app.config["DOCUMENT_MAX_MB"] = 1
    assert "up to 1 MB" in upload(b"%PDF-1.7" + bytes(1_100_000), "big.pdf").get_data(as_text=True)
    pdf = b"%PDF-1.7\n% a tiny pay stub\n"
    upload(pdf, "../../etc/stub <1>.pdf")
    document = Document.get()
    stored = Path(app.instance_path) / "documents" / str(document.id)
    assert stored.read_bytes() == pdf and document.content_type == "application/pdf"
    download = client.get(f"{url}/{document.id}/file")
    assert download.data == pdf and "stub" in download.headers["Content-Disposition"]
    client.post(
        f"{url}/{document.id}", data={"name": "May pay stub", "section": str(legal.id)}, headers=HX
    )
    client.post(f"{url}/{document.id}/active", data={"on": "0"}, headers=HX)
    refused = client.post(
        f"{url}/{document.id}", data={"name": "X", "section": str(legal.id)}, headers=HX
    ).get_data(as_text=True)
    assert "Inactive documents cannot be edited" in refused
    assert client.get(f"{url}/{document.id}/file").data == pdf  # still downloadable
    assert [f for f, _, _ in history_fields(customer, "documents")] == [
        "Document added",
        "Name · May pay stub",
        "Section · May pay stub",
        "State · May pay stub",
    ]
    delete_customer(customer, Actor(users["manager"], "ui"))
    assert not stored.exists()


def test_communication_history_by_channel_with_email_excerpts(client, customer):
    from webapp.services import communications

    communications.record(customer, "sms", "Payment due Friday")
    communications.record(customer, "sms", "OK, paying Thursday", direction="inbound")
    body = "<style>p{color:red}</style><p>Hello&nbsp;<b>David</b>,</p>" + "x" * 900
    mail = communications.record(customer, "email", body, subject="Statement")
    assert mail.body_excerpt.startswith("Hello David,") and len(mail.body_excerpt) == 500
    communications.record(
        customer, "mail", "Notice", subject="Privacy notice", tracking_status="In transit"
    )
    url = f"/customers/{customer.id}/communications"
    sms = client.get(url, headers=HX).get_data(as_text=True)
    assert sms.index("Payment due Friday") < sms.index("OK, paying Thursday")
    email = client.get(f"{url}?channel=email", headers=HX).get_data(as_text=True)
    assert "Hello David," in email and "<b>" not in email and "color:red" not in email
    assert "In transit" in client.get(f"{url}?channel=mail").get_data(as_text=True)


def test_custom_fields_defined_by_managers_filled_by_agents_with_rules(client, login, customer):
    from webapp.models import CustomFieldDefinition, CustomFieldValue

    assert client.get("/settings/custom-fields").status_code == 403
    client.post("/logout")
    login("manager")
    for label, kind, choices in (
        ("Preferred language", "choice", "English\nSpanish"),
        ("Household size", "number", ""),
        ("Move-in date", "date", ""),
        ("Veteran", "yesno", ""),
    ):
        client.post(
            "/settings/custom-fields", data={"label": label, "kind": kind, "choices": choices}
        )
    refused = client.post(
        "/settings/custom-fields",
        data={"label": "Color", "kind": "choice", "choices": "Red"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "at least two choices" in refused
    ids = {d.label: d.id for d in CustomFieldDefinition.select()}
    url = f"/customers/{customer.id}/additional/edit"
    bad = client.post(
        url,
        data={
            f"cf_{ids['Household size']}": "four",
            f"cf_{ids['Move-in date']}": "2021-02-30",
            f"cf_{ids['Preferred language']}": "Klingon",
        },
        headers=HX,
    )
    text = bad.get_data(as_text=True)
    assert "Not a number" in text and "No such date" in text and "Not one of" in text
    assert 'value="four"' in text and CustomFieldValue.select().count() == 0
    client.post(
        url,
        data={
            f"cf_{ids['Household size']}": "4",
            f"cf_{ids['Move-in date']}": "03/15/2021",
            f"cf_{ids['Preferred language']}": "spanish",
            f"cf_{ids['Veteran']}": "1",
            "version": "1",
        },
        headers=HX,
    )
    view = client.get(f"/customers/{customer.id}/additional").get_data(as_text=True)
    for shown in ("Spanish", "2021-03-15", "Yes", ">4<"):
        assert shown in view
    assert history_fields(customer, "custom fields")[0] == ("Preferred language", "", "Spanish")


def test_zip_codes_decode_offline_and_addresses_verify(client, customer, make_customer):
    from webapp.models import Address

    assert client.get("/zip/84601.json").json == {"city": "Provo", "state": "UT", "country": "usa"}
    assert client.get("/zip/K1A%200B1.json").json["state"] == "ON"
    assert client.get("/zip/00000.json").json == {}
    url = f"/customers/{customer.id}/addresses/primary/verify"  # 12345 Schenectady NY
    client.post(url, headers=HX)
    assert Address.get(Address.customer == customer).verified
    wrong = make_customer(importId="W", priCity="Albany")
    text = client.post(f"/customers/{wrong.id}/addresses/primary/verify", headers=HX).get_data(
        as_text=True
    )
    assert "Error: Address Not Found: ZIP code 12345 belongs to Schenectady" in text
    assert not Address.get(Address.customer == wrong).verified
    assert history_fields(customer, "addresses") == [
        ("Primary address verified", "Not verified", "Verified")
    ]


def test_a_chosen_id_past_64_bits_is_refused_not_a_database_error(make_customer):
    """A list's choice arrives as text: a number no row could have is "choose one", on
    SQLite too, which cannot even bind it."""
    import io

    import pytest
    from werkzeug.datastructures import FileStorage

    from tests.conftest import tiny_png
    from webapp.services import documents, notes
    from webapp.services.actor import Actor

    customer, actor, huge = make_customer(), Actor.system("test"), str(2**70)
    with pytest.raises(notes.NoteRefused) as refused:
        notes.add_note(customer, "Title", huge, "Body", actor)
    assert [e.field for e in refused.value.errors] == ["category"]
    upload = FileStorage(io.BytesIO(tiny_png()), "id.png", content_type="image/png")
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.add_document(customer, "ID", huge, upload, actor)
    assert [e.field for e in refused.value.errors] == ["section"]
