"""Autopal.Search() against a plain model of Elasticsearch's query semantics: generated
bool trees (must / filter / must_not / should with and without minimum_should_match)
over match, term, terms, range, exists, match_all and a field no document has, must
find exactly the customers the model finds, on SQLite and PostgreSQL alike."""

import re
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.models import Customer

SEARCH = "/api/public/api/1/Customers/Autopal.Search()"

# first name, city, state, credit limit ("" for none), company
PEOPLE = [
    ("Ann", "Albany", "NY", "500", ""),
    ("Anna", "New York", "NY", "1500.50", ""),
    ("Mary Ann", "Salt Lake City", "UT", "", ""),
    ("José", "Albany", "GA", "2500", "Álvarez Auto"),
    ("Jo", "York", "PA", "0", ""),
    ("Zoë", "New Albany", "IN", "99999", "Zoe & Co"),
    ("Ángel", "Salt Lake City", "UT", "1500.50", ""),
]
WORDS = ["ann", "Anna", "ANN", "mary", "jose", "José", "jo", "zoe", "angel", "an", "bob"]
CITY_WORDS = ["albany", "new", "york", "salt", "lake", "city", "Albany", "ork"]
STATES = ["NY", "ny", "UT", "GA", "PA", "IN", "TX", "geo.state.NY"]
LIMITS = [0, 1, 500, 1500.5, 2500, 99999, 100000]


def folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def text_words(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", folded(text)))


@pytest.fixture
def people(make_customer):
    made = []
    for number, (first, city, state, limit, company) in enumerate(PEOPLE, start=1):
        cells = {"firstName": first, "priCity": city, "priState": state, "creditLimit": limit}
        cells["importId"] = f"ES-{number}"
        if company:
            cells.update(customerType="company", companyName=company, gender="")
            cells["companyContact"] = first
        made.append(Customer.get_by_id(make_customer(**cells).id))
    return [
        {
            "id": c.id,
            "firstName": text_words(c.first_name),
            "city": text_words(city),
            "state": state,
            "creditLimit": Decimal(limit) if limit else None,
            "companyName": company,
        }
        for c, (_, city, state, limit, company) in zip(made, PEOPLE, strict=True)
    ]


# ---- the model: one customer against one clause ---------------------------------------


def matches(person: dict, clause: dict) -> bool:
    ((kind, body),) = clause.items()
    if kind == "match_all":
        return True
    if kind == "match":
        ((name, value),) = body.items()
        query, operator = (
            (value["query"], value["operator"]) if isinstance(value, dict) else (value, "or")
        )
        if name not in ("firstName", "city"):
            return False  # a field no document has
        wanted = text_words(query)
        found = [w in person[name] for w in wanted]
        return bool(found) and (all(found) if operator == "and" else any(found))
    if kind == "term":
        return folded(person["state"]) == folded(body["state"].removeprefix("geo.state."))
    if kind == "terms":
        return any(matches(person, {"term": {"state": s}}) for s in body["state"])
    if kind == "range":
        value = person["creditLimit"]
        if value is None:
            return False
        ops = {"gt": value.__gt__, "gte": value.__ge__, "lt": value.__lt__, "lte": value.__le__}
        return all(ops[op](Decimal(str(bound))) for op, bound in body["creditLimit"].items())
    if kind == "exists":
        return person.get(body["field"]) not in (None, "")
    if kind == "bool":
        required = body.get("must", []) + body.get("filter", [])
        should = body.get("should", [])
        excluded = body.get("must_not", []) + body.get("mustNot", [])
        if not (required or should or excluded):
            return True
        least = body.get("minimum_should_match", 0 if required or not should else 1)
        return (
            all(matches(person, c) for c in required)
            and not any(matches(person, c) for c in excluded)
            and sum(matches(person, c) for c in should) >= least
        )
    raise AssertionError(kind)


# ---- the generated queries ------------------------------------------------------------

leaves = st.one_of(
    st.just({"match_all": {}}),
    st.builds(lambda w: {"match": {"firstName": w}}, st.sampled_from(WORDS)),
    st.builds(
        lambda ws, op: {"match": {"city": {"query": " ".join(ws), "operator": op}}},
        st.lists(st.sampled_from(CITY_WORDS), min_size=1, max_size=2),
        st.sampled_from(["and", "or"]),
    ),
    st.builds(lambda s: {"term": {"state": s}}, st.sampled_from(STATES)),
    st.builds(lambda ss: {"terms": {"state": ss}}, st.lists(st.sampled_from(STATES), max_size=3)),
    st.builds(
        lambda bounds: {"range": {"creditLimit": bounds}},
        st.dictionaries(
            st.sampled_from(["gt", "gte", "lt", "lte"]), st.sampled_from(LIMITS), min_size=1
        ),
    ),
    st.builds(
        lambda f: {"exists": {"field": f}}, st.sampled_from(["companyName", "creditLimit", "shoe"])
    ),
    st.builds(lambda w: {"match": {"shoeSize": w}}, st.sampled_from(WORDS)),
)


def bools(children):
    clauses = st.lists(children, max_size=3)
    return st.builds(
        lambda must, filter_, must_not, should, least, spelling: {
            "bool": {
                **({"must": must} if must else {}),
                **({"filter": filter_} if filter_ else {}),
                **({spelling: must_not} if must_not else {}),
                **({"should": should} if should else {}),
                **({"minimum_should_match": least} if least is not None else {}),
            }
        },
        clauses,
        clauses,
        clauses,
        clauses,
        st.one_of(st.none(), st.integers(0, 3)),
        st.sampled_from(["must_not", "mustNot"]),  # (the PHP SDK writes mustNot)
    )


queries = st.recursive(leaves, bools, max_leaves=8)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries)
def test_a_search_finds_what_elasticsearch_would(people, api, query):
    response = api("post", SEARCH, json={"query": query, "size": 100})
    assert response.status_code == 200, (query, response.get_json())
    found = [hit["id"] for hit in response.get_json()["d"]["results"]]
    expected = [p["id"] for p in people if matches(p, query)]
    assert found == expected, query
    assert response.get_json()["d"]["summary"]["totalHits"] == len(expected)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries, name=st.sampled_from(["sum", "avg", "min", "max", "value_count"]))
def test_aggregations_cover_every_match(people, api, query, name):
    response = api(
        "post",
        SEARCH,
        json={"query": query, "size": 0, "aggs": {"it": {name: {"field": "creditLimit"}}}},
    )
    assert response.status_code == 200, (query, response.get_json())
    limits = [
        p["creditLimit"] for p in people if matches(p, query) and p["creditLimit"] is not None
    ]
    expected = {
        "sum": sum(limits),
        "avg": sum(limits) / len(limits) if limits else None,
        "min": min(limits, default=None),
        "max": max(limits, default=None),
        "value_count": len(limits),
    }[name]
    value = response.get_json()["d"]["summary"]["aggregations"]["it"]["value"]
    if expected is None:
        assert value is None, query
    else:
        assert value == pytest.approx(float(expected)), query
