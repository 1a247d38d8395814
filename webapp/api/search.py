"""Customers/Autopal.Search() and Loans/Autopal.Search(): Elasticsearch queries (see
api/es_query.py) over LoanPro's search documents (api/search_documents.py), answered as
LoanPro answers them: {"d": {"results": [documents], "summary": {...}}}, ten to a page
by default, with aggregations in the summary.

Like LoanPro's search engine, a search reaches its first RESULT_WINDOW results: it
counts and lists that far (from + size stays within it), so a common name in a book of
millions costs what it does in a small one. Aggregations cover every match.
Customers() with $filter lists and counts everything."""

import time

from flask import jsonify, request
from peewee import Ordering, fn

from webapp.api import ApiError, bp, reads_full_tax_ids
from webapp.api.es_query import EVERYTHING, Document, expression
from webapp.api.odata import QueryRefused
from webapp.api.search_documents import (
    customer_document,
    customer_hits,
    loan_document,
    loan_hits,
)
from webapp.models import Customer, Loan

RESULT_WINDOW = 10_000
DEFAULT_SIZE = 10  # LoanPro's search page; its OData lists show 50
METRICS = {"sum": fn.SUM, "avg": fn.AVG, "min": fn.MIN, "max": fn.MAX}
TERMS_MAX = 100  # buckets one terms aggregation may ask for


@bp.post("/public/api/1/Customers/Autopal.Search()")
@bp.post("/public/api/1/odata.svc/Customers/Autopal.Search()")
def search_customers():
    full = reads_full_tax_ids()
    return _search(customer_document(), Customer, lambda ids: customer_hits(ids, full))


@bp.post("/public/api/1/Loans/Autopal.Search()")
@bp.post("/public/api/1/odata.svc/Loans/Autopal.Search()")
def search_loans():
    return _search(loan_document(), Loan, loan_hits)


def _search(document: Document, model, hits):
    began = time.monotonic()
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        body = {}
    if not isinstance(body, dict):
        raise ApiError(400, 'Send a JSON object, e.g. {"query": {"match_all": {}}}.')
    try:  # the URL's part and the body's paging: a request that cannot be read
        order = _order(document, model, body.get("sort"))
        start, size = _window(body)
    except QueryRefused as refused:
        raise ApiError(400, f"Search: {refused}") from None
    try:  # the query itself: it breaks a rule of the query language, as a field would
        condition = expression(document, body["query"]) if body.get("query") else EVERYTHING
        aggs = body.get("aggs") or body.get("aggregations")
        aggregations = _aggregations(document, model, condition, aggs)
    except QueryRefused as refused:
        raise ApiError(422, f"Search: {refused}") from None
    except (AttributeError, TypeError, ValueError, KeyError):
        raise ApiError(
            422,
            "Search: the query is not in Elasticsearch's shape, e.g. "
            '{"query": {"bool": {"must": [{"match": {"lastName": "smith"}}]}}}.',
        ) from None
    matches = getattr(condition, "name_matches", None)
    query = model.select(model.id).where(condition)
    total = matches.count(RESULT_WINDOW) if matches else query.limit(RESULT_WINDOW).count()
    size = max(0, min(size, total - start))
    if matches is not None and [o.node for o in order] == [model.id]:
        ids = matches.page(start, size, order[0].direction == "DESC", total) if size else []
    else:
        ids = [row[0] for row in query.order_by(*order).offset(start).limit(size).tuples()]
    summary = {
        "start": start,
        "pageSize": size,
        "total": total,
        "totalHits": total,
        "totalTime": round((time.monotonic() - began) * 1000),
    }
    if aggregations is not None:
        summary["aggregations"] = aggregations
    return jsonify({"d": {"results": hits(ids) if ids else [], "summary": summary}})


def _window(body: dict) -> tuple[int, int]:
    """(from, size): $start and $top in the URL (LoanPro's way), else "from" and "size" in
    the body (Elasticsearch's); `nopaging` lists the whole window."""
    args = request.args
    try:
        start = int(args.get("$start", body.get("from", 0)) or 0)
        size = int(args.get("$top", body.get("size", DEFAULT_SIZE)))
    except (TypeError, ValueError):
        raise QueryRefused("$start, $top, from and size are whole numbers.") from None
    if start < 0 or size < 0 or start >= RESULT_WINDOW:
        raise QueryRefused(
            f"a search reaches its first {RESULT_WINDOW:,} results: from (or $start) is "
            f"below {RESULT_WINDOW:,}. Narrow the query, or page Customers() with $filter."
        )
    # A page that would cross the window ends there (Elasticsearch refuses it outright;
    # a client paging by 200 would lose the last page's rows).
    return start, RESULT_WINDOW - start if "nopaging" in args else min(size, RESULT_WINDOW - start)


def _order(document: Document, model, sort) -> list:
    """Elasticsearch's sort ("id", {"id": "desc"}, {"id": {"order": "desc"}}, or a list of
    them) or $orderby ("lastName desc,id"), then the ID so pages never overlap."""
    wanted = []
    if request.args.get("$orderby"):
        for part in request.args["$orderby"].split(","):
            name, _, direction = part.strip().partition(" ")
            wanted.append((name, direction.strip() or "asc"))
    for item in sort if isinstance(sort, list) else [sort] if sort else []:
        if isinstance(item, str):
            wanted.append((item, "asc"))
        elif isinstance(item, dict):
            for name, how in item.items():
                direction = how.get("order", "asc") if isinstance(how, dict) else how
                wanted.append((name, str(direction)))
        else:
            raise QueryRefused('sort names fields, e.g. [{"lastName": "asc"}].')
    order = []
    for name, direction in wanted:
        name = "id" if name == "_id" else name
        field = document.field(name)
        if field is None or field.sortable is None or direction.lower() not in ("asc", "desc"):
            raise QueryRefused(
                f"cannot sort on {name!r} {direction!r}: sort on a field of the search "
                "document, asc or desc."
            )
        # (Ordering, not .asc(): a value kept in another table is a subquery)
        order.append(Ordering(field.sortable, direction.upper()))
    if not any(getattr(o, "node", None) is model.id for o in order):
        order.append(model.id.asc())
    return order


def _aggregations(document: Document, model, condition, aggs) -> dict | None:
    """Elasticsearch's metric aggregations (sum, avg, min, max, value_count, cardinality,
    stats) on number and date fields, and terms on keyword fields, over every match."""
    if not aggs:
        return None if aggs is None else {}
    if not isinstance(aggs, dict):
        raise QueryRefused('aggs is an object: {"name": {"avg": {"field": "age"}}}.')
    answers = {}
    for name, spec in aggs.items():
        if not isinstance(spec, dict) or not spec:
            raise QueryRefused(f"aggregation {name!r} names one kind, e.g. avg.")
        kind, options = next(iter(spec.items()))
        options = options if isinstance(options, dict) else {}
        field = document.field(str(options.get("field", "")))
        column = field.sortable if field is not None else None
        matched = model.select().where(condition)
        if kind in METRICS or kind in ("value_count", "cardinality", "stats"):
            if column is None:
                answers[name] = {"value": None if kind not in ("value_count", "cardinality") else 0}
                continue
            answers[name] = _metric(kind, column, matched)
        elif kind == "terms":
            answers[name] = _terms(field, column, matched, options)
        else:
            raise QueryRefused(
                f"aggregation {kind!r} is not supported; use sum, avg, min, max, value_count, "
                "cardinality, stats or terms."
            )
    return answers


def _metric(kind: str, column, matched) -> dict:
    if kind == "stats":
        count, low, high, mean, total = matched.select(
            fn.COUNT(column), fn.MIN(column), fn.MAX(column), fn.AVG(column), fn.SUM(column)
        ).tuples()[0]
        return {
            "count": count,
            "min": _plain(low),
            "max": _plain(high),
            "avg": _plain(mean),
            "sum": _plain(total) or 0,
        }
    if kind == "value_count":
        return {"value": matched.select(fn.COUNT(column)).scalar() or 0}
    if kind == "cardinality":
        return {"value": matched.select(fn.COUNT(column.distinct())).scalar() or 0}
    value = matched.select(METRICS[kind](column)).scalar()
    return {"value": _plain(value) if value is not None else (0 if kind == "sum" else None)}


def _terms(field, column, matched, options: dict) -> dict:
    if column is None or field.kind not in ("keyword", "number", "flag"):
        raise QueryRefused("terms works on keyword and number fields.")
    size = int(options.get("size", 10))
    if not 1 <= size <= TERMS_MAX:
        raise QueryRefused(f"terms size is 1 to {TERMS_MAX}.")
    count = fn.COUNT(column)
    rows = list(
        matched.select(column, count)
        .where(column.is_null(False))
        .group_by(column)
        .order_by(count.desc(), column)
        .limit(size + 1)
        .tuples()
    )
    total = matched.select(fn.COUNT(column)).scalar() or 0
    shown = rows[:size]
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": total - sum(n for _, n in shown),
        "buckets": [
            {"key": f"{field.prefix}{_plain(key)}" if field.prefix else _plain(key), "doc_count": n}
            for key, n in shown
        ],
    }


def _plain(value):
    """A database value as JSON has it: numbers as numbers, dates as ISO text."""
    if value is None or isinstance(value, (int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return float(value)
