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
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.customers import PERSONAL_ROWS, remove_personal_rows

LAWS = {"ccpa": "CCPA", "pipeda": "PIPEDA"}
WITHHELD = "(held; not disclosed in this export)"
WITHHELD_COLUMNS = {"ssn", "ssn_last4", "drivers_license", "id_number", "password_hash", "token"}
# Columns that only serve search or bookkeeping: not the customer's data.
INTERNAL_COLUMNS = {
    "first_name_key",
    "last_name_key",
    "company_name_key",
    "email_key",
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


ERASED_COLUMNS = {
    "first_name": "",
    "middle_name": None,
    "last_name": "(personal data erased)",
    "company_name": None,
    "company_contact": None,
    "ssn": None,
    "ssn_last4": None,
    "drivers_license": None,
    "id_number": None,
    "birth_date": None,
    "gender": None,
    "generation_code": "none",
    "email": None,
    "username": None,
    "password_hash": None,
    "credit_score_experian": None,
    "credit_score_equifax": None,
    "credit_score_transunion": None,
    "credit_limit": None,
    "first_name_key": "",
    "last_name_key": "",
    "company_name_key": None,
    "email_key": None,
    "mail_same_as_primary": True,
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
