"""Additional information: the tenant's custom fields for this customer."""

from flask import request

from webapp.customers import bp
from webapp.customers.sections import actor, section_response
from webapp.customers.tabs import customer_or_404, render_tab, tab_loader
from webapp.models import Customer
from webapp.rules.context import RuleContext
from webapp.rules.forms import form_text, rule_form_class
from webapp.services import custom_fields as service
from webapp.services import versions
from webapp.services.versions import StaleVersion


def _form(customer: Customer, formdata=None):
    definitions = service.active_definitions()
    specs = [service.spec_for(d) for d in definitions]
    form_class = rule_form_class(
        "CustomValuesForm",
        specs,
        check_record=staticmethod(lambda values, wrong: []),
        normalise=staticmethod(dict),
    )
    stored = service.values_for(customer)
    data = {
        spec.name: form_text(spec, stored.get(d.id))
        for spec, d in zip(specs, definitions, strict=True)
    }
    return form_class(
        formdata=formdata, rule_context=RuleContext(), base_record={}, data=data
    ), definitions


@tab_loader("additional")
def _additional(customer: Customer) -> dict:
    stored = service.values_for(customer)
    return {
        "rows": [
            (d.label, service.display(d, stored.get(d.id))) for d in service.active_definitions()
        ]
    }


@bp.route("/customers/<int:customer_id>/additional/edit", methods=["GET", "POST"])
def edit_additional(customer_id: int):
    customer = customer_or_404(customer_id)
    form, definitions = _form(customer, request.form if request.method == "POST" else None)
    if request.method == "GET" or not form.validate():
        return render_tab(customer, "additional", form=form)
    try:
        service.save_values(
            customer,
            {d.id: form.record.get(f"cf_{d.id}") for d in definitions},
            actor(),
            versions.posted(customer.id, request.form.get("version")),
        )
    except StaleVersion as stale:
        return render_tab(customer, "additional", form=form, stale=stale)
    return section_response(customer, "additional")
