"""odata.svc/Customers: list, read, create, update (partial), delete; navigation links."""

import re

from flask import request

from webapp.api import (
    ODATA,
    ApiError,
    api_actor,
    bare_lists,
    bp,
    by_id,
    expansions,
    json_object,
    needs_role,
)
from webapp.api.entities import (
    EXPAND_PATTERN,
    NAVIGATION,
    SELECT_PATTERN,
    customer_entities,
    customer_list,
    envelope,
    list_envelope,
    navigation_value,
    paging,
)
from webapp.api.odata import QueryRefused, parse_filter, parse_orderby
from webapp.api.preconditions import etag, if_match_version, refused
from webapp.api.writes import apply_body
from webapp.models import Customer, CustomerStatus, SdnEntry
from webapp.services import ofac
from webapp.services.customers import delete_customer
from webapp.services.loan_links import loans_losing_their_primary
from webapp.services.versions import StaleVersion

# A PUT without If-Match merges its fields into the customer as read; when another write
# lands in between, the merge is redone on the newer record, a few times at most.
MERGE_TRIES = 3


def _customer(customer_id: int) -> Customer:
    customer = by_id(Customer, customer_id)
    if customer is None:
        raise ApiError(404, f"There is no customer {customer_id}.")
    return customer


def _options() -> tuple[dict[str, set[str]], set[str] | None]:
    expand, select = request.args.get("$expand", ""), request.args.get("$select", "")
    if expand and not re.fullmatch(EXPAND_PATTERN, expand):
        raise ApiError(
            400,
            f"$expand: name navigation from {', '.join(NAVIGATION)} (with what to expand "
            "inside after a slash, e.g. Loans/StatusArchive), separated by commas.",
        )
    if select and not re.fullmatch(SELECT_PATTERN, select):
        raise ApiError(400, "$select: give field names separated by commas.")
    return expansions(expand), set(filter(None, select.split(","))) or None


@bp.get("/public/api/1/odata.svc/Customers()")
@bp.get("/public/api/1/odata.svc/Customers")
def list_customers():
    expand, select = _options()
    query = Customer.select()
    try:
        if request.args.get("$filter"):
            query = query.where(parse_filter(request.args["$filter"]))
        order = parse_orderby(request.args.get("$orderby", "")) or [Customer.id.asc()]
    except QueryRefused as refused:
        raise ApiError(400, str(refused)) from None
    start, size = paging(request.args, "$skip")
    return customer_list(query, order, start, size, expand, select)


@bp.get("/public/api/1/odata.svc/Customers(<int:customer_id>)")
@bp.get("/public/api/1/odata.svc/Customers(id=<int:customer_id>)")
def get_customer(customer_id: int):
    expand, select = _options()
    customer = _customer(customer_id)
    response = envelope(customer_entities([customer], expand, select, bare_lists())[0])
    response.headers["ETag"] = etag(customer)
    return response


@bp.get("/public/api/1/odata.svc/Customers(<int:customer_id>)/<navigation>")
@bp.get("/public/api/1/odata.svc/Customers(id=<int:customer_id>)/<navigation>")
@bp.get("/public/api/1/odata.svc/Customer(<int:customer_id>)/<navigation>")
def get_customer_navigation(customer_id: int, navigation: str):
    """(Customer(ID), singular, is how loanpro-sdk-php's GetCustomerNested spells it,
    Communicator.php L929-945.)"""
    if navigation not in NAVIGATION:
        raise ApiError(404, f"Customers have no {navigation!r}; use {', '.join(NAVIGATION)}.")
    inner = expansions(request.args.get("$expand", ""))
    return envelope(navigation_value(_customer(customer_id), navigation, None, set(inner)))


@bp.post("/public/api/1/odata.svc/Customers()")
@bp.post("/public/api/1/odata.svc/Customers")
def create_customer():
    customer = apply_body(None, json_object(), api_actor())
    response = envelope(customer_entities([customer], set(), None)[0])
    # 200 as LoanPro answers: its clients take anything else for a failure (and retry).
    response.headers["Location"] = f"{ODATA}/Customers({customer.id})"
    return response


@bp.put("/public/api/1/odata.svc/Customers(<int:customer_id>)")
@bp.put("/public/api/1/odata.svc/Customers(id=<int:customer_id>)")
def update_customer(customer_id: int):
    body, customer = json_object(), _customer(customer_id)
    expected = if_match_version(customer)
    for attempt in range(1, MERGE_TRIES + 1):
        try:
            customer = apply_body(customer, body, api_actor(), expected)
            break
        except StaleVersion as stale:
            if expected is not None or stale.removed or attempt == MERGE_TRIES:
                raise refused(stale) from None
            customer = _customer(customer_id)
    response = envelope(customer_entities([customer], set(), None)[0])
    response.headers["ETag"] = etag(customer)
    return response


@bp.delete("/public/api/1/odata.svc/Customers(<int:customer_id>)")
@bp.delete("/public/api/1/odata.svc/Customers(id=<int:customer_id>)")
@needs_role("manager")
def remove_customer(customer_id: int):
    customer = _customer(customer_id)
    orphaned = loans_losing_their_primary(customer.id)
    try:
        removed = delete_customer(customer, api_actor(), if_match_version(customer))
    except StaleVersion as stale:
        raise refused(stale) from None
    return envelope(
        {
            "success": True,
            "id": customer_id,
            "removed": {k: v for k, v in removed.items() if v},
            "loansWithoutPrimaryCustomer": orphaned,
        }
    )


@bp.get("/public/api/1/odata.svc/CustomerStatuses()")
@bp.get("/public/api/1/odata.svc/CustomerStatuses")
def list_statuses():
    statuses = list(CustomerStatus.ordered())
    results = [
        {
            "__metadata": {
                "uri": f"{ODATA}/CustomerStatuses(id={s.id})",
                "type": "Entity.CustomerStatus",
            },
            "id": s.id,
            "title": s.title,
            "active": s.active,
            "isDefault": s.is_default,
        }
        for s in statuses
    ]
    return list_envelope(results, 0, None, len(results))


@bp.post("/public/api/1/odata.svc/Customers(<int:customer_id>)/Autopal.OfacTest()")
@bp.post("/public/api/1/odata.svc/Customers(id=<int:customer_id>)/Autopal.OfacTest()")
def ofac_test(customer_id: int):
    """Screen the customer against the loaded SDN list, recorded in their history, and
    answer as LoanPro does: matchesFound (0 or 1) and the matches."""
    customer = _customer(customer_id)
    if not SdnEntry.select().exists():
        raise ApiError(
            409,
            "No OFAC list is loaded, so nobody can be screened: an admin loads the SDN file "
            "in Settings › OFAC list.",
        )
    matches = ofac.screen_customer(customer, api_actor())
    return envelope(
        {
            "matchesFound": int(bool(matches)),
            "matches": [
                {
                    "entryNumber": entry.entry_number,
                    "name": entry.name,
                    "type": entry.entry_type,
                    "programs": entry.programs,
                    "remarks": entry.remarks,
                    "score": score,
                }
                for entry, score in matches
            ],
        }
    )
