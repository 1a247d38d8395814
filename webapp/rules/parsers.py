"""One parser per kind of field. `parser_for(spec, ctx)` builds the parser of a spec
once (lookup tables, limits bound); forms and the importer both call what it returns.
A parser takes the trimmed, non-blank text of a cell or form field and returns the
stored value, or raises RuleError with a message that says what would be accepted.
Blank values never reach a parser."""

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from webapp.rules.geo import CA_PROVINCES, COUNTRY_ALIASES, US_STATES
from webapp.rules.spec import FieldSpec, RuleError, is_digits

Parser = Callable[[object], object]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NON_DIGITS = re.compile(r"[\s\-().+/]")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}")
_IDENTIFIER = re.compile(r"[A-Za-z0-9_.\-]+")
_LICENSE = re.compile(r"[A-Za-z0-9 \-*]+")
_USERNAME = re.compile(r"[A-Za-z0-9_.@+\-]+")
_MONEY = re.compile(r"\d+(\.\d{1,2})?")
_ZIP_CHARS = re.compile(r"[A-Z0-9][A-Z0-9 \-]*")
_YES, _NO = {"1", "yes", "y", "true"}, {"0", "no", "n", "false"}
_REGIONS = set(US_STATES) | set(CA_PROVINCES)


def text(spec: FieldSpec, ctx) -> Parser:
    limit, too_long = spec.max_length, f"; at most {spec.max_length} fit."
    control = _CONTROL.search

    def parse(value):
        if len(value) > limit:
            raise RuleError(f"Too long: {len(value)} characters{too_long}")
        if control(value):
            raise RuleError(
                "Contains control characters (such as tabs or line breaks); remove them."
            )
        return value

    return parse


def choice(spec: FieldSpec, ctx) -> Parser:
    table = {c.casefold(): c for c in spec.choices}
    for alias, target in spec.aliases.items():
        table.setdefault(alias.casefold(), target)
    refusal = f"Not one of the accepted values: {', '.join(spec.choices)}."

    def parse(value):
        found = table.get(value.casefold())
        if found is None:
            raise RuleError(refusal)
        return found

    return parse


def choice_list(spec: FieldSpec, ctx) -> Parser:
    one = choice(spec, ctx)
    return lambda value: [one(part.strip()) for part in _split_list(value)]


def calendar_date(spec: FieldSpec, ctx) -> Parser:
    def parse(value):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        iso = _ISO_DATE.fullmatch(value)
        if iso:
            year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
        else:
            us = _US_DATE.fullmatch(value)
            if not us:
                raise RuleError("Not a date; write it as YYYY-MM-DD or MM/DD/YYYY.")
            month, day, year = int(us[1]), int(us[2]), int(us[3])
        try:
            return date(year, month, day)
        except ValueError:
            raise RuleError(
                "No such date on the calendar; write it as YYYY-MM-DD or MM/DD/YYYY."
            ) from None

    return parse


def past_date(spec: FieldSpec, ctx) -> Parser:
    any_date, today = calendar_date(spec, ctx), ctx.today

    def parse(value):
        found = any_date(value)
        if found > today:
            raise RuleError("Is in the future; a date of birth must be in the past.")
        if found.year < 1900:
            raise RuleError("Is before 1900; check the year.")
        return found

    return parse


def phone(spec: FieldSpec, ctx) -> Parser:
    strip = _NON_DIGITS.sub

    def parse(value):
        digits = value if is_digits(value) else strip("", value)
        if len(digits) == 11 and digits[0] == "1":
            digits = digits[1:]
        if len(digits) != 10 or not is_digits(digits):
            raise RuleError(
                "A phone number needs 10 digits (area code and number), e.g. 801-555-0123."
            )
        return digits

    return parse


def phone_list(spec: FieldSpec, ctx) -> Parser:
    one = phone(spec, ctx)
    return lambda value: [one(part.strip()) for part in _split_list(value)]


def nine_digits(spec: FieldSpec, ctx) -> Parser:
    def parse(value):
        digits = value.replace("-", "").replace(" ", "")
        if len(digits) != 9 or not is_digits(digits):
            raise RuleError(
                "Needs exactly 9 digits (dashes and spaces are fine), e.g. 123-45-6789."
            )
        return digits

    return parse


def money(spec: FieldSpec, ctx) -> Parser:
    refusal = "Not an amount; write a number such as 100000 or 36000.00."

    def parse(value):
        cleaned = value.replace("$", "").replace(",", "").strip()
        if not _MONEY.fullmatch(cleaned):
            raise RuleError(refusal)
        try:
            return Decimal(cleaned)
        except InvalidOperation:
            raise RuleError(refusal) from None

    return parse


def number(spec: FieldSpec, ctx) -> Parser:
    def parse(value):
        try:
            found = Decimal(value.replace(",", ""))
        except InvalidOperation:
            raise RuleError("Not a number; write it like 1250 or -3.5.") from None
        if not found.is_finite():
            raise RuleError("Not a number; write it like 1250 or -3.5.")
        return found

    return parse


def score(spec: FieldSpec, ctx) -> Parser:
    low, high = spec.min_value, spec.max_value

    def parse(value):
        if not is_digits(value):
            raise RuleError(f"Needs a whole number from {low} to {high}.")
        number = int(value)
        if not low <= number <= high:
            raise RuleError(f"Out of range; scores run from {low} to {high}.")
        return number

    return parse


def flag(spec: FieldSpec, ctx) -> Parser:
    def parse(value):
        key = value.casefold()
        if key in _YES:
            return True
        if key in _NO:
            return False
        raise RuleError("Write 1 for yes or 0 for no.")

    return parse


def email(spec: FieldSpec, ctx) -> Parser:
    limit = spec.max_length

    def parse(value):
        if len(value) > limit or not _EMAIL.fullmatch(value):
            raise RuleError("Not an email address; it should look like name@example.com.")
        return value

    return parse


def country(spec: FieldSpec, ctx) -> Parser:
    def parse(value):
        found = COUNTRY_ALIASES.get(value.casefold())
        if not found:
            raise RuleError("Write usa or can (us, ca, United States and Canada also work).")
        return found

    return parse


def state(spec: FieldSpec, ctx) -> Parser:
    def parse(value):
        code = value.upper()
        if code not in _REGIONS:
            raise RuleError("Needs the two-letter state or province code, e.g. NY or ON.")
        return code

    return parse


def zipcode(spec: FieldSpec, ctx) -> Parser:
    # Only the characters here; the record rules check the shape against the country,
    # which may come later in the row.
    def parse(value):
        code = value.upper()
        if len(code) > 10 or not _ZIP_CHARS.fullmatch(code):
            raise RuleError("A ZIP or postal code holds letters, digits, a space or a dash.")
        return code

    return parse


def identifier(spec: FieldSpec, ctx) -> Parser:
    return _pattern(
        _IDENTIFIER,
        spec.max_length,
        f"Use letters, digits, '.', '_' or '-' (at most {spec.max_length}).",
    )


def license_number(spec: FieldSpec, ctx) -> Parser:
    check = _pattern(
        _LICENSE,
        spec.max_length,
        f"Use letters, digits, spaces or dashes (at most {spec.max_length}).",
    )
    return lambda value: check(value).upper()


def username(spec: FieldSpec, ctx) -> Parser:
    limit = spec.max_length

    def parse(value):
        if not 3 <= len(value) <= limit or not _USERNAME.fullmatch(value):
            raise RuleError("Use 3 to 100 letters, digits or . _ @ + - (no spaces).")
        return value.lower()  # sign-in names are compared without case

    return parse


def password(spec: FieldSpec, ctx) -> Parser:
    def parse(value):
        missing = [
            need
            for need, ok in (
                ("at least 6 characters", len(value) >= 6),
                ("an upper-case letter", any(c.isupper() for c in value)),
                ("a lower-case letter", any(c.islower() for c in value)),
                ("a digit", any(c.isdigit() for c in value)),
            )
            if not ok
        ]
        if missing:
            raise RuleError("The password needs " + ", ".join(missing) + ".")
        return value

    return parse


def status(spec: FieldSpec, ctx) -> Parser:
    def parse(value):
        found = ctx.status_by_key(value)
        if found is None:
            raise RuleError(
                f"No active customer status has the ID or name {value!r}; "
                "see Settings › Customer statuses for the list."
            )
        return found

    return parse


def _pattern(pattern: re.Pattern, limit: int, refusal: str) -> Parser:
    def parse(value):
        if len(value) > limit or not pattern.fullmatch(value):
            raise RuleError(refusal)
        return value

    return parse


def _split_list(value: str) -> list[str]:
    return [part for part in value.split(";") if part.strip()]


PARSERS = {
    "text": text,
    "choice": choice,
    "choice_list": choice_list,
    "date": calendar_date,
    "past_date": past_date,
    "phone": phone,
    "phone_list": phone_list,
    "nine_digits": nine_digits,
    "money": money,
    "number": number,
    "score": score,
    "flag": flag,
    "email": email,
    "country": country,
    "state": state,
    "zipcode": zipcode,
    "identifier": identifier,
    "license": license_number,
    "username": username,
    "password": password,
    "status": status,
}


def parser_for(spec: FieldSpec, ctx) -> Parser:
    return PARSERS[spec.kind](spec, ctx)
