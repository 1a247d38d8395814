"""The REST API: every verb and error code, OData query options, envelopes, roles, and
that it writes through the same rules and services as the UI."""

import pytest

from tests.conftest import BASE
from webapp.models import ChangeEntry, Customer, CustomerLoan, Loan, Phone, Reference
from webapp.services import api_tokens

NEW_CUSTOMER = {
    "customerType": "customer.type.individual",
    "firstName": "Nora",
    "lastName": "Quill",
    "birthDate": "/Date(473385600)/",
    "gender": "customer.gender.female",
    "generationCode": "customer.generationCode.none",
    "ssn": "123-45-6789",
    "email": "nora@example.com",
    "customId": "NQ-1",
    "PrimaryAddress": {
        "address1": "12 Bay Rd",
        "city": "Trenton",
        "state": "geo.state.NJ",
        "zipcode": "08608",
        "country": "company.country.usa",
    },
    "Phones": {
        "results": [{"phone": "6095550100", "type": "customer.phoneType.cell", "isPrimary": 1}]
    },
}


def test_requests_without_token_or_tenant_are_refused(client, api, tokens):
    assert client.get(f"{BASE}/Customers()").status_code == 401
    wrong_tenant = client.get(
        f"{BASE}/Customers()",
        headers={"Authorization": f"Bearer {tokens['agent']}", "Autopal-Instance-ID": "9"},
    )
    body = wrong_tenant.get_json()
    assert wrong_tenant.status_code == 401 and "Autopal-Instance-ID" in body["error"]["message"]
    assert body["error"]["type"] == "Unauthorized"
    api_tokens.revoke_token(api_tokens.token_for(tokens["agent"]))
    assert api("get", f"{BASE}/Customers()").status_code == 401


def test_post_creates_through_the_rules_and_records_history(api, statuses):
    response = api("post", f"{BASE}/Customers()", json=NEW_CUSTOMER)
    assert response.status_code == 200, response.get_json()
    entity = response.get_json()["d"]
    assert entity["__metadata"] == {  # absolute, as LoanPro gives it
        "uri": f"http://localhost{BASE}/Customers(id={entity['id']})",
        "type": "Entity.Customer",
    }
    assert entity["firstName"] == "Nora" and entity["customId"] == "NQ-1"
    assert (
        entity["birthDate"] == "/Date(473385600)/" and entity["gender"] == "customer.gender.female"
    )
    assert entity["ssn"].endswith("6789") and "12345" not in entity["ssn"]
    assert entity["status"] == "Active"
    assert entity["PrimaryAddress"] == {  # relative, as LoanPro gives it
        "__deferred": {"uri": f"Customers(id={entity['id']})/PrimaryAddress"}
    }
    assert response.headers["Location"].endswith(f"Customers({entity['id']})")
    customer = Customer.get_by_id(entity["id"])
    assert customer.address("primary").state == "NJ"
    entry = ChangeEntry.get(ChangeEntry.customer_id == customer.id)
    assert entry.action == "create" and entry.source == "api · agent system"


def test_invalid_body_is_422_with_field_details_and_writes_nothing(api, statuses):
    body = {
        **NEW_CUSTOMER,
        "email": "not-mail",
        "PrimaryAddress": {**NEW_CUSTOMER["PrimaryAddress"], "state": "geo.state.XX"},
    }
    del body["lastName"]
    response = api("post", f"{BASE}/Customers()", json=body)
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["type"] == "ValidationFailed"
    fields = {d["field"] for d in error["details"]}
    assert {"email", "lastName", "PrimaryAddress.state"} <= fields
    assert Customer.select().count() == 0
    assert (
        api(
            "post", f"{BASE}/Customers()", data="{oops", content_type="application/json"
        ).status_code
        == 400
    )


def test_duplicate_custom_id_is_409(api, statuses):
    assert api("post", f"{BASE}/Customers()", json=NEW_CUSTOMER).status_code == 200
    again = api("post", f"{BASE}/Customers()", json={**NEW_CUSTOMER, "ssn": "123456780"})
    assert (
        again.status_code == 409 and again.get_json()["error"]["details"][0]["field"] == "customId"
    )


def test_put_is_a_partial_update_with_status_and_nested_entities(api, statuses, make_customer):
    customer = make_customer(email="old@example.com")
    url = f"{BASE}/Customers({customer.id})"
    response = api(
        "put",
        url,
        json={
            "status": statuses["Bankruptcy"].id,
            "email": "new@example.com",
            "middleName": None,
            "Employer": {
                "companyName": "Acme",
                "income": 3200,
                "incomeFrequency": "customerEmployer.incomeFrequency.monthly",
            },
            "References": {
                "results": [
                    {"name": "Ruth Hicks", "relation": "Sister", "primaryPhone": "2015550123"}
                ]
            },
        },
    )
    assert response.status_code == 200, response.get_json()
    entity = response.get_json()["d"]
    assert entity["email"] == "new@example.com" and entity["firstName"] == "David"
    stored = Customer.get_by_id(customer.id)
    assert stored.status.title == "Bankruptcy" and stored.employers[0].name == "Acme"
    assert Reference.get().name == "Ruth Hicks"
    fields = {
        e.field
        for e in ChangeEntry.select().where(
            (ChangeEntry.customer_id == customer.id) & (ChangeEntry.action == "update")
        )
    }
    assert {"email", "status", "employerName", "Reference added"} <= fields
    refused = api("put", url, json={"lastName": None})
    assert (
        refused.status_code == 422
        and refused.get_json()["error"]["details"][0]["field"] == "lastName"
    )
    assert api("put", f"{BASE}/Customers(999)", json={"email": "x@y.z"}).status_code == 404


def test_get_one_with_expand_and_select(api, make_customer):
    customer = make_customer(secPhone="2015550111", secPhoneType="home")
    entity = api(
        "get", f"{BASE}/Customers({customer.id})?$expand=PrimaryAddress,Phones"
    ).get_json()["d"]
    assert entity["PrimaryAddress"]["city"] == "Schenectady"
    assert entity["PrimaryAddress"]["state"] == "geo.state.NY"
    assert [p["isPrimary"] for p in entity["Phones"]["results"]] == [1, 0]
    assert "__deferred" in entity["Employer"]
    slim = api("get", f"{BASE}/Customers({customer.id})?$select=id,lastName").get_json()["d"]
    assert set(slim) == {"__metadata", "id", "lastName"}
    phones = api("get", f"{BASE}/Customers({customer.id})/Phones").get_json()["d"]
    assert len(phones["results"]) == 2
    assert api("get", f"{BASE}/Customers({customer.id})/Nope").status_code == 404
    ignored = api("get", f"{BASE}/Customers({customer.id})?$expand=Nope,Phones")  # as LoanPro
    assert ignored.status_code == 200 and "Nope" not in ignored.get_json()["d"]
    assert "results" in ignored.get_json()["d"]["Phones"]
    assert api("get", f"{BASE}/Customers({customer.id})?$expand=a%20b").status_code == 400
    assert api("get", f"{BASE}/Customers(99999999999999999999)").status_code == 404


def test_list_paging_filter_and_orderby(api, make_customer):
    for number, (first, last) in enumerate(
        [("Ann", "Zell"), ("Bob", "Young"), ("Cid", "Xu"), ("Dee", "Young")]
    ):
        make_customer(
            firstName=first,
            lastName=last,
            ssn=f"99999990{number}",
            birthday=f"19{70 + number}-05-01",
        )
    url = f"{BASE}/Customers()"
    page = api("get", url, query_string={"$top": 2, "$skip": 1}).get_json()["d"]
    assert [c["firstName"] for c in page["results"]] == ["Bob", "Cid"]
    assert page["summary"] == {"start": 1, "pageSize": 2, "total": 4}

    def names(**query):
        response = api("get", url, query_string=query)
        assert response.status_code == 200, response.get_json()
        return [c["firstName"] for c in response.get_json()["d"]["results"]]

    assert names(**{"$filter": "lastName eq 'young'", "$orderby": "firstName desc"}) == [
        "Dee",
        "Bob",
    ]
    assert names(
        **{"$filter": "lastName ne 'Young' and (firstName eq 'Ann' or id ge 3)", "$orderby": "id"}
    ) == ["Ann", "Cid"]
    assert names(**{"$filter": "substringof('ell', lastName)"}) == ["Ann"]
    assert names(
        **{"$filter": "contains(lastName,'oun') and birthDate gt datetime'1972-01-01T00:00:00'"}
    ) == ["Dee"]
    assert names(
        **{"$filter": "birthDate lt datetime'1971-12-31T00:00:00'", "$orderby": "birthDate desc"}
    ) == ["Bob", "Ann"]
    assert names(
        **{
            "$filter": "status eq 'Active' and customerType eq 'customer.type.individual'",
            "$top": 1,
        }
    ) == ["Ann"]
    assert len(names(nopaging="", **{"$top": 1})) == 4
    for bad in (
        "lastName eq",
        "shoeSize eq 3",
        "lastName like 'x'",
        "(id eq 1",
        "substringof('x'",
        "id eq 99999999999999999999",
    ):
        response = api("get", url, query_string={"$filter": bad})
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["message"].startswith("$filter")
    assert api("get", url, query_string={"$orderby": "ssn"}).status_code == 400
    for top in ("x", 0, 1001):
        assert api("get", url, query_string={"$top": top}).status_code == 400


def test_delete_needs_a_manager_token_and_keeps_the_loan(api, make_customer):
    customer = make_customer()
    loan = Loan.create(display_id="LN-111")
    CustomerLoan.create(customer=customer, loan=loan, role="primary")
    url = f"{BASE}/Customers({customer.id})"
    refused = api("delete", url, role="agent")
    assert refused.status_code == 403 and "manager" in refused.get_json()["error"]["message"]
    response = api("delete", url, role="manager")
    assert response.status_code == 200 and response.get_json()["d"]["success"] is True
    assert not Customer.select().exists() and not Phone.select().exists()
    assert Loan.get_by_id(loan.id) and not CustomerLoan.select().exists()
    assert ChangeEntry.get(ChangeEntry.customer_id == customer.id).action == "delete"
    assert api("delete", url, role="manager").status_code == 404


def test_statuses_and_loan_links_with_one_primary(api, statuses, make_customer):
    listed = api("get", f"{BASE}/CustomerStatuses()").get_json()["d"]
    assert {s["title"] for s in listed["results"]} == set(statuses)
    first, second = make_customer(), make_customer(ssn="999-99-9990", firstName="Eve")
    loan = Loan.create(display_id="LN-5")

    def link(customer, role):
        return api(
            "put",
            f"{BASE}/Loans({loan.id})",
            json={
                "Customers": {
                    "results": [
                        {
                            "__metadata": {
                                "uri": f"{BASE}/Customers(id={customer.id})",
                                "type": "Entity.Customer",
                            },
                            "__setLoanRole": f"loan.customerRole.{role}",
                        }
                    ]
                }
            },
        )

    assert link(first, "primary").status_code == 200
    body = link(second, "primary").get_json()["d"]
    assert {c["id"]: c["customerRole"] for c in body["Customers"]["results"]} == {
        first.id: "loan.customerRole.secondary",
        second.id: "loan.customerRole.primary",
    }
    loans = api("get", f"{BASE}/Customers({second.id})/Loans").get_json()["d"]["results"]
    assert loans[0]["displayId"] == "LN-5"
    assert link(second, "boss").status_code == 422
    assert api("put", f"{BASE}/Loans({loan.id})", json={}).status_code == 422
    assert (
        api(
            "put",
            f"{BASE}/Loans({loan.id})",
            json={"Customers": {"results": [{"__metadata": {"uri": "Customers(id=999)"}}]}},
        ).status_code
        == 422
    )
    assert api("put", f"{BASE}/Loans(77)", json={}).status_code == 404


def test_search_with_the_elasticsearch_subset(api, make_customer):
    make_customer(
        firstName="Maria", lastName="Lopez", email="maria@example.com", birthday="1980-02-02"
    )
    make_customer(
        firstName="Mario",
        lastName="Lopes",
        ssn="999-99-9990",
        priCity="Albany",
        birthday="1990-02-02",
    )
    url = "/api/public/api/1/Customers/Autopal.Search()"

    def found(query, **args):
        response = api("post", url, json={"query": query}, query_string=args)
        assert response.status_code == 200, response.get_json()
        return [c["firstName"] for c in response.get_json()["d"]["results"]]

    assert found(
        {
            "bool": {
                "must": [
                    {
                        "query_string": {
                            "query": "mari* lop*",
                            "fields": ["customerName"],
                            "default_operator": "AND",
                        }
                    }
                ]
            }
        },
        **{"$orderby": "firstName"},
    ) == ["Maria", "Mario"]
    assert found({"match": {"email": "maria@example.com"}}) == ["Maria"]
    assert found(
        {
            "bool": {
                "must": [{"query_string": {"query": "lop*"}}],
                "should": [{"match": {"city": "albany"}}],
            }
        }
    ) == ["Maria", "Mario"]  # beside `must`, `should` only ranks (we list in ID order)
    assert found({"bool": {"should": [{"match": {"city": "albany"}}]}}) == ["Mario"]
    assert found({"range": {"birthDate": {"gte": "1985-01-01"}}}) == ["Mario"]
    assert found({"query_string": {"query": "Lop?z"}}) == ["Maria"]
    assert found({"match": {"primaryPhone": "9876543210"}}, **{"$top": 1}) == ["Maria"]
    assert api("post", url, json={"query": {"fuzzy": {}}}).status_code == 422
    assert found({"match": {"shoe": "x"}}) == []  # a field no document has matches nothing
    assert api("post", url, data="[1]", content_type="application/json").status_code == 400
    assert api("post", url, json={}, query_string={"$orderby": "x"}).status_code == 400


def test_a_search_lists_and_counts_as_far_as_its_window(api, make_customer, monkeypatch):
    """As LoanPro's search engine: the first RESULT_WINDOW results (3 here) are reached,
    counted and listed; a page ends there, and one past them is refused with the reason."""
    from webapp.api import search

    monkeypatch.setattr(search, "RESULT_WINDOW", 3)
    for first in ("Ann", "Bea", "Cal", "Dee", "Eve"):
        make_customer(firstName=first, lastName="Lopez")
    url = "/api/public/api/1/Customers/Autopal.Search()"
    query = {"query": {"query_string": {"query": "lop*", "fields": ["customerName"]}}}

    def summary_and_names(**args):
        response = api("post", url, json=query, query_string=args)
        assert response.status_code == 200, response.get_json()
        found = response.get_json()["d"]
        return found["summary"]["total"], [c["firstName"] for c in found["results"]]

    assert summary_and_names(**{"$orderby": "firstName"}) == (3, ["Ann", "Bea", "Cal"])
    assert summary_and_names() == (3, ["Ann", "Bea", "Cal"])  # by ID, made in this order
    assert summary_and_names(**{"$start": 1, "$top": 1}) == (3, ["Bea"])
    assert summary_and_names(**{"$orderby": "firstName", "$start": 1, "$top": 2}) == (
        3,
        ["Bea", "Cal"],
    )
    assert summary_and_names(nopaging="", **{"$orderby": "firstName", "$start": 2}) == (
        3,
        ["Cal"],
    )
    assert summary_and_names(**{"$orderby": "firstName", "$start": 2, "$top": 2}) == (
        3,
        ["Cal"],
    )
    beyond = api("post", url, json=query, query_string={"$start": 3})
    assert beyond.status_code == 400
    assert "first 3 results" in beyond.get_json()["error"]["message"]
    listed = api("get", f"{BASE}/Customers()", query_string={"$filter": "lastName eq 'Lopez'"})
    assert listed.get_json()["d"]["summary"]["total"] == 5  # a list counts everything


def test_each_token_is_rate_limited(api, app):
    app.config["API_RATE_PER_MINUTE"] = 3
    codes = [api("get", f"{BASE}/CustomerStatuses()").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert api("get", f"{BASE}/CustomerStatuses()", role="manager").status_code == 200


def test_openapi_document_describes_every_api_route(client, app):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    described = {
        path.replace("{id}", "<id>").replace("{navigation}", "<navigation>")
        for path in document["paths"]
    }
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = (
                rule.rule.removeprefix("/api")
                .replace("<int:customer_id>", "<id>")
                .replace("<int:loan_id>", "<id>")
                .replace("id=<id>", "<id>")
                .replace("odata.svc/Customers/Autopal", "Customers/Autopal")
                .replace("odata.svc/Loans/Autopal", "Loans/Autopal")
                .replace("odata.svc/Customer(", "odata.svc/Customers(")
            )
            if path.endswith(("Customers", "CustomerStatuses", "Loans")):
                path += "()"
            assert path in described, path


def test_an_ssn_is_searched_whole_or_by_its_last_four_never_by_pattern(api, make_customer):
    """With wildcards, about 64 requests used to read a full SSN digit by digit."""
    from webapp.api.search_documents import customer_document

    customer = make_customer(firstName="Pat", lastName="Quinn", ssn="123-45-6789")
    url = "/api/public/api/1/Customers/Autopal.Search()"

    def answer(query):
        return api("post", url, json={"query": query})

    def ids(query):
        response = answer(query)
        assert response.status_code == 200, response.get_json()
        return [c["id"] for c in response.get_json()["d"]["results"]]

    assert ids({"match": {"ssn": "123-45-6789"}}) == [customer.id]
    assert ids({"match": {"ssn": "6789"}}) == [customer.id]
    assert ids({"query_string": {"query": "6789"}}) == [customer.id]  # any field
    assert ids({"match": {"ssn": "1234"}}) == []  # another last four
    for probe in ("1*", "12345*", "*6789", "?????6789", "123456789?", "12345", "45-6789"):
        for query in (
            {"match": {"ssn": probe}},
            {"query_string": {"query": probe, "fields": ["ssn"]}},
        ):
            assert ids(query) == [], probe  # matches nothing, as an unknown field
        # Over every field, a pattern simply does not reach the SSN.
        everywhere = ids({"query_string": {"query": probe}})
        others = [f for f in customer_document().default_fields if f != "ssn"]
        assert everywhere == ids({"query_string": {"query": probe, "fields": others}}), probe


def test_nopaging_has_a_cap_and_streams_in_batches(api, make_customer, monkeypatch):
    """One agent request once listed 40,479 customers in one piece (71 MB, 1.5 GB of
    worker memory). nopaging lists up to NOPAGING_MAX, written out in batches."""
    from webapp.api import entities

    monkeypatch.setattr(entities, "NOPAGING_MAX", 3)
    monkeypatch.setattr(entities, "STREAM_BATCH", 2)
    made = [make_customer(firstName=f"N{n}", lastName="Paging").id for n in range(5)]

    refused = api("get", f"{BASE}/Customers()", query_string={"nopaging": ""})
    assert refused.status_code == 400
    assert "up to 3 customers" in refused.get_json()["error"]["message"]
    assert "5 from where it starts" in refused.get_json()["error"]["message"]

    listed = api("get", f"{BASE}/Customers()", query_string={"nopaging": "", "$skip": 2})
    assert listed.status_code == 200 and listed.is_streamed
    found = listed.get_json()["d"]
    assert [c["id"] for c in found["results"]] == made[2:]  # across two batches, in order
    assert found["summary"] == {"start": 2, "pageSize": 3, "total": 5}


def test_filter_text_functions_match_percent_and_underscore_as_typed(api, make_customer):
    """% and _ in contains / endswith / substringof are the characters, not wildcards."""
    plain = make_customer(firstName="Ann", lastName="Plain", email="ann.plain@example.com")
    marked = make_customer(firstName="Bo", lastName="Marked", email="bo_100%@example.com")

    def ids(expression):
        response = api("get", f"{BASE}/Customers()", query_string={"$filter": expression})
        assert response.status_code == 200, response.get_json()
        return {c["id"] for c in response.get_json()["d"]["results"]}

    assert ids("contains(email, '_')") == {marked.id}
    assert ids("contains(email, '%')") == {marked.id}
    assert ids("substringof('0%@', email)") == {marked.id}
    assert ids("endswith(email, '_')") == set()
    assert ids("contains(email, 'ann.')") == {plain.id}
    assert ids("contains(lastName, 'a')") == {plain.id, marked.id}


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"firstName": ["Nora"]}, "firstName", "not a list or an object"),
        ({"email": {"address": "n@example.com"}}, "email", "not a list or an object"),
        ({"lastName": "\u200b\u200b \ufeff"}, "lastName", "required"),  # only invisible ones
    ],
)
def test_a_value_of_the_wrong_shape_or_only_invisible_characters_is_refused(
    api, statuses, changes, field, words
):
    response = api("post", f"{BASE}/Customers()", json={**NEW_CUSTOMER, **changes})
    assert response.status_code == 422, response.get_json()
    details = response.get_json()["error"]["details"]
    assert any(d["field"] == field and words in d["message"].lower() for d in details), details
    assert Customer.select().count() == 0


def test_invisible_characters_around_a_name_are_trimmed(api, statuses):
    body = {**NEW_CUSTOMER, "firstName": "\u200bNora\u2060"}
    response = api("post", f"{BASE}/Customers()", json=body)
    assert response.status_code == 200, response.get_json()
    assert Customer.get().first_name == "Nora"
