"""The add / edit customer form: generated from the rule table, plus the two choices
that only exist on screen."""

from flask import current_app, flash
from wtforms import BooleanField

from webapp.models import Customer
from webapp.rules.context import RuleContext
from webapp.rules.customer_fields import (
    ADD_DEFAULTS,
    COMPANY_TYPES,
    CUSTOMER_FIELDS,
    MAILING_FIELDS,
)
from webapp.rules.forms import form_text, rule_form_class
from webapp.rules.record import uses_primary_as_mailing
from webapp.services.customer_record import read_record
from webapp.services.customers import RecordRejected

SECTIONS = (
    ("general", "General information"),
    ("contact", "Contact information"),
    ("mailing", "Mailing information"),
    ("web", "Web access"),
)
ON_SCREEN = [spec for spec in CUSTOMER_FIELDS if spec.section in dict(SECTIONS)
             and spec.name not in ("additionalPhone", "additionalPhoneType")]
# Fields that only make sense for some customer types; the page hides the others.
SHOWN_FOR = {
    "companyName": COMPANY_TYPES, "companyContact": COMPANY_TYPES,
    "idType": COMPANY_TYPES, "idNumber": COMPANY_TYPES,
    "creditLimit": ("flooringCustomer",),
}

_Generated = rule_form_class(
    "_Generated", ON_SCREEN,
    doNotCaseFormat=BooleanField("Do not case format",
                                 description="Keep capitals as typed, e.g. McDonald"),
    mailSameAsPrimary=BooleanField("Use primary address as mailing address", default=True),
)


class CustomerForm(_Generated):
    def validate(self, extra_validators=None) -> bool:
        if self.mailSameAsPrimary.data:
            for name in MAILING_FIELDS:
                self[name].data = ""
        return super().validate(extra_validators)

    def combined_record(self) -> dict:
        record = super().combined_record()
        record["doNotCaseFormat"] = bool(self.doNotCaseFormat.data)
        return record

    def sections(self):
        """(key, title, fields) for the template, in page order."""
        for key, title in SECTIONS:
            yield key, title, [self[s.name] for s in ON_SCREEN if s.section == key]


def form_data(record: dict) -> dict:
    """A stored record as the texts the edit form starts with."""
    data = {spec.name: form_text(spec, record.get(spec.name)) for spec in ON_SCREEN}
    data["doNotCaseFormat"] = bool(record.get("doNotCaseFormat"))
    data["mailSameAsPrimary"] = uses_primary_as_mailing(record)
    return data


NEW_CUSTOMER_DEFAULTS = {**ADD_DEFAULTS, "mailSameAsPrimary": True}


def rule_context() -> RuleContext:
    return RuleContext.load(current_app.config["DEFAULT_CUSTOMER_TYPE"])


def edit_form(customer: Customer) -> CustomerForm:
    """The whole record, as stored, ready to edit (a POST fills in what was typed)."""
    record = read_record(customer)
    return CustomerForm(rule_context=rule_context(), base_record=record, data=form_data(record))


def saved(form: CustomerForm, save) -> bool:
    """Run a service save; a clash with stored data goes back beside its field."""
    try:
        result = save(form.record)
    except RecordRejected as rejected:
        for problem in rejected.errors:
            form[problem.field].errors.append(problem.message)
        return False
    if isinstance(result, Customer):
        form.saved = result
        flash(f"Customer #{result.id} ({result.display_name}) was added.", "success")
    else:
        flash(f"Saved: {result} field{'s' if result != 1 else ''} changed." if result
              else "Nothing had changed.", "success")
    return True
