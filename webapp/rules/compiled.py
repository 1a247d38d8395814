"""The rule table compiled into plain functions: what the importer and the API run.

A WTForms form per row costs about a millisecond; this path does the same checks with
the same parsers and record rules, without building a form. tests/test_rules_paths.py
holds both paths to the same verdicts.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from webapp.rules.customer_fields import CUSTOMER_FIELDS
from webapp.rules.parsers import parser_for
from webapp.rules.record import (
    MAILING_COPIED,
    apply_defaults,
    merge_record,
    normalise_record,
    record_errors,
    uses_primary_as_mailing,
)
from webapp.rules.spec import FieldError, RuleError


@dataclass
class Verdict:
    record: dict | None  # the full, normalised record when there is no error
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class CompiledRules:
    def __init__(self, ctx, specs=CUSTOMER_FIELDS):
        self.ctx = ctx
        self._parsers = {s.name: parser_for(s, ctx) for s in specs}

    def parse_cells(self, cells: Mapping[str, object]) -> tuple[dict, list[FieldError]]:
        """Each non-blank cell through its field's parser. Unknown names are skipped."""
        values, errors = {}, []
        parsers = self._parsers
        for name, raw in cells.items():
            parse = parsers.get(name)
            if parse is None or raw is None:
                continue
            text = raw.strip() if type(raw) is str else raw
            if text == "":
                continue
            try:
                values[name] = parse(text)
            except RuleError as problem:
                errors.append(FieldError(name, str(problem), str(raw)))
        return values, errors

    def check_new(self, cells: Mapping[str, object]) -> Verdict:
        """A customer to add, from its cells."""
        values, errors = self.parse_cells(cells)
        record = apply_defaults(values, self.ctx)
        return self._verdict(record, errors, cells, new=True)

    def check_change(self, existing: dict, cells: Mapping[str, object],
                     mode: str = "overwrite") -> Verdict:
        """An update of an existing record (as customer_record.read_record gives it)."""
        values, errors = self.parse_cells(cells)
        return self._verdict(merge_record(existing, values, mode), errors, cells, new=False)

    def _verdict(self, record, errors, cells, new: bool) -> Verdict:
        wrong = {e.field for e in errors}
        errors += [FieldError(e.field, e.message, _text(cells.get(e.field)))
                   for e in record_errors(record, wrong)]
        if errors:
            return Verdict(None, errors)
        warnings = []
        if new and uses_primary_as_mailing(record):
            warnings.append(FieldError("mailAddress", MAILING_COPIED))
        return Verdict(normalise_record(record), [], warnings)


def _text(raw) -> str:
    return "" if raw is None else str(raw)
