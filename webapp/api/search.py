"""Customers/Autopal.Search(): the subset of the Elasticsearch query DSL that LoanPro
documents for customer search, answered from our own indexed columns.

Supported: bool with must / should (and minimum_should_match 1 for should), query_string
(wildcards * and ?, default_operator AND or OR, over the fields below), match, term, and
range on birthDate.

Like LoanPro's search engine by default, a search reaches its first RESULT_WINDOW
results: it counts and lists that far (a page ends there; $start is below it), so a
common name in a book of millions costs what it does in a small one. Customers() with
$filter lists and counts everything."""

import datetime as dt

from flask import request
from peewee import fn

from webapp.api import ApiError, bp, json_object
from webapp.api.entities import customer_list, paging
from webapp.api.odata import QueryRefused, parse_orderby
from webapp.models import Address, Customer, Phone
from webapp.rules.folding import words
from webapp.services.search import NameMatches

RESULT_WINDOW = 10_000


def _customer_name(pattern: str):
    words_only = pattern.removesuffix("%")
    if words_only and not any(c in words_only for c in "%_\\") and words(words_only):
        # Words, perhaps with a trailing wildcard: the start of name words, by their indexes.
        matches = NameMatches(words_only)
        expression = Customer.id.in_(matches.ids())
        expression.name_matches = matches  # (gone from any expression it is combined into)
        return expression
    return (
        (Customer.first_name_key**pattern)
        | (Customer.last_name_key**pattern)
        | (Customer.company_name_key**pattern)
        | (fn.LOWER(Customer.first_name.concat(" ").concat(Customer.last_name)) ** pattern)
    )


def _ssn(pattern: str):
    """An SSN matches whole (nine digits) or by its last four, never by a pattern or a
    part: with wildcards a token could read a full SSN digit by digit. None for a term
    that cannot match one."""
    digits = pattern.replace("-", "")
    if digits.isascii() and digits.isdigit():
        if len(digits) == 9:
            return Customer.ssn == digits
        if len(digits) == 4:
            return Customer.ssn_last4 == digits
    return None


def _primary_address(column):
    return lambda pattern: Customer.id.in_(
        Address.select(Address.customer).where(
            (Address.kind == "primary") & (fn.LOWER(column) ** pattern)
        )
    )


SEARCH_FIELDS = {
    "customerName": _customer_name,
    "email": lambda p: Customer.email_key**p,
    "ssn": _ssn,
    "primaryPhone": lambda p: Customer.id.in_(
        Phone.select(Phone.customer).where(
            Phone.is_primary & (Phone.number ** "".join(c for c in p if c in "0123456789%_"))
        )
    ),
    "customId": lambda p: fn.LOWER(Customer.import_id) ** p,
    "city": _primary_address(Address.city),
    "state": _primary_address(Address.state),
    "zipcode": _primary_address(Address.zipcode),
    "accessUserName": lambda p: Customer.username**p,
}


def _like(term: str) -> str:
    """An ES wildcard term as a LIKE pattern (lower-case; the columns searched are folded)."""
    if "\x00" in term:
        raise QueryRefused("a search term contains a NUL character.")
    return term.casefold().replace("*", "%").replace("?", "_")


def _any_field(term: str, fields: list[str]):
    pattern = _like(term)
    clauses = [c for c in (SEARCH_FIELDS[name](pattern) for name in fields) if c is not None]
    if not clauses:  # only the SSN was asked for, and this term cannot be one
        raise QueryRefused(
            "an SSN is searched whole (nine digits) or by its last four digits, without wildcards."
        )
    expression = clauses[0]
    for clause in clauses[1:]:
        expression = expression | clause
    return expression


def _fields(names) -> list[str]:
    names = names or list(SEARCH_FIELDS)
    unknown = [n for n in names if n not in SEARCH_FIELDS]
    if unknown:
        raise QueryRefused(
            f"cannot search {', '.join(unknown)}; searchable fields are {', '.join(SEARCH_FIELDS)}."
        )
    return names


def _clause(clause: dict):
    if not isinstance(clause, dict) or len(clause) != 1:
        raise QueryRefused('each clause is one object such as {"match": {...}}.')
    ((kind, body),) = clause.items()
    if kind == "bool":
        return _bool(body)
    if kind == "query_string":
        text = str(body.get("query", "")).strip()
        if not text:
            raise QueryRefused("query_string needs a query.")
        fields = _fields(body.get("fields"))
        terms = [_any_field(t, fields) for t in text.split()]
        combined = terms[0]
        for term in terms[1:]:
            combined = (
                combined & term
                if str(body.get("default_operator", "AND")).upper() == "AND"
                else combined | term
            )
        return combined
    if kind in ("match", "term", "match_phrase"):
        ((name, value),) = body.items()
        value = value.get("query") if isinstance(value, dict) else value
        return _any_field(str(value), _fields([name]))
    if kind == "range":
        ((name, bounds),) = body.items()
        if name != "birthDate":
            raise QueryRefused("range works on birthDate.")
        expression = Customer.birth_date.is_null(False)
        operators = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__"}
        for op, value in bounds.items():
            if op not in operators:
                continue
            expression &= getattr(Customer.birth_date, operators[op])(_day(value))
        return expression
    raise QueryRefused(f"{kind!r} is not supported; use bool, query_string, match or range.")


def _bool(body: dict):
    must = [_clause(c) for c in _listed(body.get("must"))]
    should = [_clause(c) for c in _listed(body.get("should"))]
    expression = None
    for clause in must:
        expression = clause if expression is None else expression & clause
    if should:
        either = should[0]
        for clause in should[1:]:
            either |= clause
        expression = either if expression is None else expression & either
    if expression is None:
        raise QueryRefused("bool needs must or should clauses.")
    return expression


def _listed(value) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]


def _day(value) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise QueryRefused(f"range: {value!r} is not a date (YYYY-MM-DD).") from None


@bp.post("/public/api/1/Customers/Autopal.Search()")
@bp.post("/public/api/1/odata.svc/Customers/Autopal.Search()")
def search_customers():
    body = json_object('Send a JSON object with a "query".')
    try:
        order = parse_orderby(request.args.get("$orderby", "")) or [Customer.id.asc()]
    except QueryRefused as refused:
        raise ApiError(400, str(refused)) from None
    if not isinstance(body.get("query", {}), dict):
        raise ApiError(422, 'Search: "query" is an object, e.g. {"match": {...}}.')
    try:
        query, matches = Customer.select(), None
        if body.get("query"):
            expression = _clause(body["query"])
            query, matches = query.where(expression), getattr(expression, "name_matches", None)
    except QueryRefused as refused:
        raise ApiError(422, f"Search: {refused}") from None
    except (AttributeError, TypeError, ValueError):
        raise ApiError(
            422,
            "Search: the query is not in the supported shape, e.g. "
            '{"query": {"bool": {"must": [{"query_string": {"query": '
            '"smi*", "fields": ["customerName"]}}]}}}.',
        ) from None
    start, size = paging(request.args, "$start")
    if start >= RESULT_WINDOW:
        raise ApiError(
            400,
            f"A search reaches its first {RESULT_WINDOW:,} results ($start below "
            f"{RESULT_WINDOW:,}): narrow the query, or page Customers() with $filter.",
        )
    return customer_list(query, order, start, size, reach=RESULT_WINDOW, matches=matches)
