"""Privacy requests (CCPA in California, PIPEDA in Canada): give a customer their personal
data, or erase it.

The export withholds the identifiers that privacy rules say must not be handed out in a
response (SSN, ID and licence numbers, passwords, account tokens): it says they are held
instead. Erasing keeps what the lender must keep to service loans — the customer ID, the
status, the import ID and the loan links — and removes or blanks everything else."""

import datetime as dt
import json

from playhouse.shortcuts import model_to_dict

from webapp.models import ChangeEntry, Customer, CustomerLoan, OutboundEvent
from webapp.rules.customer_fields import CUSTOMER_FIELDS, DERIVED_COLUMNS, FIELDS_BY_NAME
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.customers import PERSONAL_ROWS, remove_personal_rows

LAWS = {"ccpa": "CCPA", "pipeda": "PIPEDA"}
WITHHELD = "(held; not disclosed in this export)"
# From the field table: the customer's columns that are personal data, the withheld ones,
# and the columns computed from them.
_PERSONAL = [s for s in CUSTOMER_FIELDS if s.table == "customer" and s.personal != "no"]
_DERIVED = {
    column.split(".")[1]: FIELDS_BY_NAME[source]
    for column, source in DERIVED_COLUMNS.items()
    if FIELDS_BY_NAME[source].personal != "no"
}
WITHHELD_COLUMNS = {s.column_name for s in _PERSONAL if s.personal == "withheld"} | {
    column for column, source in _DERIVED.items() if source.personal == "withheld"
}
WITHHELD_COLUMNS.add("token")  # a payment profile's card or account token
# Columns that only serve search or link rows: not the customer's data.
INTERNAL_COLUMNS = {c for c in _DERIVED if c.endswith("_key")} | {
    "customer",
    "uploaded_by",
    "author",
    "definition",
    "section",
    "category",
}


def export_personal_data(customer: Customer, actor: Actor) -> str:
    """The customer's personal data as a JSON document; the export itself is recorded."""
    body = {
        "exportedAt": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "customerId": customer.id,
        "customer": _row(customer),
    }
    for name, model in PERSONAL_ROWS:
        rows = model.select().where(model.customer == customer).order_by(model.id)
        body[name] = [_row(row) for row in rows]
    body["custom field values"] = [
        {"field": v.definition.label, "value": v.value} for v in customer.custom_values
    ]
    body["loan links"] = [
        {"loan": link.loan.display_id, "role": link.role} for link in customer.loan_links
    ]
    history.record_action(
        customer.id, actor, "tools", "Personal data exported", "JSON export for a privacy request"
    )
    return json.dumps(body, ensure_ascii=False, indent=2, default=str)


def _row(row) -> dict:
    values = model_to_dict(row, recurse=False)
    out = {}
    for column, value in values.items():
        if column in INTERNAL_COLUMNS or value is None:
            continue
        out[column] = WITHHELD if column in WITHHELD_COLUMNS else value
    if isinstance(row, Customer):
        out["status"] = row.status.title
    return out


def _emptied(column: str):
    """What a column is left holding once its personal data is gone: blank, or for a
    required column its default."""
    field = Customer._meta.columns[column]
    return None if field.null else field.default


# What an erase writes over each personal customer column (the field table's `erased`
# value, else its default, else blank); the other tables' personal rows are deleted.
ERASED_COLUMNS = {
    **{
        s.column_name: next(
            (v for v in (s.erased, s.default) if v is not None), _emptied(s.column_name)
        )
        for s in _PERSONAL
    },
    **{column: _emptied(column) for column in _DERIVED},
}


def erase_personal_data(customer: Customer, law: str, actor: Actor) -> dict[str, int]:
    """Remove the customer's personal data for good; returns what went, by kind."""
    with remove_personal_rows(customer) as removed:
        # Only these columns: a whole-row save would write back a version read earlier.
        Customer.update(ERASED_COLUMNS).where(Customer.id == customer.id).execute()
        # The earlier history holds the old values, so it goes too; one entry says why.
        removed["history entries"] = (
            ChangeEntry.delete().where(ChangeEntry.customer_id == customer.id).execute()
        )
        # Webhook events not yet sent carry names too; they are not sent now.
        removed["unsent webhook events"] = (
            OutboundEvent.delete()
            .where((OutboundEvent.customer_id == customer.id) & OutboundEvent.claimed_by.is_null())
            .execute()
        )
        history.record_section_change(
            customer.id,
            actor,
            "tools",
            f"Personal data erased ({LAWS[law]} request)",
            "",
            "; ".join(f"{count} {name}" for name, count in removed.items() if count)
            or "nothing beyond the record itself",
        )
    return removed


def kept_loan_links(customer: Customer) -> int:
    return CustomerLoan.select().where(CustomerLoan.customer == customer).count()
