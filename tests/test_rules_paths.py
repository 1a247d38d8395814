"""The importer's compiled rules and the WTForms forms come from one table; here they
must give the same verdict, field by field, on the same rows."""

from werkzeug.datastructures import MultiDict

from tests.rowgen import DEFECTS, rows
from webapp.rules.compiled import CompiledRules
from webapp.rules.context import RuleContext
from webapp.rules.customer_fields import CUSTOMER_FIELDS
from webapp.rules.forms import rule_form_class
from webapp.rules.record import is_blank

ImportRowForm = rule_form_class("ImportRowForm", CUSTOMER_FIELDS)


def form_verdict(cells, ctx):
    form = ImportRowForm(formdata=MultiDict(cells), rule_context=ctx, meta={"csrf": False})
    ok = form.validate()
    errors = {name: list(field.errors) for name, field in form._fields.items() if field.errors}
    return ok, errors, without_blanks(form.record)


def compiled_verdict(cells, rules):
    result = rules.check_new(cells)
    errors = {}
    for problem in result.errors:
        errors.setdefault(problem.field, []).append(problem.message)
    return result.ok, errors, without_blanks(result.record)


def without_blanks(record):
    # A form lists every field, blank ones as None; the compiled path leaves them out.
    return record and {name: value for name, value in record.items() if not is_blank(value)}


def test_both_paths_agree_on_every_row(app, statuses):
    ctx = RuleContext.load()
    rules = CompiledRules(ctx)
    planted = set()
    count = 0
    for cells, defect in rows(len(DEFECTS) * 8, defect_every=4):
        by_form, by_rules = form_verdict(cells, ctx), compiled_verdict(cells, rules)
        assert by_form == by_rules, cells
        if defect:
            planted.add(defect)
            assert by_rules[0] is False, f"defect {defect} was not caught"
        count += 1
    assert count == len(DEFECTS) * 8
    assert planted == set(DEFECTS)  # every kind of defect was tried


def test_both_paths_store_the_same_values(app, statuses):
    ctx = RuleContext.load()
    for cells, _ in rows(30):
        ok_form, _, record_form = form_verdict(cells, ctx)
        ok_rules, _, record_rules = compiled_verdict(cells, CompiledRules(ctx))
        assert ok_form and ok_rules
        assert record_form == record_rules
