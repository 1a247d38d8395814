"""The References section: the list, and add / edit forms in place."""

from flask import request

from webapp.customers import bp
from webapp.customers.sections import actor, owned_or_404, section_response
from webapp.customers.tabs import customer_or_404, render_tab, tab_loader
from webapp.models import Customer, Reference
from webapp.rules.context import RuleContext
from webapp.rules.forms import form_text, rule_form_class
from webapp.rules.reference_fields import (
    REFERENCE_FIELDS,
    normalise_reference,
    reference_errors,
)
from webapp.services import references as service

ReferenceForm = rule_form_class(
    "ReferenceForm",
    REFERENCE_FIELDS,
    check_record=staticmethod(reference_errors),
    normalise=staticmethod(normalise_reference),
    defaults=staticmethod(lambda values, ctx: dict(values)),
)


def _form(reference: Reference | None = None, formdata=None) -> ReferenceForm:
    data = (
        {
            s.name: form_text(s, v)
            for s, v in zip(
                REFERENCE_FIELDS, service.read_reference(reference).values(), strict=True
            )
        }
        if reference
        else {"country": "usa"}
    )
    return ReferenceForm(formdata=formdata, rule_context=RuleContext(), data=data)


@tab_loader("references")
def _references(customer: Customer) -> dict:
    return {
        "references": list(customer.references.order_by(Reference.name)),
        "blank_reference_form": _form,
    }


@bp.post("/customers/<int:customer_id>/references")
def add_reference(customer_id: int):
    customer = customer_or_404(customer_id)
    form = _form(formdata=request.form)
    if not form.validate():
        return render_tab(customer, "references", new_form=form)
    service.add_reference(customer, form.record, actor())
    return section_response(customer, "references")


@bp.route("/customers/<int:customer_id>/references/<int:reference_id>", methods=["GET", "POST"])
def edit_reference(customer_id: int, reference_id: int):
    customer = customer_or_404(customer_id)
    reference = owned_or_404(Reference, customer, reference_id)
    if request.method == "GET":
        return render_tab(customer, "references", editing=reference.id, edit_form=_form(reference))
    form = _form(reference, request.form)
    if not form.validate():
        return render_tab(customer, "references", editing=reference.id, edit_form=form)
    service.update_reference(reference, form.record, actor())
    return section_response(customer, "references")


@bp.post("/customers/<int:customer_id>/references/<int:reference_id>/delete")
def delete_reference(customer_id: int, reference_id: int):
    customer = customer_or_404(customer_id)
    service.delete_reference(owned_or_404(Reference, customer, reference_id), actor())
    return section_response(customer, "references")
