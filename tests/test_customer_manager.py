"""Search as you type: by name, IDs, email, phone digits and SSN last four; filters,
paging, counts, and the htmx partial."""

import re

import pytest

from webapp.models import CustomerStatus


@pytest.fixture
def people(make_customer):
    return {
        "hicks": make_customer(
            firstName="David",
            lastName="Hicks",
            importId="IMP-1",
            email="dave@example.com",
            priPhone="8015550147",
            ssn="111-22-3344",
        ),
        "hickman": make_customer(
            firstName="Rosa",
            lastName="Hickman",
            importId="IMP-2",
            priPhone="3855550199",
            ssn="555-66-7788",
        ),
        "acme": make_customer(
            firstName="Jo",
            lastName="Stone",
            customerType="company",
            companyName="Acme Farms",
            companyContact="Jo Stone",
            gender="",
            importId="IMP-3",
            priPhone="2025550123",
        ),
    }


def found(client, query=""):
    page = client.get(f"/customers?{query}", headers={"HX-Request": "true"})
    text = page.get_data(as_text=True)
    assert "<html" not in text  # only the partial
    return re.findall(r'/customers/(\d+)">[^<]*</a></td>\s*<td><a', text), text


@pytest.mark.parametrize(
    "query,expected",
    [
        ("q=hick", ["hickman", "hicks"]),  # by last name
        ("q=HICKS", ["hicks"]),
        ("q=david+hic", ["hicks"]),
        ("q=rosa", ["hickman"]),
        ("q=acme", ["acme"]),
        ("q=farms", ["acme"]),  # a word inside a name
        ("q=ros%C3%A1", ["hickman"]),  # accents aside
        ("q=801555", ["hicks"]),  # a phone's first digits
        ("q=IMP-2", ["hickman"]),
        ("q=dave%40ex", ["hicks"]),
        ("q=555-0199", ["hickman"]),
        ("q=3344", ["hicks"]),
        ("q=zzz", []),
        ("type=company", ["acme"]),
    ],
)
def test_search_finds_by_every_key(client, login, people, query, expected):
    login("agent")
    ids, _ = found(client, query)
    assert ids == [str(people[name].id) for name in expected]


def test_search_by_customer_id_and_status_filter(client, login, people, statuses):
    login("agent")
    assert found(client, f"q={people['acme'].id}")[0][0] == str(people["acme"].id)
    bankrupt = statuses["Bankruptcy"]
    CustomerStatus.update(active=True).execute()
    people["hicks"].status = bankrupt
    people["hicks"].save()
    assert found(client, f"status={bankrupt.id}")[0] == [str(people["hicks"].id)]


def next_link(text: str, rel: str = "Next") -> str:
    links = re.findall(r'<a href="/customers\?([^"]+)"[^>]*>([^<]+)</a>', text)
    return next(url.replace("&amp;", "&") for url, label in links if rel in label)


def test_counts_and_pages_go_on_after_the_last_row(client, login, make_customer, monkeypatch):
    for number in range(30):
        make_customer(importId=f"N{number}", lastName=f"Person{number:02d}")
    login("agent")
    ids, text = found(client)
    assert len(ids) == 25 and "30 customers" in text and "1–25 of 30" in text
    second, text = found(client, next_link(text))
    assert len(second) == 5 and "26–30 of 30" in text and not set(second) & set(ids)
    back, text = found(client, next_link(text, "Previous"))
    assert back == ids and "1–25 of 30" in text
    _, text = found(client, "q=person0")
    assert "10 customers found" in text
    # Counts stop at the limit: a page never counts the whole book.
    monkeypatch.setattr("webapp.services.search.COUNT_LIMIT", 20)
    _, text = found(client, "q=person")
    assert "more than 20 customers found" in text


def test_full_page_on_a_plain_request_with_the_search_filled_in(client, login, people):
    login("agent")
    page = client.get("/customers?q=hick").get_data(as_text=True)
    assert "<html" in page and 'value="hick"' in page and "2 customers found" in page
    assert 'hx-trigger="input changed delay:250ms' in page


def test_empty_result_explains_what_search_looks_at(client, login, people):
    login("agent")
    _, text = found(client, "q=nobody")
    assert "No customer matches" in text and "0 customers found" in text


def test_odd_digits_in_a_search_find_nothing_instead_of_failing(client, login, people):
    login("agent")
    for query in ("²³⁴⁵", "١٢٣٤", "①②③"):
        response = client.get("/customers", query_string={"q": query})
        assert response.status_code == 200, query
        assert "0 customers found" in response.get_data(as_text=True), query


def test_last_page_page_numbers_and_the_phone_column(client, login, make_customer):
    for number in range(30):
        make_customer(
            importId=f"L{number}", lastName=f"Person{number:02d}", priPhone=f"80155501{number:02d}"
        )
    login("agent")
    _, text = found(client)
    assert "page 1 of 2" in text and "(801) 555-0100" in text
    last, text = found(client, next_link(text, "Last"))
    assert len(last) == 5 and "26–30 of 30" in text and "page 2 of 2" in text
    assert "Next" not in text and "(801) 555-0129" in text
    before, text = found(client, next_link(text, "Previous"))
    assert len(before) == 25 and "1–25 of 30" in text


def test_pages_after_the_last_one_of_an_estimate_do_not_invent_positions(
    client, login, make_customer, monkeypatch
):
    """With a count that is not exact, the last page's place is unknown: no range is made
    up for it or for the pages before it, until the first page is reached again."""
    monkeypatch.setattr("webapp.services.search.COUNT_LIMIT", 20)
    monkeypatch.setattr("webapp.services.search.PAGE_SIZE", 10)
    for number in range(30):
        make_customer(importId=f"E{number}", lastName=f"Person{number:02d}")
    login("agent")
    _, text = found(client)
    last, text = found(client, next_link(text, "Last"))
    assert len(last) == 10 and "10 of more than 20" in text and "–" not in text.split("Pages")[1]
    middle, text = found(client, next_link(text, "Previous"))
    assert len(middle) == 10 and "10 of more than 20" in text
    first, text = found(client, next_link(text, "Previous"))
    assert len(first) == 10 and "1–10 of more than 20" in text
    assert len(set(first + middle + last)) == 30  # every customer once, none twice


def test_newest_first_lists_the_latest_added_and_keeps_its_order_through_pages(
    client, login, make_customer
):
    made = [make_customer(importId=f"W{n}", lastName=f"Person{n:02d}").id for n in range(30)]
    login("agent")
    first, text = found(client, "sort=newest")
    assert [int(i) for i in first] == made[::-1][:25]
    assert 'value="newest" selected' in client.get("/customers?sort=newest").get_data(True)
    rest, text = found(client, next_link(text))
    assert [int(i) for i in rest] == made[::-1][25:] and "26–30 of 30" in text
