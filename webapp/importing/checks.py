"""Checking a chunk of import rows: the action, the customer an update or remove names,
the field rules, and the keys that must be unique. Lookups go to the database once per
chunk, not once per row."""

from dataclasses import dataclass, field

from webapp.models import Customer
from webapp.models.base import in_list
from webapp.rules.compiled import CompiledRules
from webapp.rules.customer_fields import ACTION, CUSTOMER_ID
from webapp.rules.parsers import parser_for
from webapp.rules.spec import FieldError, RuleError, is_digits
from webapp.services.customer_record import read_records

CUSTOMER_ID_IGNORED = ("The customer ID is ignored when adding: the system gives the new "
                       "customer its ID. Use importId for your own ID.")


@dataclass
class RowResult:
    line: int
    cells: dict
    action: str | None = None
    customer: Customer | None = None  # the customer an update or remove is about
    record: dict | None = None  # the checked record of an add or update
    existing: dict | None = None  # an update's customer as stored when the chunk was read
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    key_added_earlier: bool = False  # names a customer this file adds on an earlier line


class RowChecker:
    def __init__(self, ctx, merge_mode: str, seen):
        self.rules = CompiledRules(ctx)
        self.parse_action = parser_for(ACTION, ctx)
        self.parse_key = parser_for(CUSTOMER_ID, ctx)
        self.merge_mode = merge_mode
        self.seen = seen

    def check(self, chunk: list[tuple[int, dict]]) -> list[RowResult]:
        results = [self._first_look(line, cells) for line, cells in chunk]
        keyed = [r for r in results if r.action in ("update", "remove") and not r.errors]
        customers = _customers_by_key([r.cells["customerId"].strip() for r in keyed])
        records = read_records(list({c.id: c for c in customers.values()}.values()))
        added_before = self.seen.first_lines("importId", [r.cells["customerId"].strip()
                                                          for r in keyed])
        for result in results:  # adds on this chunk's own lines count too
            new_id = str(result.cells.get("importId") or "").strip()
            if result.action == "add" and new_id:
                added_before.setdefault(new_id, result.line)
        for result in keyed:
            key = result.cells["customerId"].strip()
            result.customer = customers.get(key)
            if result.customer is None:
                if added_before.get(key, result.line) < result.line:
                    result.key_added_earlier = True
                else:
                    result.errors.append(FieldError(
                        "customerId", f"No customer has the ID or import ID {key!r}.", key))
            elif result.action == "update":
                result.existing = records[result.customer.id]
                self._check_update(result, result.existing)
        for result in results:
            if result.action == "add" and not result.errors:
                self._check_add(result)
        self._check_unique_keys(results)
        return results

    def _first_look(self, line: int, cells: dict) -> RowResult:
        result = RowResult(line, cells)
        raw_action = str(cells.get("action") or "").strip()
        if not raw_action:
            result.errors.append(FieldError("action", "Every row needs an action: add, "
                                                      "update or remove."))
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
                result.errors.append(FieldError(
                    "customerId", f"A {result.action} row needs the customer's ID or import "
                                  "ID in customerId."))
            else:
                try:
                    self.parse_key(key)
                except RuleError as problem:
                    result.errors.append(FieldError("customerId", str(problem), key))
        return result

    def _check_add(self, result: RowResult) -> None:
        verdict = self.rules.check_new(result.cells)
        result.record = verdict.record
        result.errors += verdict.errors
        result.warnings += verdict.warnings

    def _check_update(self, result: RowResult, existing: dict) -> None:
        verdict = self.rules.check_change(existing, result.cells, self.merge_mode)
        result.record = verdict.record
        result.errors += verdict.errors

    def _check_unique_keys(self, results: list[RowResult]) -> None:
        """Import IDs and usernames a row would store must not belong to anyone else,
        in the database or on an earlier line of the file."""
        for name, column, what in (("importId", Customer.import_id, "import ID"),
                                   ("username", Customer.username, "username")):
            claims = {}
            for result in results:
                value = result.record and result.record.get(name)
                owner = result.customer.id if result.customer else None
                if value and not result.errors and getattr(result.customer, column.name,
                                                           None) != value:
                    claims.setdefault(value, []).append((result, owner))
            if not claims:
                continue
            stored = {row.key: row.id for row in Customer.select(
                Customer.id, column.alias("key")).where(in_list(column, list(claims)))}
            earlier = self.seen.first_lines(name, list(claims))
            for value, claimants in claims.items():
                for index, (result, owner) in enumerate(claimants):
                    clash = None
                    if value in stored and stored[value] != owner:
                        clash = f"customer #{stored[value]} already has it"
                    elif value in earlier:
                        clash = f"line {earlier[value]} of this file already uses it"
                    elif index:
                        clash = f"line {claimants[0][0].line} of this file already uses it"
                    if clash:
                        result.errors.append(FieldError(
                            name, f"The {what} {value!r} must be unique, but {clash}.",
                            str(result.cells.get(name) or value)))
            self.seen.add(name, [(v, c[0][0].line) for v, c in claims.items()
                                 if not c[0][0].errors])


def _customers_by_key(keys: list[str]) -> dict[str, Customer]:
    """Customers by import ID, or else by system ID (the order find_customer uses)."""
    if not keys:
        return {}
    found = {}
    unique = list(set(keys))
    for start in range(0, len(unique), 500):
        part = unique[start:start + 500]
        numbers = [int(k) for k in part if is_digits(k) and len(k) < 12]
        query = Customer.select().where(in_list(Customer.import_id, part)
                                        | in_list(Customer.id, numbers))
        by_import = {}
        for customer in query:
            if customer.import_id in part:
                by_import[customer.import_id] = customer
            found.setdefault(str(customer.id), customer)
        found.update(by_import)  # an import ID wins over a system ID
    return {k: found[k] for k in keys if k in found}
