"""LoanPro clients against our API: calls replayed as the public clients build them
(ldalton-cee/loanpro-sdk-php, MiloCreditPlatform/loanpro-mcp-server), asserting what the
client does with the answer. Both treat any status but 200 as a failure."""

from tests.conftest import BASE, TENANT
from webapp.models import Customer
from webapp.services import api_tokens


def _headers(token: str, bearer: bool = True) -> dict:
    return {
        "Authorization": f"Bearer {token}" if bearer else token,
        "Autopal-Instance-Id": TENANT,
        "Content-Type": "application/json",
    }


def test_the_mcp_server_sends_its_key_without_bearer_and_reads_the_customer(
    client, tokens, make_customer
):
    # loanpro-mcp-server loanpro/client.go L83-85: "Authorization: <key>" verbatim;
    # loanpro/customers.go L10-35: GET Customers(<id>), only 200 counts, d -> Customer
    # {id int, firstName, lastName, email string}.
    customer = make_customer(firstName="Jane", lastName="Doe", email="jane@example.com")
    response = client.get(
        f"{BASE}/Customers({customer.id})", headers=_headers(tokens["agent"], False)
    )
    assert response.status_code == 200
    d = response.get_json()["d"]
    assert isinstance(d["id"], int) and d["id"] == customer.id
    assert all(isinstance(d[k], str) for k in ("firstName", "lastName", "email"))
    assert (
        client.get(f"{BASE}/Customers({customer.id})", headers=_headers("nope", False)).status_code
        == 401
    )


def test_a_create_answers_200_with_the_customer_under_d(client, tokens, statuses):
    # loanpro-sdk-php Communicator.php L1025-1042 (SaveCustomer): POST Customers(), 200 + d,
    # then CreateCustomerFromJSON needs d.firstName and d.lastName.
    body = {
        "firstName": "John",
        "lastName": "Doe",
        "customerType": "customer.type.individual",
        "gender": "customer.gender.male",
        "birthDate": "1980-01-31",
        "email": "john@none.com",
        "ssn": "123456789",
        "PrimaryAddress": {
            "state": "geo.state.UT",
            "zipcode": "84101",
            "address1": "1 Main St",
            "city": "SLC",
            "country": "company.country.usa",
        },
        "Phones": {
            "results": [{"phone": "8015551234", "type": "customer.phoneType.cell", "isPrimary": 1}]
        },
        "__ignoreWarnings": True,
    }
    response = client.post(f"{BASE}/Customers()", json=body, headers=_headers(tokens["agent"]))
    assert response.status_code == 200, response.get_json()
    d = response.get_json()["d"]
    assert d["firstName"] == "John" and d["lastName"] == "Doe" and isinstance(d["id"], int)


def test_a_token_reads_full_tax_ids_only_with_the_grant_and_a_masked_one_sent_back_is_kept(
    client, users, make_customer
):
    customer = make_customer(ssn="123-45-6789")
    masked = api_tokens.create_token("masked", "agent", users["admin"])[1]
    full = api_tokens.create_token("full", "agent", users["admin"], reads_full_tax_ids=True)[1]
    url = f"{BASE}/Customers({customer.id})"
    shown = client.get(url, headers=_headers(masked)).get_json()["d"]
    assert shown["ssn"].endswith("6789") and "12345" not in shown["ssn"]
    assert client.get(url, headers=_headers(full)).get_json()["d"]["ssn"] == "123456789"
    # loanpro-sdk-php: a fetched customer is saved back with every field it read
    # (Communicator.php L1025-1042, BaseEntity.php L159-201): id, __update, __id appended.
    sent = {
        k: v
        for k, v in shown.items()
        if not isinstance(v, dict) and v is not None and k != "__metadata"
    }
    sent.update({"middleName": "Q", "__update": True, "__id": customer.id})
    response = client.put(url, json=sent, headers=_headers(masked))
    assert response.status_code == 200, response.get_json()
    stored = Customer.get_by_id(customer.id)
    assert stored.ssn == "123456789" and stored.middle_name == "Q"


def test_errors_come_in_loanpro_s_envelope(client, tokens):
    # loanpro-sdk-php src/Exceptions/ApiException.php L35-58 reads error.type and
    # error.message; the HTTP status is the code.
    response = client.get(f"{BASE}/Customers(999999)", headers=_headers(tokens["agent"]))
    error = response.get_json()["error"]
    assert response.status_code == 404
    assert error["code"] == 404 and error["type"] == "NotFound" and error["message"]
