"""Customers as LoanPro-shaped JSON: the {"d": ...} envelopes, __metadata, __deferred
links for navigation not expanded, and list summaries."""

import json
import re

from flask import Response, jsonify, request, stream_with_context

from webapp.api import ApiError, absolute_uri, bare_lists, reads_full_tax_ids, related
from webapp.api import fields as lp
from webapp.api.loan_entities import loan_seen_from_customer
from webapp.models import (
    Address,
    Customer,
    CustomerLoan,
    CustomerStatus,
    CustomFieldValue,
    Document,
    Note,
    PaymentProfile,
    Phone,
    Reference,
    SocialProfile,
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
    "PaymentAccounts",
    "CreditScore",
    "Documents",
    "Notes",
    "SocialProfiles",
)
# Names separated by commas, each with what to expand inside it after a slash; a name a
# customer does not have is ignored, as LoanPro ignores it.
EXPAND_PATTERN = r"^[A-Za-z]+(?:/[A-Za-z]+)*(?:,[A-Za-z]+(?:/[A-Za-z]+)*)*$"
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


def customer_entities(
    customers: list[Customer],
    expand: dict[str, set[str]] | set[str],
    select: set[str] | None,
    bare: bool = False,
) -> list[dict]:
    """Customers as LoanPro shows them: `expand` names the navigation to include (with
    what to expand inside each, as `api.expansions` reads $expand); `bare`: lists inside
    as bare arrays (nopaging) rather than {"results": [...]}."""
    expand = expand if isinstance(expand, dict) else {name: set() for name in expand}
    records = read_records(customers)
    titles = {s.id: s.title for s in CustomerStatus.select()}
    full_tax_ids = reads_full_tax_ids()
    entities = []
    for customer in customers:
        entity = {
            "__metadata": {
                "uri": absolute_uri(f"Customers(id={customer.id})"),
                "type": "Entity.Customer",
            },
            **lp.customer_fields(customer, records[customer.id], titles, full_tax_ids),
        }
        for navigation in NAVIGATION:
            if navigation in expand:
                value = navigation_value(
                    customer, navigation, records[customer.id], expand[navigation]
                )
                entity[navigation] = value["results"] if bare and _is_list(value) else value
            else:
                deferred = f"Customers(id={customer.id})/{navigation}"
                entity[navigation] = {"__deferred": {"uri": deferred}}
        if select:
            entity = {k: v for k, v in entity.items() if k == "__metadata" or k in select}
        entities.append(entity)
    return entities


def _is_list(value) -> bool:
    return isinstance(value, dict) and list(value) == ["results"]


def _results(rows, entity_type: str, shape) -> dict:
    return {"results": [{"__metadata": {"type": entity_type}, **shape(row)} for row in rows]}


def navigation_value(
    customer: Customer, navigation: str, record: dict | None = None, inner=frozenset()
):
    """One navigation of a customer: an entity, None, or {"results": [...]};
    `inner`: what to expand in each of its entities (Loans/StatusArchive)."""
    record = record or read_records([customer])[customer.id]
    if navigation in ("PrimaryAddress", "MailAddress"):
        kind = "primary" if navigation == "PrimaryAddress" else "mailing"
        address = Address.get_or_none((Address.customer == customer) & (Address.kind == kind))
        value = lp.address_entity(record, navigation, address)
        return value and {"__metadata": {"type": "Entity.Address"}, **value}
    if navigation == "Employer":
        value = lp.employer_entity(record)
        return value and {"__metadata": {"type": "Entity.Employer"}, **value}
    if navigation == "CreditScore":
        return {
            "__metadata": {"type": "Entity.CreditScore"},
            **related.credit_score_entity(customer),
        }
    if navigation == "Loans":
        links = customer.loan_links.order_by(CustomerLoan.id)
        return {"results": [loan_seen_from_customer(link, inner, bare_lists()) for link in links]}
    rows, entity_type, shape = {
        "Phones": (customer.phones.order_by(Phone.position), "Phone", lp.phone_entity),
        "References": (
            customer.references.order_by(Reference.id),
            "Reference",
            lp.reference_entity,
        ),
        "CustomFieldValues": (
            customer.custom_values.order_by(CustomFieldValue.definition),
            "CustomFieldValue",
            related.custom_value_entity,
        ),
        "PaymentAccounts": (
            _payment_accounts(customer),
            "PaymentAccount",
            lambda p: related.payment_account_entity(p, inner),
        ),
        "Documents": (
            customer.documents.order_by(Document.id),
            "CustomerDocument",
            related.document_entity,
        ),
        "Notes": (customer.notes.order_by(Note.id), "Note", related.note_entity),
        "SocialProfiles": (
            customer.social_profiles.order_by(SocialProfile.id),
            "SocialProfile",
            related.social_profile_entity,
        ),
    }[navigation]
    return _results(rows, f"Entity.{entity_type}", shape)


def _payment_accounts(customer: Customer):
    """The customer's payment profiles; `$filter=active eq 1` (or 0) as the SDK asks."""
    query = customer.payment_profiles.order_by(PaymentProfile.id)
    wanted = re.fullmatch(r"\s*active\s+eq\s+([01]|true|false)\s*", request.args.get("$filter", ""))
    if wanted:
        query = query.where(PaymentProfile.active == (wanted.group(1) in ("1", "true")))
    return query
