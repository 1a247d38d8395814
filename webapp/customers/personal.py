"""Contact & Personal: summary, contact information, and the change history."""

import json

from flask import Response, abort, current_app, render_template, request
from flask_login import current_user

from webapp.customers import bp
from webapp.customers.forms import SHOWN_FOR, edit_form, saved
from webapp.customers.sections import actor, section_response
from webapp.customers.tabs import customer_or_404, render_tab, tab_loader
from webapp.lookups import get_or_404
from webapp.models import (
    SOCIAL_NETWORKS,
    ChangeEntry,
    Customer,
    CustomerPhoto,
    SocialProfile,
)
from webapp.rules.customer_fields import FIELDS_BY_NAME
from webapp.services import history, social_profiles
from webapp.services.customer_record import read_record
from webapp.services.customers import update_customer

HISTORY_PAGE = 25


@bp.get("/customers/<int:customer_id>")
def detail(customer_id: int):
    return render_tab(customer_or_404(customer_id), "summary")


# The record's sections each tab edits in place: the form holds those fields only.
EDITED_PARTS = {"summary": ("general", "web"), "contact": ("contact", "mailing")}


@bp.route("/customers/<int:customer_id>/<any(summary, contact):tab>/edit", methods=["GET", "POST"])
def edit_part(customer_id: int, tab: str):
    customer = customer_or_404(customer_id)
    form = edit_form(customer, EDITED_PARTS[tab])
    if form.validate_on_submit() and saved(
        form,
        lambda r, ok: update_customer(
            customer, r, actor(), expected_version=form.opened_version(customer.id), confirmed=ok
        ),
    ):
        return section_response(customer, tab)
    return render_tab(customer, tab, form=form, shown_for=SHOWN_FOR)


@bp.post("/customers/<int:customer_id>/reveal/<any(ssn, idNumber):field>")
def reveal_tax_id(customer_id: int, field: str):
    """The full SSN or EIN, for a role allowed to see it; who looked, at which customer's
    number and when goes into the customer's history."""
    if not may_reveal_tax_ids():
        abort(403)
    customer = customer_or_404(customer_id)
    number = read_record(customer).get(field)
    if number:
        history.record_action(
            customer.id, actor(), "customer", "Revealed", FIELDS_BY_NAME[field].label
        )
    if not request.htmx:  # without scripts: the Summary with the number shown
        return render_tab(customer, "summary", revealed={field: number})
    return render_template(
        "customers/_revealed.html", number=number, field=field, id_type=customer.id_type
    )


def may_reveal_tax_ids() -> bool:
    return current_user.has_role(current_app.config["REVEAL_TAX_ID_ROLE"])


@tab_loader("summary")
def _summary(customer: Customer) -> dict:
    return {
        "record": read_record(customer),
        "fields": FIELDS_BY_NAME,
        "photo": CustomerPhoto.get_or_none(CustomerPhoto.customer == customer),
        "may_reveal": may_reveal_tax_ids(),
    }


@tab_loader("contact")
def _contact(customer: Customer) -> dict:
    return {
        "record": read_record(customer),
        "fields": FIELDS_BY_NAME,
        "addresses": {a.kind: a for a in customer.addresses},
        "profiles": list(customer.social_profiles.order_by(SocialProfile.id)),
        "networks": SOCIAL_NETWORKS,
        "profile_link": social_profiles.link,
    }


@tab_loader("history")
def _history(customer: Customer) -> dict:
    page = max(request.args.get("page", 1, type=int), 1)
    entries = history.entries_for(customer.id)
    total = entries.count()
    return {
        "entries": list(entries.paginate(page, HISTORY_PAGE)),
        "page": page,
        "pages": max(-(-total // HISTORY_PAGE), 1),
        "total": total,
        "label": history.label,
        "created_fields": history.created_fields,
    }


@bp.get("/customers/<int:customer_id>/history/<int:entry_id>.json")
def history_entry(customer_id: int, entry_id: int):
    entry = get_or_404(ChangeEntry, entry_id, ChangeEntry.customer_id == customer_id)
    body = {
        "id": entry.id,
        "customerId": entry.customer_id,
        "at": entry.at.isoformat() + "Z",
        "who": entry.actor,
        "source": entry.source,
        "action": entry.action,
        "section": entry.section,
    }
    if entry.action == "create":
        body["values"] = dict(history.created_fields(entry))
    else:
        body.update(
            field=history.label(entry.field) if entry.field else None,
            fieldName=entry.field,
            old=entry.old_value,
            new=entry.new_value,
        )
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": "attachment; filename="
            f"customer-{customer_id}-change-{entry.id}.json"
        },
    )
