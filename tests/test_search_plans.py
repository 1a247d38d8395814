"""Every kind of search goes to an index made for it: the query plans, read from the
database itself (EXPLAIN) on a table big enough for the planner to care, show index
lookups and ranges of the name-word index, never a full scan of the customers, their
phones or the name words."""

import json
import random
import re

import pytest

from bench.search_bench import load
from tests.schemas import is_postgres
from webapp.api.odata import parse_filter
from webapp.api.search_documents import _customer_name
from webapp.db import db
from webapp.models import Customer, CustomerStatus, Phone
from webapp.services import search
from webapp.services.search import page_query

WORD_INDEX = "customer_name_word_word_last_name_key"  # (the start of its name)

CUSTOMERS = 100_000  # at 20,000 a sequential scan still costs PostgreSQL less


@pytest.fixture(scope="module")
def book(database_url, tmp_path_factory):
    """A loaded book, shared by this module's tests (read only)."""
    from tests.schemas import scratch_database
    from webapp import create_app

    with scratch_database(database_url, tmp_path_factory.mktemp("plans"), "plans") as (
        url,
        _,
    ):
        app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "plans"})
        with app.app_context(), db.connection_context():
            load(CUSTOMERS, random.Random(5))
            person = Customer.select().order_by(Customer.id).offset(CUSTOMERS // 2).get()
            phone = Phone.get(Phone.customer == person.id).number
            status = CustomerStatus.select().first().id
            yield {"person": person, "phone": phone, "status": status}


def plan(query) -> str:
    """The plan of a peewee query, flattened to text."""
    sql, params = query.sql()
    if is_postgres(db.obj):
        found = db.execute_sql(f"EXPLAIN (FORMAT JSON) {sql}", params).fetchone()[0]
        return json.dumps(found if not isinstance(found, str) else json.loads(found))
    rows = db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return "\n".join(row[-1] for row in rows)


def assert_indexed(text: str) -> None:
    """No full scan of the customers, their phones or the name words."""
    if is_postgres(db.obj):
        assert not _seq_scanned(text) & {"customer", "phone", "customer_name_word"}, text
        return
    # SQLite names tables by peewee's aliases (t1, t2…); "SCAN m…" reads a subquery's rows.
    full_scans = [
        line
        for line in text.split("\n")
        if re.match(r"SCAN (t\d+|customer|phone|customer_name_word)\b", line)
        and "USING" not in line
    ]
    assert not full_scans, text  # SQLite: a SCAN without an index reads every row


def _seq_scanned(text: str) -> set[str]:
    """The tables a PostgreSQL plan reads with a sequential scan."""
    try:
        nodes = json.loads(text)
    except ValueError:
        return set()
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("Node Type") == "Seq Scan":
                found.add(node.get("Relation Name"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(nodes)
    return found


# kind -> (terms, status, type)
SEARCH_ARGS = {
    "exact customer ID": lambda b: ([str(b["person"].id)], None, None),
    "phone digits": lambda b: ([b["phone"]], None, None),
    "phone's last digits": lambda b: ([b["phone"][-7:]], None, None),
    "SSN last 4": lambda b: ([b["person"].ssn_last4], None, None),
    "name prefix": lambda b: ([b["person"].last_name[:3]], None, None),
    "first name prefix": lambda b: ([b["person"].first_name[:3]], None, None),
    "status filter + name": lambda b: ([b["person"].last_name[:4]], b["status"], None),
    "type filter + name": lambda b: ([b["person"].last_name[:4]], None, "company"),
    "email": lambda b: ([b["person"].email], None, None),
    "two words": lambda b: ([b["person"].first_name, b["person"].last_name[:3]], None, None),
}


@pytest.mark.parametrize("kind", SEARCH_ARGS)
def test_each_search_uses_its_index(book, kind):
    """The lookup of what the terms match reads indexes only."""
    terms, _, _ = SEARCH_ARGS[kind](book)
    if not terms:
        return
    text = plan(search.candidates_query(terms, search.SORT_MAX + 1))
    assert_indexed(text)
    if kind in ("first name prefix", "two words"):
        assert WORD_INDEX in text, text


# Searches whose matches are a large share of the book, where testing rows in name order
# is the way (the planner rightly sorts a sparse one instead).
DENSE = ("name prefix", "first name prefix", "status filter + name", "type filter + name")


@pytest.mark.parametrize(
    "kind,sort_max",
    [(k, search.SORT_MAX) for k in SEARCH_ARGS] + [(k, 0) for k in DENSE],
)
def test_every_source_of_a_page_reads_in_name_order(book, kind, sort_max, monkeypatch):
    """A page's sources: a range of the last-name index, a range of the name-word index
    (read alone: its entries carry the name order), a sorted list of IDs, or (when too
    many to sort: forced here with SORT_MAX 0) the name index read in order with a test
    on each row. None reads the whole book; the tested ones do not sort."""
    monkeypatch.setattr(search, "SORT_MAX", sort_max)
    terms, status_id, customer_type = SEARCH_ARGS[kind](book)
    sources, _, _ = search.sources_for(terms, status_id, customer_type)
    for source in sources:
        text = plan(source.page())
        assert_indexed(text)
        if source.words:
            assert WORD_INDEX in text and _index_only(text), text
        if source.tested:
            assert "TEMP B-TREE" not in text and '"Node Type": "Sort"' not in text, text


def _index_only(text: str) -> bool:
    """The name words are read from their index alone, never their table's rows."""
    if is_postgres(db.obj):
        return '"Index Only Scan"' in text and '"Node Type": "Bitmap Heap Scan"' not in text
    return "COVERING INDEX" in text


def test_a_deep_page_and_the_whole_list_read_in_index_order(book):
    person = book["person"]
    key = [person.last_name_key, person.first_name_key, person.id]
    everyone = Customer.select(Customer.id)
    within_status = everyone.where(Customer.status == book["status"])
    for query in (page_query(everyone, key), page_query(within_status, key)):
        text = plan(query)
        assert_indexed(text)
        # In index order: no sort of all the matches (SQLite's temp b-tree, PG's Sort).
        assert "TEMP B-TREE" not in text and '"Node Type": "Sort"' not in text, text


def test_the_newest_first_read_in_primary_key_order(book):
    newest = search.ORDERS["newest"]
    everyone = Customer.select(Customer.id)
    for query in (
        page_query(everyone, [book["person"].id], True, newest),
        page_query(everyone.where(Customer.status == book["status"]), None, True, newest),
    ):
        text = plan(query)
        assert "TEMP B-TREE" not in text and '"Node Type": "Sort"' not in text, text


def test_api_filter_and_name_wildcard_use_the_indexes(book):
    person = book["person"]
    for expression in (
        parse_filter(f"lastName eq '{person.last_name}'"),
        parse_filter(f"startswith(lastName, '{person.last_name[:3]}')"),
        _customer_name(f"{person.last_name[:4].lower()}%"),
    ):
        query = Customer.select(Customer.id).where(expression).order_by(Customer.id).limit(50)
        assert_indexed(plan(query))


def test_a_search_by_part_of_a_name_or_email_uses_the_trigram_indexes(book):
    """loanpro-mcp-server's customer search (*term* over names, email and company name,
    or a match on either name) finds its rows from migration 0007's indexes: counting
    its matches up to the result window reads no customer it does not match."""
    if not is_postgres(db.obj):
        pytest.skip("trigram indexes are PostgreSQL's (SQLite reads every row)")
    from webapp.api.es_query import expression
    from webapp.api.search_documents import customer_document

    term = book["person"].last_name[1:5]
    query = {
        "bool": {
            "minimum_should_match": 1,
            "should": [
                {
                    "query_string": {
                        "default_operator": "and",
                        "fields": ["firstName", "lastName", "email", "ssn", "companyName"],
                        "query": f"*{term}*",
                    }
                },
                {"match": {"firstName": term}},
                {"match": {"lastName": term}},
            ],
        }
    }
    matches = Customer.select(Customer.id).where(expression(customer_document(), query))
    assert_indexed(plan(matches.limit(10_000)))
    assert matches.count() > 0
