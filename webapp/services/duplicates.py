"""Possible duplicate customers, as LoanPro defines them. The same SSN and date of birth as
another customer is the same person: refused, naming the customer to update instead. The
same SSN or tax ID alone, email, phone number or primary address may be: a warning that a
person confirms on the form, `__ignoreWarnings` overrides in the API, and an import adds
unless the admin chose to refuse such rows.

Only values the write brings are judged: an update is not warned about what the customer
already had."""

from collections.abc import Callable

from webapp.rules.spec import FieldError, format_phone, mask_last4
from webapp.services.directory import holder_order, record_keys

# A placeholder value many customers share (none@none.com) names a few and counts the rest.
MATCHES_NAMED = 3
# kind -> (field the problem is shown at, what matched, as people say it)
WARNED = {
    "ssn": ("ssn", "SSN / SIN"),
    "idNumber": ("idNumber", "ID number"),
    "email": ("email", "email"),
    "phone": ("priPhone", "phone number"),
    "address": ("priAddress", "primary address"),
}


class Duplicates:
    """What a record's new values match: `same_person` blocks, `possible` warns."""

    def __init__(self, same_person, possible, matched: list, named: dict | None = None):
        self.same_person, self.possible, self.matched = same_person, possible, matched
        # (kind, value) -> (how many others hold it, the first of them) for each value
        # judged as a possible duplicate, matched or not, in the order judged
        self.named = named or {}

    def __bool__(self) -> bool:
        return bool(self.same_person or self.possible)


def check(
    record: dict,
    holders: Callable[[str, str], set],
    describe: Callable[[object], str],
    own=None,
    stored: dict | None = None,
    keys: dict | None = None,
) -> Duplicates:
    """`holders(kind, value)` gives who holds a value now; `describe(ref)` names one of
    them for people ("customer #12"). `own` is the record's own customer, `stored` its
    record before this write (only new values are judged); `keys`: record_keys(record),
    when the caller has them."""
    same_person, possible, matched, named = [], [], set(), {}
    for kind, value in _judged(record, stored, keys):
        others = sorted((h for h in holders(kind, value) if h != own), key=holder_order)
        if kind in WARNED:
            named[(kind, value)] = (len(others), others[:MATCHES_NAMED])
        if not others:
            continue
        matched.update(others[:MATCHES_NAMED])
        if kind == "ssnBirth":
            names = _names(others[:MATCHES_NAMED], len(others), describe)
            same_person.append(
                FieldError(
                    "ssn",
                    f"{names[0].upper()}{names[1:]} has the same SSN and date of birth: "
                    "this is the same person, so it is not saved as another customer. "
                    "Change that customer instead.",
                    mask_last4(record["ssn"]),
                )
            )
            continue
        possible.append(
            warning(
                kind, *placed(kind, value, record), others[:MATCHES_NAMED], len(others), describe
            )
        )
    # The same person need not be warned about once more for each part of it.
    if same_person:
        possible = [p for p in possible if p.field != "ssn"]
    return Duplicates(same_person, possible, sorted(matched, key=holder_order), named)


def _judged(record: dict, stored: dict | None = None, keys: dict | None = None):
    """(kind, value) for each value the write brings that check() judges, in its order."""
    before = record_keys(stored) if stored else {}
    for kind, values in (keys or record_keys(record)).items():
        if kind in WARNED or kind == "ssnBirth":
            for value in sorted(values - before.get(kind, set())):
                yield kind, value


def placed(kind: str, value: str, record: dict) -> tuple[str, str]:
    """The field a possible duplicate of this value is shown at, and the value as shown."""
    field = WARNED[kind][0]
    if kind == "phone":
        field = next(
            (f for f in ("priPhone", "secPhone") if record.get(f) == value), "additionalPhone"
        )
    shown = (
        mask_last4(value)
        if kind in ("ssn", "idNumber")
        else format_phone(value)
        if kind == "phone"
        else value.split("|")[0]
    )
    return field, shown


def warning(kind: str, field: str, shown: str, first: list, count: int, describe) -> FieldError:
    """The possible-duplicate warning for a value `count` others hold; `first`: the first
    of them (in holder_order), who are named."""
    names = _names(first, count, describe)
    return FieldError(
        field,
        f"Possible duplicate: {names} {'has' if count == 1 else 'have'} the same {WARNED[kind][1]} "
        f"({shown}).",
        shown,
    )


def _names(first: list, count: int, describe) -> str:
    more = count - MATCHES_NAMED
    return ", ".join(describe(o) for o in first[:MATCHES_NAMED]) + (
        f" and {more:,} more customer{'s' if more > 1 else ''}" if more > 0 else ""
    )
