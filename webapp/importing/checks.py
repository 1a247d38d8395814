"""Judging a chunk of import rows, in file order, each against the customers as the
earlier rows leave them (importing/view.py): the action, the customer an update or
remove names, the field rules, the keys that must be unique, possible duplicates. Verify
and the import both judge through here; only what they do with a good row differs."""

from dataclasses import dataclass, field

from webapp.importing.conflicts import Touch
from webapp.importing.view import FileView
from webapp.rules.compiled import CompiledRules
from webapp.rules.customer_fields import ACTION, CUSTOMER_ID
from webapp.rules.parsers import parser_for
from webapp.rules.spec import FieldError, RuleError
from webapp.services import duplicates
from webapp.services.directory import record_keys
from webapp.services.loan_links import loans_losing_their_primary, without_primary_note
from webapp.services.uniqueness import unique_problems, username_candidates, with_username

CUSTOMER_ID_IGNORED = (
    "The customer ID is ignored when adding: the system gives the new "
    "customer its ID. Use importId for your own ID."
)
DUPLICATE_REFUSED = " Refused: the import was set to refuse rows with possible duplicates."


@dataclass
class RowResult:
    line: int
    cells: dict
    action: str | None = None
    ref: object = None  # the customer an update or remove is about (view.py's refs)
    record: dict | None = None  # the checked record of an add or update
    existing: dict | None = None  # an update's customer as the earlier rows left it
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    parsed: tuple | None = None  # (values, errors) of the cells, parsed once
    keys: dict | None = None  # record_keys(record)
    touch: Touch | None = None  # what judging it read and its outcome wrote (tracking)


class RowChecker:
    def __init__(self, ctx, merge_mode: str, view: FileView, refuse_duplicates: bool = False):
        self.rules = CompiledRules(ctx)
        self.parse_action = parser_for(ACTION, ctx)
        self.parse_key = parser_for(CUSTOMER_ID, ctx)
        self.merge_mode = merge_mode
        self.view = view
        self.refuse_duplicates = refuse_duplicates
        if not refuse_duplicates:  # warnings only: named across chunks at the end
            view.untracked = frozenset(duplicates.WARNED)
        self.tracking = False  # record each row's Touch (a chunk verified on its own)

    def check(self, chunk: list[tuple[int, dict]]) -> list[RowResult]:
        """Judge each row and apply the good ones to the view, in file order."""
        results = [self._first_look(line, cells) for line, cells in chunk]
        self._prefetch(results)
        for result in results:
            self.view.touch = result.touch = Touch() if self.tracking else None
            if not result.errors:
                self._judge(result)
            if not result.errors:
                self._apply(result)
        self.view.touch = None
        return results

    def _first_look(self, line: int, cells: dict) -> RowResult:
        result = RowResult(line, cells)
        raw_action = str(cells.get("action") or "").strip()
        if not raw_action:
            result.errors.append(
                FieldError("action", "Every row needs an action: add, update or remove.")
            )
            return result
        try:
            result.action = self.parse_action(raw_action)
        except RuleError as problem:
            result.errors.append(FieldError("action", str(problem), raw_action))
            return result
        key = str(cells.get("customerId") or "").strip()
        if result.action == "add" and key:
            result.warnings.append(FieldError("customerId", CUSTOMER_ID_IGNORED, key))
        if result.action != "add":
            if not key:
                result.errors.append(
                    FieldError(
                        "customerId",
                        f"A {result.action} row needs the customer's ID or import "
                        "ID in customerId.",
                    )
                )
            else:
                try:
                    self.parse_key(key)
                except RuleError as problem:
                    result.errors.append(FieldError("customerId", str(problem), key))
        if result.action != "remove":
            result.parsed = self.rules.parse_cells(cells)
        return result

    def _prefetch(self, results: list[RowResult]) -> None:
        """One lookup per kind for the chunk: the customers rows name, and who holds the
        values rows bring (the rest is looked up when a row needs it)."""
        keys, pairs = [], {}
        for result in results:
            if result.errors:
                continue
            if result.action != "add":
                keys.append(result.cells["customerId"].strip())
            if result.parsed:
                values = result.parsed[0]
                for kind, found in record_keys(values).items():
                    pairs.setdefault(kind, set()).update(found)
                if result.action == "add" and not values.get("username"):
                    pairs.setdefault("username", set()).update(username_candidates(values))
        self.view.prefetch(keys, pairs)

    def _judge(self, result: RowResult) -> None:
        own = stored = None
        if result.action != "add":
            own, problem = self.view.resolve(result.cells["customerId"].strip())
            if problem:
                result.errors.append(
                    FieldError("customerId", problem, result.cells["customerId"].strip())
                )
                return
            result.ref = own
            if result.action == "remove":
                loans = [] if isinstance(own, tuple) else loans_losing_their_primary(own)
                if loans:
                    result.warnings.append(
                        FieldError(
                            "customerId",
                            without_primary_note(loans),
                            result.cells["customerId"].strip(),
                        )
                    )
                return
            stored = result.existing = self.view.record(own)
            verdict = self.rules.change_from_values(
                stored, *result.parsed, result.cells, self.merge_mode
            )
        else:
            verdict = self.rules.new_from_values(*result.parsed, result.cells)
        result.errors += verdict.errors
        result.warnings += verdict.warnings
        if verdict.errors:
            return
        record = with_username(verdict.record, self.view, own)
        result.keys = record_keys(record)
        result.errors += unique_problems(record, self.view, own, stored)
        found = duplicates.check(
            record, self.view.holders, self.view.describe, own, stored, result.keys
        )
        result.errors += found.same_person
        if self.refuse_duplicates:
            result.errors += [
                FieldError(p.field, p.message + DUPLICATE_REFUSED, p.value) for p in found.possible
            ]
        elif result.touch is not None:  # named at the end, across chunks (cross_duplicates)
            result.touch.same_person = bool(found.same_person)
            result.touch.judged = [
                (
                    kind,
                    value,
                    *duplicates.placed(kind, value, record),
                    self.view.stored_holders(kind, value),
                    own,
                    count,
                    first,
                )
                for (kind, value), (count, first) in found.named.items()
            ]
        else:
            result.warnings += found.possible
        result.record = record

    def _apply(self, result: RowResult) -> None:
        if result.action == "add":
            result.ref = self.view.add(result.line, result.record, result.keys)
        elif result.action == "update":
            self.view.update(result.ref, result.record, result.keys)
        else:
            self.view.remove(result.ref)
