"""The Employer section: the customer record's employer fields, viewed and edited in
place, with their own slice of the history."""

from flask import request

from webapp.customers import bp
from webapp.customers.sections import actor, section_response
from webapp.customers.tabs import customer_or_404, render_tab, tab_loader
from webapp.models import Customer
from webapp.rules.context import RuleContext
from webapp.rules.customer_fields import CUSTOMER_FIELDS
from webapp.rules.forms import form_text, rule_form_class
from webapp.services import history, versions
from webapp.services.customer_record import read_record
from webapp.services.customers import update_customer
from webapp.services.versions import StaleVersion

EMPLOYER_SPECS = [spec for spec in CUSTOMER_FIELDS if spec.section == "employer"]
EmployerForm = rule_form_class("EmployerForm", EMPLOYER_SPECS)


def _form(customer: Customer, formdata=None) -> EmployerForm:
    record = read_record(customer)
    return EmployerForm(
        formdata=formdata,
        base_record=record,
        rule_context=RuleContext.for_app(),
        data={s.name: form_text(s, record.get(s.name)) for s in EMPLOYER_SPECS},
    )


@tab_loader("employer")
def _employer(customer: Customer) -> dict:
    changes = history.entries_for(customer.id, "employer").limit(20)
    return {
        "record": read_record(customer),
        "specs": EMPLOYER_SPECS,
        "changes": list(changes),
        "label": history.label,
    }


@bp.route("/customers/<int:customer_id>/employer/edit", methods=["GET", "POST"])
def edit_employer(customer_id: int):
    customer = customer_or_404(customer_id)
    if request.method == "GET":
        return render_tab(customer, "employer", form=_form(customer))
    form = _form(customer, request.form)
    if not form.validate():
        return render_tab(customer, "employer", form=form)
    try:
        update_customer(
            customer,
            form.record,
            actor(),
            expected_version=versions.posted(customer.id, request.form.get("version")),
        )
    except StaleVersion as stale:
        return render_tab(customer, "employer", form=form, stale=stale)
    return section_response(customer, "employer")
