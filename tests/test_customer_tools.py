"""Issue 5's remaining parts: contact details edited in place, the photo, social profiles,
the OFAC check and privacy requests (export and erase)."""

import io
import json
from pathlib import Path

import pytest

from tests.conftest import tiny_png
from webapp.models import (
    ChangeEntry,
    Customer,
    CustomerLoan,
    CustomerPhoto,
    Document,
    DocumentSection,
    Loan,
    Phone,
    SdnEntry,
    SocialProfile,
)
from webapp.services import ofac

HX = {"HX-Request": "true"}
PNG = tiny_png()


@pytest.fixture
def customer(make_customer, login):
    login("manager")
    return make_customer(email="david@example.com", username="dhicks", password="Secret123!")


def form_fields(customer) -> dict:
    """What the customer form posts for this customer as stored (to change one field),
    with the version it was opened at."""
    from webapp.customers.forms import form_data
    from webapp.services.customer_record import read_record

    stored = Customer.get_by_id(customer.id)
    data = {**form_data(read_record(stored)), "version": str(stored.version)}
    data["status"] = str(data["status"])
    return {k: ("y" if v is True else v) for k, v in data.items() if v not in (None, False)}


def section_entries(customer, section):
    return [
        (e.field, e.old_value, e.new_value)
        for e in ChangeEntry.select()
        .where((ChangeEntry.customer_id == customer.id) & (ChangeEntry.section == section))
        .order_by(ChangeEntry.id)
    ]


def load_sample_list(client):
    with ofac.SAMPLE_FILE.open("rb") as sample:
        return client.post(
            "/settings/ofac-list",
            data={"file": (sample, "sdn.csv")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )


def test_contact_information_is_edited_in_place_and_keeps_what_was_typed(client, customer):
    url = f"/customers/{customer.id}/contact/edit"
    form = client.get(url, headers=HX).get_data(as_text=True)
    assert "<html" not in form and 'name="priCity"' in form and 'hx-post="' in form
    assert 'name="firstName"' not in form  # a section form holds its own fields only
    assert 'name="version" type="hidden" value="1"' in form
    typed = {
        **form_fields(customer),
        "priAddress": "9 Elm St",
        "priCity": "Albany",
        "priZipcode": "1220",
        "email": "dh@example.com",
    }
    refused = client.post(url, headers=HX, data=typed).get_data(as_text=True)
    assert "Nothing was saved" in refused and 'value="9 Elm St"' in refused
    assert Customer.get_by_id(customer.id).address("primary").street == "321 Oak Lane"
    saved = client.post(url, headers=HX, data={**typed, "priZipcode": "12207"}).get_data(
        as_text=True
    )
    assert "Saved: 4 fields changed." in saved and "9 Elm St" in saved
    assert 'id="customer-head"' in saved  # the page head is refreshed out of band
    assert {f for f, _, _ in section_entries(customer, "contact")} >= {
        "priAddress",
        "priCity",
        "priZipcode",
        "email",
    }
    assert Customer.get_by_id(customer.id).username == "dhicks"  # untouched sections kept


def test_summary_edit_changes_names_and_the_page_head(client, customer):
    url = f"/customers/{customer.id}/summary/edit"
    form = client.get(url, headers=HX).get_data(as_text=True)
    assert 'name="lastName"' in form and 'name="priCity"' not in form
    data = {**form_fields(customer), "firstName": "Davey"}
    saved = client.post(url, headers=HX, data=data).get_data(as_text=True)
    assert "Davey Hicks" in saved and "Saved: 1 field changed." in saved
    assert client.get(f"/customers/{customer.id}/summary").status_code == 200


def test_photo_upload_checked_served_replaced_and_removed(client, customer, app):
    url = f"/customers/{customer.id}/photo"

    def upload(content, name):
        return client.post(
            url,
            data={"photo": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
            headers=HX,
        ).get_data(as_text=True)

    assert "not really a .png picture" in upload(b"<script>alert(1)</script>", "me.png")
    assert ".png, .jpg or .gif" in upload(b"%PDF-1.7", "me.pdf")
    assert client.get(url).status_code == 404
    page = upload(PNG, "me.png")
    assert "Photo of David Hicks" in page
    served = client.get(url)
    assert served.data == PNG and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    upload(b"GIF89a" + bytes(20), "me.gif")
    assert CustomerPhoto.get().content_type == "image/gif"
    client.post(f"{url}/remove", headers=HX)
    assert not CustomerPhoto.select().exists() and client.get(url).status_code == 404
    assert not (Path(app.instance_path) / "photos" / str(customer.id)).exists()
    assert [
        (old, new.split(" (")[0])
        for _, old, new in section_entries(customer, "general")
        if _ == "Photo"
    ] == [("", "me.png"), ("(a photo)", "me.gif"), ("(a photo)", "")]


def test_social_profiles_add_refuse_link_safely_and_remove(client, customer):
    url = f"/customers/{customer.id}/social-profiles"
    refused = client.post(url, data={"network": "", "address": "@dh icks"}, headers=HX).get_data(
        as_text=True
    )
    assert "Choose the network." in refused and "one word" in refused
    assert 'value="@dh icks"' in refused
    client.post(
        url, data={"network": "linkedin", "address": "https://linkedin.com/in/dh"}, headers=HX
    )
    page = client.post(
        url, data={"network": "other", "address": "javascript:alert(1)"}, headers=HX
    ).get_data(as_text=True)
    assert 'href="https://linkedin.com/in/dh"' in page
    assert 'href="javascript' not in page and "javascript:alert(1)" in page
    first = SocialProfile.select().order_by(SocialProfile.id).first()
    client.post(f"{url}/{first.id}/remove", headers=HX)
    assert [p.network for p in SocialProfile.select()] == ["other"]
    assert [f for f, _, _ in section_entries(customer, "contact")] == [
        "Social profile added",
        "Social profile added",
        "Social profile removed",
    ]


def test_ofac_list_is_loaded_by_admins_and_a_bad_file_changes_nothing(client, login, users):
    login("manager")
    assert client.get("/settings/ofac-list").status_code == 403
    login("admin")
    assert "No list is loaded yet" in client.get("/settings/ofac-list").get_data(as_text=True)
    page = load_sample_list(client).get_data(as_text=True)
    assert "Loaded 8 names" in page and "MARQUEZ RIVERA, Luis Alberto" in page
    entry = SdnEntry.get(SdnEntry.entry_number == 9002)
    assert entry.name_key == "luis alberto marquez rivera" and entry.programs == "SDNTK"
    bad = client.post(
        "/settings/ofac-list",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"name,dob\nJohn,1970\n"), "x.csv")},
    )
    assert "Line 1 is not an SDN entry" in bad.get_data(as_text=True)
    assert SdnEntry.select().count() == 8
    assert client.get("/settings/ofac-list/sample.csv").data == ofac.SAMPLE_FILE.read_bytes()


def test_ofac_check_finds_a_similar_name_and_records_every_check(client, login, make_customer):
    login("admin")
    load_sample_list(client)
    login("agent")
    listed = make_customer(firstName="Luis", lastName="Marquez-Rivera", middleName="A")
    clear = make_customer(firstName="Jane", lastName="Doe", ssn="999-99-9998")
    hit = client.post(f"/customers/{listed.id}/tools/ofac", headers=HX).get_data(as_text=True)
    assert "Possible match" in hit and "MARQUEZ RIVERA, Luis Alberto" in hit
    assert "not tell the customer" in hit
    miss = client.post(f"/customers/{clear.id}/tools/ofac", headers=HX).get_data(as_text=True)
    assert "No match" in miss
    assert section_entries(clear, "tools") == [("OFAC check", "", "no match among 8 listed names")]
    assert "entry 9002" in section_entries(listed, "tools")[0][2]


def test_ofac_check_without_a_list_says_so(client, customer):
    page = client.post(f"/customers/{customer.id}/tools/ofac", headers=HX)
    assert "cannot run until an SDN list is loaded" in page.get_data(as_text=True)
    assert section_entries(customer, "tools") == []


def test_privacy_export_holds_the_data_but_withholds_identifiers(client, customer, login):
    Phone.update(verified=True).execute()
    response = client.post(f"/customers/{customer.id}/tools/export")
    body = json.loads(response.data)
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert body["customer"]["first_name"] == "David" and body["customer"]["status"] == "Active"
    assert body["customer"]["ssn"].startswith("(held") and "9999" not in response.text
    assert "$argon2" not in response.text and "Secret123" not in response.text
    assert body["phones"][0]["number"] == "9876543210"
    assert [f for f, _, _ in section_entries(customer, "tools")] == ["Personal data exported"]
    login("agent")
    assert client.post(f"/customers/{customer.id}/tools/export").status_code == 403


def test_privacy_erase_blanks_pii_keeps_id_and_loans_and_records_it(client, customer, app):
    loan = Loan.create(display_id="LN-9")
    CustomerLoan.create(customer=customer, loan=loan, role="primary")
    section = DocumentSection.create(title="ID")
    client.post(
        f"/customers/{customer.id}/documents",
        content_type="multipart/form-data",
        data={
            "name": "Licence",
            "section": str(section.id),
            "file": (io.BytesIO(b"%PDF-1.7 x"), "id.pdf"),
        },
    )
    stored = Path(app.instance_path) / "documents" / str(Document.get().id)
    url = f"/customers/{customer.id}/tools/erase"
    unconfirmed = client.post(url, data={"law": "ccpa", "confirm_id": "999"})
    assert "Type the customer ID" in unconfirmed.get_data(as_text=True)
    assert Customer.get_by_id(customer.id).ssn
    client.post(url, data={"law": "ccpa", "confirm_id": str(customer.id)})
    erased = Customer.get_by_id(customer.id)
    assert (
        erased.first_name,
        erased.ssn,
        erased.email,
        erased.username,
        erased.birth_date,
        erased.password_hash,
    ) == ("", None, None, None, None, None)
    assert erased.status_id == customer.status_id
    assert not Phone.select().exists() and not Document.select().exists()
    assert not stored.exists()
    assert CustomerLoan.get().loan_id == loan.id
    entries = list(ChangeEntry.select().where(ChangeEntry.customer_id == customer.id))
    assert len(entries) == 1 and entries[0].field == "Personal data erased (CCPA request)"
    assert "David" not in client.get(f"/customers/{customer.id}/history").get_data(as_text=True)
