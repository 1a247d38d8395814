"""LoanPro clients against our API: calls replayed as the public clients build them
(ldalton-cee/loanpro-sdk-php, MiloCreditPlatform/loanpro-mcp-server), asserting what the
client does with the answer. Both treat any status but 200 as a failure."""

import datetime as dt
import json
from decimal import Decimal

from tests.conftest import BASE, TENANT
from webapp.models import ChangeEntry, Customer, CustomerLoan, Loan, PaymentProfile
from webapp.services import api_tokens, ofac

ROOT = BASE.removesuffix("/odata.svc")  # {base}/public/api/1 of both clients


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


def _replay(client, token: str, method: str, path: str, body=None, bearer: bool = True):
    """One call as a client sends it (the body as the exact bytes it writes); the answer's
    `d`, after the check both clients make: status 200, or the call has failed."""
    data = None if body is None else json.dumps(body, separators=(",", ":"))
    response = client.open(path, method=method, data=data, headers=_headers(token, bearer))
    assert response.status_code == 200, (method, path, response.get_json())
    return response.get_json()["d"]


def _go_string(value) -> bool:
    """What Go's json decodes into a string field: a string, or null."""
    return value is None or isinstance(value, str)


def _go_number(value) -> bool:
    """What json.Number takes: a number, a numeric string, or null (never "" or a bool)."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    try:
        Decimal(str(value))
        return True
    except ArithmeticError:
        return False


def _book(make_customer):
    """Two customers on two loans: LN-1 is 12 days past due, LN-2 3 days."""
    jane = make_customer(firstName="Jane", lastName="Doe", email="jane@example.com")
    john = make_customer(firstName="John", lastName="Doering", email="john@example.com")
    late = Loan.create(
        display_id="LN-1",
        status="Open",
        principal_balance=Decimal("1234.50"),
        payoff=Decimal("1300"),
        days_past_due=12,
        amount_past_due=Decimal("99.9"),
        next_due_date=dt.date(2026, 12, 15),
        next_due_amount=Decimal("150"),
    )
    fine = Loan.create(display_id="LN-2", status="Open", days_past_due=3)
    CustomerLoan.create(customer=jane, loan=late, role="primary")
    CustomerLoan.create(customer=john, loan=fine, role="primary")
    return jane, john, late, fine


# ---- loanpro-mcp-server (Go) ----------------------------------------------------------


def test_mcp_search_customers_with_a_term_and_without(client, tokens, make_customer):
    jane, john, *_ = _book(make_customer)
    make_customer(firstName="Ann", lastName="Other", email="ann@example.com")
    # loanpro/customers.go L38-88: the body json.Marshal writes for ("Doe", 10) and ("", 10).
    with_term = {
        "query": {
            "bool": {
                "minimum_should_match": 1,
                "should": [
                    {
                        "query_string": {
                            "default_operator": "and",
                            "fields": ["firstName", "lastName", "email", "ssn", "companyName"],
                            "query": "*Doe*",
                        }
                    },
                    {"match": {"firstName": "Doe"}},
                    {"match": {"lastName": "Doe"}},
                ],
            }
        },
        "size": 10,
    }
    url = f"{ROOT}/Customers/Autopal.Search()"
    d = _replay(client, tokens["agent"], "POST", url, with_term, bearer=False)
    # CustomerSearchResponse: results[].id an integer, summary totalHits/totalTime integers.
    assert [hit["id"] for hit in d["results"]] == [jane.id, john.id]  # *doe* is in both
    assert all(type(hit["id"]) is int for hit in d["results"])
    assert all(_go_string(hit[k]) for hit in d["results"] for k in ("firstName", "email"))
    assert type(d["summary"]["totalHits"]) is int and type(d["summary"]["totalTime"]) is int
    # tools/search_customers.go L45-48 renders each row from these.
    lines = [f"- ID: {h['id']}, Name: {h['firstName']} {h['lastName']}" for h in d["results"]]
    assert lines[0] == f"- ID: {jane.id}, Name: Jane Doe"
    everyone = _replay(
        client, tokens["agent"], "POST", url, {"query": {"match_all": {}}, "size": 10}, False
    )
    assert everyone["summary"]["totalHits"] == 3 and len(everyone["results"]) == 3


def test_mcp_search_loans_reads_strings_for_money(client, tokens, make_customer):
    jane, john, late, fine = _book(make_customer)
    url = f"{ROOT}/Loans/Autopal.Search()"
    # loanpro/loans.go L46-128: the four bodies SearchLoans writes.
    bodies = {
        ("Doe", "Open", 5, 0): {
            "from": 0,
            "query": {
                "bool": {
                    "minimum_should_match": 1,
                    "must": {"match": {"loanStatusText": "Open"}},
                    "should": [
                        {
                            "query_string": {
                                "default_operator": "and",
                                "fields": ["displayId", "primaryCustomerName", "title"],
                                "query": "*Doe*",
                            }
                        },
                        {"match": {"displayId": "Doe"}},
                        {"match": {"primaryCustomerName": "Doe"}},
                    ],
                }
            },
            "size": 5,
        },
        ("LN-1", "", 10, 0): {
            "from": 0,
            "query": {
                "bool": {
                    "minimum_should_match": 1,
                    "should": [
                        {
                            "query_string": {
                                "default_operator": "and",
                                "fields": ["displayId", "primaryCustomerName", "title"],
                                "query": "*LN-1*",
                            }
                        },
                        {"match": {"displayId": "LN-1"}},
                        {"match": {"primaryCustomerName": "LN-1"}},
                    ],
                }
            },
            "size": 10,
        },
        ("", "Open", 10, 1): {
            "from": 1,
            "query": {"bool": {"must": {"match": {"loanStatusText": "Open"}}}},
            "size": 10,
        },
        ("", "", 10, 0): {"from": 0, "query": {"match_all": {}}, "size": 10},
    }
    found = {
        key: _replay(client, tokens["agent"], "POST", url, body, False)["results"]
        for key, body in bodies.items()
    }
    assert [h["id"] for h in found["Doe", "Open", 5, 0]] == [late.id, fine.id]
    assert [h["id"] for h in found["LN-1", "", 10, 0]] == [late.id]
    assert [h["id"] for h in found["", "Open", 10, 1]] == [fine.id]  # from 1
    hit = found["", "", 10, 0][0]
    # SearchResponse's Loan: these must be JSON strings, daysPastDue a number.
    for key in ("principalBalance", "displayId", "loanStatusText", "primaryCustomerName"):
        assert isinstance(hit[key], str), key
    assert hit["principalBalance"] == "1234.50" and _go_number(hit["daysPastDue"])
    assert hit["primaryCustomerName"] == "Jane Doe"


def test_mcp_get_loan_and_past_due_loans(client, tokens, make_customer):
    jane, john, late, fine = _book(make_customer)
    token = tokens["agent"]
    # loanpro/loans.go L13-43: GET Loans(<id>)?$expand=LoanSettings,LoanSetup,Customers,
    # StatusArchive, decoded into Loan: objects for LoanSettings/LoanSetup, {"results"} for
    # Customers/StatusArchive, money as strings.
    expand = "%24expand=LoanSettings%2CLoanSetup%2CCustomers%2CStatusArchive"
    d = _replay(client, token, "GET", f"{BASE}/Loans({late.id})?{expand}", bearer=False)
    assert isinstance(d["LoanSettings"], dict) and isinstance(d["LoanSetup"], dict)
    assert _go_number(d["LoanSetup"]["active"]) and _go_number(d["LoanSettings"]["loanStatusId"])
    assert [c["id"] for c in d["Customers"]["results"]] == [jane.id]
    latest = d["StatusArchive"]["results"][-1]  # loan_methods.go: the last entry is current
    assert latest["principalBalance"] == "1234.50" and latest["payoff"] == "1300.00"
    assert latest["loanStatusText"] == "Open" and _go_number(latest["daysPastDue"])
    # tools/get_loan.go L32-33 prints these.
    assert (d["displayId"], latest["payoff"]) == ("LN-1", "1300.00")

    # loanpro/loans.go L151-189, step 1: the past-due search, sorted by daysPastDue.
    body = {
        "query": {
            "bool": {
                "must": [
                    {"range": {"daysPastDue": {"gt": 1}}},
                    {"match": {"loanStatusText": "Open"}},
                ]
            }
        },
        "size": 50,
        "sort": [{"daysPastDue": {"order": "asc"}}],
    }
    hits = _replay(client, token, "POST", f"{ROOT}/Loans/Autopal.Search()", body, False)
    ids = [str(h["id"]).strip() for h in hits["results"]]
    assert ids == [str(fine.id), str(late.id)]  # 3 days, then 12
    # Step 2 (L193-229): one OData request per 50 IDs, "id eq A or id eq B", $top = count.
    query = f"{expand}&%24filter=id+eq+{ids[0]}+or+id+eq+{ids[1]}&%24top={len(ids)}"
    batch = _replay(client, token, "GET", f"{BASE}/Loans?{query}", bearer=False)
    days = {
        loan["displayId"]: loan["StatusArchive"]["results"][-1]["daysPastDue"]
        for loan in batch["results"]
    }
    assert days == {"LN-1": 12, "LN-2": 3}


def test_mcp_payments_and_transactions_of_a_loan_are_empty_lists(client, tokens, make_customer):
    _, _, late, _ = _book(make_customer)
    # loanpro/payments.go L10-47: d.Payments.results; transactions.go L40-53: d.results.
    d = _replay(client, tokens["agent"], "GET", f"{BASE}/Loans({late.id})?%24expand=Payments")
    assert d["Payments"] == {"results": []}
    d = _replay(client, tokens["agent"], "GET", f"{BASE}/Loans({late.id})/Transactions")
    assert d == {"results": []}


# ---- loanpro-sdk-php ------------------------------------------------------------------


def test_sdk_links_a_customer_and_reads_the_loan_back(client, tokens, make_customer):
    jane, john, late, _ = _book(make_customer)
    # Communicator.php L1191-1221 (C7): the link body, its uri root-relative /api/1/...
    body = {
        "id": late.id,
        "Customers": {
            "results": [
                {
                    "__metadata": {
                        "uri": f"/api/1/odata.svc/Customers(id={john.id})",
                        "type": "Entity.Customer",
                    },
                    "__setLoanRole": "loan.customerRole.secondary",
                }
            ]
        },
        "__update": True,
        "__id": late.id,
    }
    _replay(client, tokens["agent"], "PUT", f"{BASE}/Loans({late.id})", body)
    # C8 (L283-306): GET Loans(id)?$expand=Customers&nopaging=true; LoanEntity needs
    # displayId, each customer firstName and lastName.
    d = _replay(
        client, tokens["agent"], "GET", f"{BASE}/Loans({late.id})?$expand=Customers&nopaging=true"
    )
    customers = d["Customers"]
    assert d["displayId"] == "LN-1"
    assert [(c["id"], c["firstName"], c["lastName"]) for c in customers] == [
        (jane.id, "Jane", "Doe"),
        (john.id, "John", "Doering"),
    ]
    assert customers[1]["loanRole"] == "loan.customerRole.secondary"


def test_sdk_sets_loan_access_and_reads_it_as_related_metadata(client, tokens, make_customer):
    jane, _, late, _ = _book(make_customer)
    token = tokens["agent"]

    def access():
        # C9 (L1230-1261): d.Loans iterated as a bare array; _relatedMetadata ints.
        d = _replay(
            client,
            token,
            "GET",
            f"{BASE}/Customers({jane.id})?$expand=Loans,Loans/StatusArchive&nopaging=true",
        )
        assert isinstance(d["Loans"], list)
        return {
            loan["id"]: {
                "web": loan["_relatedMetadata"]["customerWebAccess"],
                "sms": loan["_relatedMetadata"]["customerSmsAccess"],
                "email": loan["_relatedMetadata"]["customerEmailEnrollmentAccess"],
            }
            for loan in d["Loans"]
        }

    assert access() == {late.id: {"web": 1, "sms": 0, "email": 1}}
    # C10 (L1272-1317): the flags set in one entry, then C9 again.
    for value in (1, 0):
        body = {
            "id": late.id,
            "Customers": {
                "results": [
                    {
                        "__id": jane.id,
                        "__update": True,
                        "__setCustomerWebAccess": value,
                        "__setCustomerSmsAccess": value,
                        "__setCustomerEmailAccess": value,
                    }
                ]
            },
            "__update": True,
            "__id": late.id,
        }
        _replay(client, token, "PUT", f"{BASE}/Loans({late.id})", body)
        assert access() == {late.id: {"web": value, "sms": value, "email": value}}
    # The nested StatusArchive came bare too, its last entry current.
    d = _replay(
        client, token, "GET", f"{BASE}/Customers({jane.id})?$expand=Loans/StatusArchive&nopaging"
    )
    assert d["Loans"][0]["StatusArchive"][-1]["daysPastDue"] == 12


def test_documented_link_roles_and_unlink(client, tokens, make_customer):
    jane, john, late, _ = _book(make_customer)
    token = tokens["agent"]
    url = f"{BASE}/Loans({late.id})"

    def roles():
        d = _replay(client, token, "GET", f"{url}?$expand=Customers")
        return {c["id"]: c["loanRole"] for c in d["Customers"]["results"]}

    # developers.loanpro.io "Customer Role Values": each role links and reads back.
    for role in ("additional", "authorized", "unassigned", "secondary"):
        body = {
            "Customers": {
                "results": [{"__id": john.id, "__setLoanRole": f"loan.customerRole.{role}"}]
            }
        }
        _replay(client, token, "PUT", url, body)
        assert roles() == {
            jane.id: "loan.customerRole.primary",
            john.id: f"loan.customerRole.{role}",
        }
    # "Unlink customer from loan": {"__id", "__destroy": true}.
    _replay(
        client,
        token,
        "PUT",
        url,
        {"Customers": {"results": [{"__id": john.id, "__destroy": True}]}},
    )
    assert roles() == {jane.id: "loan.customerRole.primary"}
    assert ChangeEntry.select().where(ChangeEntry.customer_id == john.id).count() >= 5
    # The primary stays until another takes over: 409, LoanPro's code for such a refusal.
    refused = client.put(
        url,
        json={"Customers": {"results": [{"__id": jane.id, "__destroy": True}]}},
        headers=_headers(token),
    )
    assert refused.status_code == 409 and "primary" in refused.get_json()["error"]["message"]


def test_sdk_payment_accounts_nested_lists_and_ofac(client, tokens, make_customer):
    jane, *_ = _book(make_customer)
    token = tokens["agent"]
    PaymentProfile.create(
        customer=jane,
        kind="card",
        token="tok_1",
        last4="4242",
        brand="Visa",
        holder_name="Jane Doe",
        expiry="12/29",
    )
    PaymentProfile.create(
        customer=jane,
        kind="bank",
        token="tok_2",
        last4="6789",
        holder_name="Jane Doe",
        active=False,
    )
    # C11 (L1053-1074): PaymentAccountEntity needs title and type.
    d = _replay(
        client,
        token,
        "GET",
        f"{BASE}/Customers({jane.id})/PaymentAccounts?$expand=CheckingAccount,CreditCard"
        "&nopaging=true&$filter=active eq 1",
    )
    assert [(a["title"], a["type"]) for a in d["results"]] == [
        ("Visa ending 4242", "paymentAccount.type.credit")
    ]
    assert d["results"][0]["CreditCard"]["cardNumber"].endswith("4242")
    assert "tok_1" not in json.dumps(d)  # tokens never leave
    # C12 (L929-945): Customer(id)/Phones, "Customer" singular as the SDK spells it.
    phones = _replay(
        client, token, "GET", f"{BASE[: -len('/odata.svc')]}/odata.svc/Customer({jane.id})/Phones"
    )
    assert phones["results"] and phones["results"][0]["phone"]
    # C14 (L1131-1143): Autopal.OfacTest(), no body; d.matchesFound falsy -> [false, []].
    ofac.load_sdn_file(ofac.SAMPLE_FILE.read_bytes())
    d = _replay(client, token, "POST", f"{BASE}/Customers({jane.id})/Autopal.OfacTest()")
    assert d["matchesFound"] == 0 and d["matches"] == []
    listed = make_customer(firstName="Dmitri", lastName="Kovalenko")
    d = _replay(client, token, "POST", f"{BASE}/Customers({listed.id})/Autopal.OfacTest()")
    assert d["matchesFound"] == 1 and d["matches"][0]["entryNumber"] == 9001


def test_sdk_search_with_its_generated_body_and_aggregations(client, tokens, make_customer):
    for first, birthday in (("Ann", "1980-06-01"), ("Bea", "1990-06-01"), ("Cal", "2000-06-01")):
        make_customer(firstName=first, email=f"{first.lower()}@none.com", birthday=birthday)
    make_customer(firstName="Dee", email="dee@elsewhere.com")
    # The repository's online test (§5): SearchParams' bool/should query_string and
    # AggregateParams "age:sum,max;loanCount:avg", with nopaging.
    body = {
        "query": {
            "bool": {
                "should": [
                    {
                        "query_string": {
                            "fields": ["email"],
                            "query": "*none.com",
                            "default_operator": "OR",
                        }
                    }
                ]
            }
        },
        "aggs": {
            "sum_age": {"sum": {"field": "age"}},
            "max_age": {"max": {"field": "age"}},
            "avg_loancount": {"avg": {"field": "loanCount"}},
        },
    }
    d = _replay(
        client, tokens["agent"], "POST", f"{ROOT}/Customers/Autopal.Search()?nopaging=true", body
    )
    assert [h["firstName"] for h in d["results"]] == ["Ann", "Bea", "Cal"]
    ages = [h["age"] for h in d["results"]]
    aggregations = d["summary"]["aggregations"]
    assert aggregations["sum_age"]["value"] == sum(ages)
    assert aggregations["max_age"]["value"] == max(ages)
    assert aggregations["avg_loancount"]["value"] == 0
    # "[f] != x" becomes mustNot (SearchGenerator), and the iterator pages by $start/$top.
    negated = {"query": {"bool": {"mustNot": [{"match": {"firstName": "Ann"}}]}}, "aggs": []}
    page = _replay(
        client,
        tokens["agent"],
        "POST",
        f"{ROOT}/Customers/Autopal.Search()?$start=1&$top=2",
        negated,
    )
    assert [h["firstName"] for h in page["results"]] == ["Cal", "Dee"]


def test_calls_we_do_not_serve_answer_json_never_a_login_page(client, tokens, make_customer):
    customer = make_customer()
    headers = _headers(tokens["agent"])
    for method, path in (
        # C13 (L1085-1122): no credit bureau is connected here.
        ("POST", f"{BASE}/Customers({customer.id})/Autopal.GetCreditScore()"),
        # C15 / C16 (L128-168): there is no customer portal.
        ("POST", f"{ROOT}/tenants({TENANT})/customers/authenticate"),
        ("PATCH", f"{BASE}/Customers({customer.id})"),
        ("GET", f"{BASE}/CustomerStatuses(1)/Nothing"),
    ):
        response = client.open(path, method=method, json={}, headers=headers)
        assert response.status_code in (404, 405), (method, path)
        assert response.is_json and response.get_json()["error"]["code"] == response.status_code


def test_a_status_is_set_by_its_id(client, tokens, make_customer, statuses):
    # LoanPro's customers carry statusId; a client saving one back changes the status.
    customer = make_customer()
    url = f"{BASE}/Customers({customer.id})"
    wanted = statuses["Inactive"]
    d = _replay(client, tokens["agent"], "PUT", url, {"statusId": wanted.id, "__update": True})
    assert d["statusId"] == wanted.id and d["status"] == "Inactive"
    assert Customer.get_by_id(customer.id).status_id == wanted.id
    refused = client.put(url, json={"statusId": 987654}, headers=_headers(tokens["agent"]))
    assert refused.status_code == 422
    assert Customer.get_by_id(customer.id).status_id == wanted.id


def test_the_documented_employer_example_is_stored_and_read_back(client, tokens, make_customer):
    # developers.loanpro.io "Add/Edit Customer Employer": the body, verbatim.
    customer = make_customer()
    body = {
        "Employer": {
            "phone": "5555555555",
            "payDate": "2015-11-30",
            "Address": {
                "address1": "123 Oak Lane",
                "city": "San Diego",
                "state": "geo.state.CA",
                "zipcode": "92101",
                "country": "company.country.usa",
            },
            "hireDate": "2015-11-11",
            "incomeFrequency": "customerEmployer.incomeFrequency.annually",
            "payDateFrequency": "customerEmployer.payDateFrequency.biWeekly",
            "income": "150000.00",
            "companyName": "Merrill Lynch",
            "title": "Manager",
        }
    }
    _replay(client, tokens["agent"], "PUT", f"{BASE}/Customers({customer.id})", body)
    employer = _replay(client, tokens["agent"], "GET", f"{BASE}/Customers({customer.id})/Employer")
    assert employer["incomeFrequency"] == "customerEmployer.incomeFrequency.annually"
    assert employer["payDateFrequency"] == "customerEmployer.payDateFrequency.biWeekly"
    assert employer["payDate"] and employer["companyName"] == "Merrill Lynch"
    assert employer["Address"]["city"] == "San Diego"
    assert employer["Address"]["state"] == "geo.state.CA"
