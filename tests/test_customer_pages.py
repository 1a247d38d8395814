"""The add / edit / delete pages: errors beside fields, nothing typed lost, masking."""

from webapp.models import ChangeEntry, Customer

FORM = {
    "customerType": "individual",
    "firstName": "Ann",
    "lastName": "o'neil",
    "gender": "female",
    "idType": "ssn",
    "ssn": "123-45-6789",
    "priPhone": "(801) 555-0100",
    "priPhoneType": "cell",
    "priAddress": "1 Main St",
    "priCity": "Provo",
    "priState": "UT",
    "priZipcode": "84601",
    "priCountry": "usa",
    "mailSameAsPrimary": "y",
    "saleTransferPii": "1",
    "gencode": "none",
}


def test_add_customer_formats_last_name_and_masks_ssn(client, login, statuses):
    login("agent")
    response = client.post("/customers/new", data=FORM)
    assert response.status_code == 302
    customer = Customer.get()
    assert customer.last_name == "O'Neil" and customer.status_id == statuses["Active"].id
    assert customer.username == "annoneil" and customer.mail_same_as_primary
    page = client.get(response.location).get_data(as_text=True)
    assert "•••-••-6789" in page and "123456789" not in page and "123-45-6789" not in page


def test_errors_stand_beside_fields_and_keep_what_was_typed(client, login, statuses):
    login("agent")
    data = {
        **FORM,
        "priPhone": "555-01",
        "email": "ann@",
        "lastName": "Keep Me",
        "password": "weak",
        "mailSameAsPrimary": "",
        "mailAddress": "PO Box 2",
    }
    page = client.post("/customers/new", data=data).get_data(as_text=True)
    assert Customer.select().count() == 0
    assert "Nothing was saved" in page
    assert 'id="priPhone-error">A phone number needs 10 digits' in page
    assert 'id="email-error">Not an email address' in page
    assert 'id="password-error">The password needs' in page
    assert 'id="mailCity-error">A mailing address needs all of' in page
    for typed in (
        'value="555-01"',
        'value="ann@"',
        'value="Keep Me"',
        'value="weak"',
        'value="PO Box 2"',
        'value="123-45-6789"',
    ):
        assert typed in page


def test_do_not_case_format_keeps_the_last_name(client, login, statuses):
    login("agent")
    client.post("/customers/new", data={**FORM, "lastName": "dE la cruz", "doNotCaseFormat": "y"})
    customer = Customer.get()
    assert customer.last_name == "dE la cruz" and customer.do_not_case_format


def test_company_needs_its_company_fields(client, login, statuses):
    login("agent")
    page = client.post(
        "/customers/new", data={**FORM, "customerType": "company", "gender": ""}
    ).get_data(as_text=True)
    assert "Company name is required for company and flooringCustomer." in page
    assert Customer.select().count() == 0


def test_edit_keeps_the_ssn_masked_and_the_password(client, login, make_customer):
    """The form shows the SSN masked too; sent back masked it keeps the stored number,
    a number typed in full replaces it."""
    customer = make_customer(password="Secret12", ssn="123456789")
    login("agent")
    for url in (f"/customers/{customer.id}/edit", f"/customers/{customer.id}/summary/edit"):
        form_page = client.get(url).get_data(as_text=True)
        assert 'value="•••-••-6789"' in form_page and "Secret12" not in form_page
        assert "123456789" not in form_page and "123-45-6789" not in form_page
    old_hash = customer.password_hash
    data = {
        **FORM,
        "firstName": "Davy",
        "lastName": "Hicks",
        "ssn": "•••-••-6789",
        "status": str(customer.status_id),
        "gender": "male",
        "version": str(customer.version),
    }
    response = client.post(f"/customers/{customer.id}/edit", data=data)
    assert response.status_code == 302
    saved = Customer.get_by_id(customer.id)
    assert saved.password_hash == old_hash and saved.ssn == "123456789"
    fields = {e.field for e in ChangeEntry.select().where(ChangeEntry.action == "update")}
    assert "firstName" in fields and "password" not in fields and "ssn" not in fields
    data.update(ssn="987-65-4321", version=str(saved.version))
    assert client.post(f"/customers/{customer.id}/edit", data=data).status_code == 302
    assert Customer.get_by_id(customer.id).ssn == "987654321"


def test_an_agent_empties_the_date_of_birth_and_the_credit_limit(client, login, make_customer):
    """Emptied in the form, a date and an amount are stored as none (on PostgreSQL this
    once failed the save: the empty value was typed as text)."""
    customer = make_customer(creditLimit="1500")
    login("agent")
    data = {
        **FORM,
        "status": str(customer.status_id),
        "gender": "male",
        "version": str(customer.version),
        "birthday": "",
        "creditLimit": "",
    }
    assert client.post(f"/customers/{customer.id}/edit", data=data).status_code == 302
    saved = Customer.get_by_id(customer.id)
    assert (saved.birth_date, saved.credit_limit) == (None, None)


def test_taken_username_comes_back_beside_the_field(client, login, make_customer):
    holder = make_customer(username="taken.name")
    login("agent")
    page = client.post("/customers/new", data={**FORM, "username": "Taken.Name"})
    text = page.get_data(as_text=True)
    assert f'id="username-error">Customer #{holder.id} already has the web username' in text
    assert Customer.select().count() == 1


def test_agents_cannot_delete_managers_can(client, login, make_customer):
    customer = make_customer()
    login("agent")
    assert client.get(f"/customers/{customer.id}/delete").status_code == 403
    assert client.post(f"/customers/{customer.id}/delete").status_code == 403
    client.post("/logout")
    login("manager")
    confirm = client.get(f"/customers/{customer.id}/delete").get_data(as_text=True)
    assert "This cannot be undone" in confirm and "not linked to any loan" in confirm
    unversioned = client.post(f"/customers/{customer.id}/delete").get_data(as_text=True)
    assert "did not say which version" in unversioned and Customer.select().count() == 1
    response = client.post(f"/customers/{customer.id}/delete", data={"version": "1"})
    assert response.status_code == 302
    assert Customer.select().count() == 0
    assert client.get(f"/customers/{customer.id}").status_code == 404


def test_templates_escape_what_users_typed(client, login, make_customer):
    customer = make_customer(middleName="Bob")
    Customer.update(middle_name="<script>alert(1)</script>").execute()
    login("agent")
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
