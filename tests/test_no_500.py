"""Inputs an outside probe sent that once answered 500: each gets a clear 4xx (or a
plain page) now, on SQLite and on PostgreSQL."""

import pytest

from tests.conftest import BASE

PAGES = [
    "/customers?status=99999999999999999999999",  # beyond 64 bits (SQLite cannot bind it)
    "/customers/{id}/notes?category=99999999999999999999999",
    "/customers?q=a%00b",  # NUL, which PostgreSQL text cannot hold (422, said)
    "/customers?type=a%00b",
    "/customers?q=%F4%8F%BF%BF",  # U+10FFFF
    "/customers?page=99999999999999999999999",
    "/login?next=/customers%0D%0ASet-Cookie:x=1",  # CRLF in ?next=
]
FILTERS = {
    "id eq 'abc'": "is not a number",
    "birthDate eq 'yesterday'": "is not a date",
    " or ".join(["id eq 1"] * 101): "more than 100 comparisons",
    "(" * 30 + "id eq 1" + ")" * 30: "nested more than 20 deep",
    "not " * 30 + "id eq 1": "nested more than 20 deep",
    "firstName eq 'a\x00b'": "NUL",
    "id eq 99999999999999999999999": "too large",
}


@pytest.mark.parametrize("url", PAGES)
def test_odd_query_strings_get_a_page_not_an_error(admin, make_customer, url):
    customer = make_customer()
    response = admin.get(url.format(id=customer.id))
    assert response.status_code in (200, 302, 422), response.status_code
    assert "\r" not in response.headers.get("Location", "")


@pytest.mark.parametrize("expression, words", FILTERS.items())
def test_filters_past_the_grammar_are_refused_with_400(api, expression, words):
    response = api("get", f"{BASE}/Customers()", query_string={"$filter": expression})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert words in response.get_json()["error"]["message"]


def test_a_long_or_list_within_the_limit_is_answered(api, make_customer):
    """Kept balanced, a hundred comparisons nest seven deep, not a hundred."""
    made = [make_customer(firstName=f"Or{n}").id for n in range(3)]
    expression = " or ".join(f"id eq {n}" for n in [*made, *range(10_000, 10_097)])
    response = api("get", f"{BASE}/Customers()", query_string={"$filter": expression})
    assert response.status_code == 200, response.get_json()
    assert sorted(c["id"] for c in response.get_json()["d"]["results"]) == made


def test_a_nul_in_a_body_is_a_422(api, statuses):
    response = api("post", f"{BASE}/Customers()", json={"firstName": "A\x00B", "lastName": "X"})
    assert response.status_code == 422


def test_the_import_problems_page_opens_whole_at_any_page_number(admin, run_worker):
    """Its address is the htmx partial's; opened as a page (a reload, a new tab) it
    draws the whole job page, and a page number past the end shows the last page."""
    from tests.importfiles import csv_bytes, row
    from tests.test_imports import uploaded, verified

    job = verified(admin, run_worker, uploaded(admin, csv_bytes([row(importId="P", priPhone="1")])))
    for page in ("1", "99999999999999999999999"):
        response = admin.get(f"/imports/{job.id}/problems", query_string={"page": page})
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "<html" in text and "priPhone" in text
