"""Customers as LoanPro-shaped JSON: the {"d": ...} envelopes, __metadata, __deferred
links for navigation not expanded, and list summaries."""

import json

from flask import Response, jsonify, stream_with_context

from webapp.api import ODATA, ApiError, reads_full_tax_ids
from webapp.api import fields as lp
from webapp.api.odata import list_pattern
from webapp.models import (
    Address,
    Customer,
    CustomerLoan,
    CustomerStatus,
    CustomFieldValue,
    Phone,
    Reference,
)
from webapp.services.customer_record import read_records

NAVIGATION = (
    "PrimaryAddress",
    "MailAddress",
    "Phones",
    "Employer",
    "References",
    "CustomFieldValues",
    "Loans",
)
EXPAND_PATTERN = list_pattern(NAVIGATION)
SELECT_PATTERN = "^[A-Za-z]+(?:,[A-Za-z]+)*$"
DEFAULT_PAGE = 50
MAX_PAGE = 1000
MAX_START = 1_000_000_000
NOPAGING_MAX = 10_000  # customers one `nopaging` list may hold; page beyond that
STREAM_BATCH = 200  # customers read and written out at a time, so memory stays flat


def envelope(entity):
    return jsonify({"d": entity})


def list_envelope(results: list, start: int, size: int | None, total: int):
    return jsonify({"d": {"results": results, "summary": _summary(start, size, results, total)}})


def _summary(start: int, size: int | None, shown: int | list, total: int) -> dict:
    """A list's summary: `pageSize` is the page asked for, or with nopaging, how many
    were shown (`shown`: them, or their count)."""
    count = shown if isinstance(shown, int) else len(shown)
    return {"start": start, "pageSize": size if size is not None else count, "total": total}


def paging(args, skip_name: str) -> tuple[int, int | None]:
    """(rows to skip, page size) with LoanPro's defaults: lists skip by $skip, searches by
    $start; the bare `nopaging` lifts $top."""
    try:
        start = int(args.get(skip_name, 0) or 0)
        size = int(args.get("$top", DEFAULT_PAGE) or DEFAULT_PAGE)
    except ValueError:
        raise ApiError(400, f"$top and {skip_name} are whole numbers.") from None
    if not (0 <= start <= MAX_START and 1 <= size <= MAX_PAGE):
        raise ApiError(400, f"$top is 1 to {MAX_PAGE} and {skip_name} 0 to {MAX_START:,}.")
    return start, None if "nopaging" in args else size


def customer_list(
    query,
    order: list,
    start: int,
    size: int | None,
    expand: set[str] = frozenset(),
    select: set[str] | None = None,
    reach: int | None = None,
    matches=None,
):
    """One page of a customer query in the list envelope, with the total it came from:
    all of it, or for a search whose `reach` is limited, up to there. `matches`: the same
    customers as an object that counts them up to `reach` and pages them in ID order more
    cheaply than the query can (services.search.NameMatches)."""
    if matches is not None:
        total = matches.count(reach)
    else:
        total = query.count() if reach is None else query.limit(reach).count()
    if reach is not None:
        size = min(size or reach, reach - start)
    if size is None and total - start > NOPAGING_MAX:
        raise ApiError(
            400,
            f"nopaging lists up to {NOPAGING_MAX:,} customers and this list has "
            f"{total - start:,} from where it starts: page through it with $top (up to "
            f"{MAX_PAGE:,}) and $skip.",
        )
    # The page's IDs first (from indexes, where the order and filters have them), then
    # its rows: never every match's row for a page of a few.
    if matches is not None and [o.node for o in order] == [Customer.id]:
        page_ids = matches.page(start, size, order[0].direction == "DESC", total)
    else:
        ids = query.select(Customer.id).order_by(*order)
        ids = ids.offset(start).limit(size if size is not None else NOPAGING_MAX)
        page_ids = [row[0] for row in ids.tuples()]
    return _streamed_list(page_ids, expand, select, start, size, total)


def _streamed_list(ids: list[int], expand, select, start: int, size, total: int) -> Response:
    """The list envelope written out STREAM_BATCH customers at a time."""

    def pieces():
        yield '{"d": {"results": ['
        shown = 0
        for at in range(0, len(ids), STREAM_BATCH):
            batch = ids[at : at + STREAM_BATCH]
            position = {customer_id: i for i, customer_id in enumerate(batch)}
            rows = Customer.select().where(Customer.id.in_(batch))
            customers = sorted(rows, key=lambda c: position[c.id])  # (a deleted one drops)
            entities = [json.dumps(e) for e in customer_entities(customers, expand, select)]
            yield ("," if shown and entities else "") + ",".join(entities)
            shown += len(entities)
        yield '], "summary": ' + json.dumps(_summary(start, size, shown, total)) + "}}"

    return Response(stream_with_context(pieces()), mimetype="application/json")


def _uri(customer_id: int, navigation: str | None = None) -> str:
    return f"{ODATA}/Customers({customer_id})" + (f"/{navigation}" if navigation else "")


def customer_entities(
    customers: list[Customer], expand: set[str], select: set[str] | None
) -> list[dict]:
    records = read_records(customers)
    titles = {s.id: s.title for s in CustomerStatus.select()}
    full_tax_ids = reads_full_tax_ids()
    entities = []
    for customer in customers:
        entity = {
            "__metadata": {
                "uri": f"{ODATA}/Customers(id={customer.id})",
                "type": "Entity.Customer",
            },
            **lp.customer_fields(customer, records[customer.id], titles, full_tax_ids),
        }
        for navigation in NAVIGATION:
            entity[navigation] = (
                navigation_value(customer, navigation, records[customer.id])
                if navigation in expand
                else {"__deferred": {"uri": _uri(customer.id, navigation)}}
            )
        if select:
            entity = {k: v for k, v in entity.items() if k == "__metadata" or k in select}
        entities.append(entity)
    return entities


def navigation_value(customer: Customer, navigation: str, record: dict | None = None):
    record = record or read_records([customer])[customer.id]
    if navigation in ("PrimaryAddress", "MailAddress"):
        kind = "primary" if navigation == "PrimaryAddress" else "mailing"
        address = Address.get_or_none((Address.customer == customer) & (Address.kind == kind))
        value = lp.address_entity(record, navigation, address)
        return value and {"__metadata": {"type": "Entity.Address"}, **value}
    if navigation == "Employer":
        value = lp.employer_entity(record)
        return value and {"__metadata": {"type": "Entity.Employer"}, **value}
    if navigation == "Phones":
        phones = customer.phones.order_by(Phone.position)
        return {
            "results": [
                {"__metadata": {"type": "Entity.Phone"}, **lp.phone_entity(p)} for p in phones
            ]
        }
    if navigation == "References":
        return {
            "results": [
                {"__metadata": {"type": "Entity.Reference"}, **lp.reference_entity(r)}
                for r in customer.references.order_by(Reference.id)
            ]
        }
    if navigation == "CustomFieldValues":
        values = customer.custom_values.order_by(CustomFieldValue.definition)
        return {
            "results": [
                {
                    "__metadata": {"type": "Entity.CustomFieldValue"},
                    "customFieldId": v.definition_id,
                    "customFieldValue": v.value,
                }
                for v in values
            ]
        }
    links = customer.loan_links.order_by(CustomerLoan.id)
    return {"results": [loan_entity(link) for link in links]}


def loan_entity(link: CustomerLoan) -> dict:
    """A loan as seen from one customer: with their role and access on it."""
    return {
        **loan_fields(link.loan),
        "customerRole": f"loan.customerRole.{link.role}",
        "emailAccess": link.email_access,
        "webAccess": link.web_access,
        "smsAccess": link.sms_access,
    }


def loan_fields(loan) -> dict:
    return {
        "__metadata": {"uri": f"{ODATA}/Loans(id={loan.id})", "type": "Entity.Loan"},
        "id": loan.id,
        "displayId": loan.display_id,
        "loanStatus": loan.status,
        "payoff": float(loan.payoff),
        "principalBalance": float(loan.principal_balance),
        "nextDueDate": lp.odata_date(loan.next_due_date),
        "nextDueAmount": float(loan.next_due_amount or 0),
        "daysPastDue": loan.days_past_due,
        "amountPastDue": float(loan.amount_past_due or 0),
    }
