"""A POST or PUT body applied through the same rules and services as the UI and the
importer: every part is checked before anything is written, and all of it is written in
one transaction or none of it is."""

from webapp.api import ApiError
from webapp.api import fields as lp
from webapp.db import db
from webapp.models import Customer
from webapp.rules.compiled import CompiledRules
from webapp.rules.context import RuleContext
from webapp.rules.customer_fields import initial_cells
from webapp.rules.parsers import parser_for
from webapp.rules.reference_fields import (
    REFERENCE_FIELDS,
    normalise_reference,
    reference_errors,
)
from webapp.rules.spec import RuleError
from webapp.services import custom_fields, references
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record
from webapp.services.customers import (
    PossibleDuplicate,
    RecordRejected,
    create_customer,
    update_customer,
)


def apply_body(
    customer: Customer | None, body: dict, actor: Actor, expected_version: int | None = None
) -> Customer:
    """Create (no customer) or change a customer from a LoanPro-shaped body. A change is
    made against the version `customer` was read at, or `expected_version` (If-Match);
    versions.StaleVersion when someone else wrote in between."""
    try:
        cells, cleared = lp.request_cells(body)
    except lp.BodyRefused as refused:
        raise ApiError.refusal(
            refused, 422, "Nothing was saved: the body could not be read.", lp.loanpro_field
        ) from None
    context = RuleContext.for_app()
    rules = CompiledRules(context)
    if customer is None:
        verdict = rules.check_new({**initial_cells(context.default_customer_type), **cells})
    else:
        verdict = rules.check_change(read_record(customer), cells, cleared=cleared)
    errors = [(lp.loanpro_field(e.field), e.message) for e in verdict.errors]
    new_references = _references(body.get("References"), errors)
    custom_values = _custom_values(body.get("CustomFieldValues"), errors)
    if errors:
        raise ApiError(
            422,
            "Nothing was saved: "
            + (
                "1 field needs attention."
                if len(errors) == 1
                else f"{len(errors)} fields need attention."
            ),
            [{"field": field, "message": message} for field, message in errors],
        )
    # LoanPro's way to say "I have seen the possible duplicates: save anyway".
    ignore_warnings = body.get("__ignoreWarnings") is True
    try:
        with db.atomic():
            if customer is None:
                customer = create_customer(verdict.record, actor, ignore_warnings)
            else:
                update_customer(
                    customer,
                    verdict.record,
                    actor,
                    expected_version=expected_version,
                    confirmed=ignore_warnings,
                )
            for record in new_references:
                references.add_reference(customer, record, actor)
            if custom_values:
                custom_fields.save_values(customer, custom_values, actor)
    except PossibleDuplicate as possible:
        raise ApiError(
            409,
            "Transaction warnings found: nothing was saved. Send "
            '"__ignoreWarnings": true to save anyway.',
            [
                {
                    "field": lp.loanpro_field(e.field),
                    "message": e.message,
                    "customerIds": possible.matched,
                }
                for e in possible.errors
            ],
            code="TransactionWarningException",
        ) from None
    except RecordRejected as rejected:
        raise ApiError.refusal(
            rejected, 409, "Nothing was saved: " + str(rejected), field=lp.loanpro_field
        ) from None
    return Customer.get_by_id(customer.id)


def _results(value, name: str, errors: list) -> list:
    if value is None:
        return []
    items = value.get("results") if isinstance(value, dict) else value
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        errors.append((name, f'{name} is a list of objects (or {{"results": [...]}}).'))
        return []
    return items


def _references(value, errors: list) -> list[dict]:
    """New references to add (LoanPro adds the ones a body lists)."""
    rules = CompiledRules(RuleContext(), REFERENCE_FIELDS)
    records = []
    for number, item in enumerate(_results(value, "References", errors), start=1):
        cells = lp.reference_cells(item)
        values, problems = rules.parse_cells(cells)
        problems += reference_errors(values, {p.field for p in problems})
        errors.extend((f"References[{number}].{p.field}", p.message) for p in problems)
        if not problems:
            records.append(normalise_reference(values))
    return records


def _custom_values(value, errors: list) -> dict[int, object]:
    definitions = {d.id: d for d in custom_fields.active_definitions()}
    parsed = {}
    for number, item in enumerate(_results(value, "CustomFieldValues", errors), start=1):
        field = f"CustomFieldValues[{number}]"
        definition = definitions.get(_int(item.get("customFieldId")))
        if definition is None:
            errors.append((field, "customFieldId names no active custom field."))
            continue
        text = item.get("customFieldValue")
        if text in (None, ""):
            parsed[definition.id] = None
            continue
        try:
            parsed[definition.id] = parser_for(custom_fields.spec_for(definition), RuleContext())(
                lp.cell(text)
            )
        except RuleError as problem:
            errors.append((f"{field}.customFieldValue", f"{definition.label}: {problem}"))
    return parsed


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
