"""The add / edit customer form: generated from the rule table, plus the two choices
that only exist on screen."""

from functools import cache

from flask import flash, request
from wtforms import BooleanField, HiddenField

from webapp.models import Customer
from webapp.rules.context import RuleContext
from webapp.rules.customer_fields import (
    COMPANY_TYPES,
    CUSTOMER_FIELDS,
    FIELDS_BY_NAME,
    MAILING_FIELDS,
    initial_cells,
)
from webapp.rules.forms import RuleForm, rule_form_class
from webapp.rules.record import uses_primary_as_mailing
from webapp.rules.spec import screen_text
from webapp.services import history, versions
from webapp.services.customer_record import read_record
from webapp.services.customers import PossibleDuplicate, RecordRejected
from webapp.services.versions import StaleVersion

SECTIONS = (
    ("general", "General information"),
    ("contact", "Contact information"),
    ("mailing", "Mailing information"),
    ("web", "Web access"),
)
ON_SCREEN = [
    spec
    for spec in CUSTOMER_FIELDS
    if spec.section in dict(SECTIONS)
    and spec.name not in ("additionalPhone", "additionalPhoneType")
]
# Fields that only make sense for some customer types; the page hides the others.
SHOWN_FOR = {
    "companyName": COMPANY_TYPES,
    "companyContact": COMPANY_TYPES,
    "idType": COMPANY_TYPES,
    "idNumber": COMPANY_TYPES,
    "creditLimit": ("flooringCustomer",),
}

EXTRA_FIELDS = {  # section -> the on-screen choices that belong to it
    "general": {
        "doNotCaseFormat": BooleanField(
            "Do not case format", description="Keep capitals as typed, e.g. McDonald"
        )
    },
    "mailing": {
        "mailSameAsPrimary": BooleanField("Use primary address as mailing address", default=True)
    },
}


class CustomerForm:
    """Mixed into the generated form classes below."""

    conflict: StaleVersion | None = None  # set when a save met a newer version
    duplicates: PossibleDuplicate | None = None  # set when a save found possible duplicates
    conflict_fields: set[str] = frozenset()  # the fields the newer versions changed

    def validate(self, extra_validators=None) -> bool:
        if "mailSameAsPrimary" in self and self.mailSameAsPrimary.data:
            for name in MAILING_FIELDS:
                self[name].data = ""
        return super().validate(extra_validators)

    def combined_record(self) -> dict:
        record = super().combined_record()
        if "doNotCaseFormat" in self:
            record["doNotCaseFormat"] = bool(self.doNotCaseFormat.data)
        return record

    def sections(self):
        """(key, title, fields) for the template, in page order: this form's sections."""
        for key, title in SECTIONS:
            fields = [self[s.name] for s in self.specs if s.section == key]
            if fields:
                yield key, title, fields

    def now_saved(self, field) -> tuple[str, str] | None:
        """After a refused stale save: (as shown, as typed in a form) of the value saved
        now, for a field someone else changed to other than what this person typed."""
        spec = FIELDS_BY_NAME.get(field.name)
        if (
            self.conflict is None
            or spec is None
            or spec.mask == "secret"
            or field.name not in self.conflict_fields
        ):
            return None
        stored = self.base_record.get(spec.name)
        text = screen_text(spec, stored)
        if text == str(field.data or "").strip():
            return None
        return history.describe(spec.name, stored, history.status_titles()) or "(empty)", text

    @property
    def customer_type(self) -> str:
        """The type the page shows fields for: as chosen on the form, else as stored."""
        if "customerType" in self:
            return self.customerType.data or "individual"
        return (self.base_record or {}).get("customerType") or "individual"

    def duplicate_matches(self) -> list[tuple[int, str]]:
        ids = self.duplicates.matched if self.duplicates else []
        return [(c.id, c.display_name) for c in Customer.select().where(Customer.id.in_(ids))]

    @staticmethod
    def opened_version(customer_id: int) -> int:
        """The customer's version when this form was opened, as the post says (not the
        field's data: WTForms keeps the current version there when none is posted);
        versions.StaleVersion when the post does not say."""
        return versions.posted(customer_id, request.form.get("version"))


@cache
def customer_form_class(sections: tuple[str, ...] | None = None) -> type:
    """The form for the whole record, or for some of its sections only: a section form
    posts and saves its own fields, so it cannot write back what it did not show."""
    keys = sections or tuple(key for key, _ in SECTIONS)
    extras = {name: f for key in keys for name, f in EXTRA_FIELDS.get(key, {}).items()}
    return rule_form_class(
        "CustomerForm",
        [s for s in ON_SCREEN if s.section in keys],
        base=type("_CustomerRuleForm", (CustomerForm, RuleForm), {}),
        version=HiddenField(),
        **extras,
    )


def form_data(record: dict) -> dict:
    """A stored record as the texts the edit form starts with."""
    data = {spec.name: screen_text(spec, record.get(spec.name)) for spec in ON_SCREEN}
    data["doNotCaseFormat"] = bool(record.get("doNotCaseFormat"))
    data["mailSameAsPrimary"] = uses_primary_as_mailing(record)
    return data


def rule_context() -> RuleContext:
    return RuleContext.for_app()


def new_customer_form():
    context = rule_context()
    data = {**initial_cells(context.default_customer_type), "mailSameAsPrimary": True}
    return customer_form_class()(rule_context=context, data=data)


def edit_form(customer: Customer, sections: tuple[str, ...] | None = None):
    """The record (or some sections of it) as stored, ready to edit, with the version it
    was opened at (a POST fills in what was typed, and the version it was opened at)."""
    record = read_record(customer)
    return customer_form_class(sections)(
        rule_context=rule_context(),
        base_record=record,
        data={**form_data(record), "version": str(customer.version)},
    )


def saved(form, save) -> bool:
    """Run a service save, `save(record, confirmed)`. A clash with stored data goes back
    beside its field. Possible duplicates go back listed, to be confirmed: the
    confirmation names the customers that were shown, so a different match asks again.
    A save against an older version goes back with what changed since, the typed values
    kept, and the form moved on to the current version: saving again is then a choice
    made knowing what it overwrites."""
    shown = set(filter(None, request.form.get("confirmDuplicates", "").split(",")))
    try:
        try:
            result = save(form.record, False)
        except PossibleDuplicate as possible:
            if not {str(m) for m in possible.matched} <= shown:
                raise
            result = save(form.record, True)
    except PossibleDuplicate as possible:
        form.duplicates = possible
        return False
    except RecordRejected as rejected:
        for problem in rejected.errors:
            target = form._fields.get(problem.field)
            (target.errors if target is not None else form.form_errors).append(problem.message)
        return False
    except StaleVersion as stale:
        form.conflict = stale
        form.conflict_fields = {e.field for e in stale.changes()}
        form.version.data = str(stale.current or "")
        return False
    if isinstance(result, Customer):
        form.saved = result
        flash(f"Customer #{result.id} ({result.display_name}) was added.", "success")
    else:
        flash(
            f"Saved: {result} field{'s' if result != 1 else ''} changed."
            if result
            else "Nothing had changed.",
            "success",
        )
    return True
