"""One parser per kind of field. Each takes the trimmed, non-blank text of a cell or
form field and returns the stored value, or raises RuleError with a message that says
what would have been accepted. Blank values never reach a parser."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from webapp.rules.geo import CA_PROVINCES, COUNTRY_ALIASES, US_STATES
from webapp.rules.spec import FieldSpec, RuleError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NON_DIGITS = re.compile(r"[\s\-().+/]")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}")
_IDENTIFIER = re.compile(r"[A-Za-z0-9_.\-]+")
_LICENSE = re.compile(r"[A-Za-z0-9 \-*]+")
_USERNAME = re.compile(r"[A-Za-z0-9_.@+\-]+")
_MONEY = re.compile(r"\d+(\.\d{1,2})?")


def parse_text(text: str, spec: FieldSpec, ctx) -> str:
    if len(text) > spec.max_length:
        raise RuleError(f"Too long: {len(text)} characters; at most {spec.max_length} fit.")
    if _CONTROL.search(text):
        raise RuleError("Contains control characters (such as tabs or line breaks); remove them.")
    return text


def parse_choice(text: str, spec: FieldSpec, ctx) -> str:
    key = text.casefold()
    for choice in spec.choices:
        if choice.casefold() == key:
            return choice
    if key in spec.aliases:
        return spec.aliases[key]
    raise RuleError(f"Not one of the accepted values: {', '.join(spec.choices)}.")


def parse_choice_list(text: str, spec: FieldSpec, ctx) -> list[str]:
    return [parse_choice(part.strip(), spec, ctx) for part in _split_list(text)]


def parse_date(text, spec: FieldSpec, ctx) -> date:
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    iso, us = _ISO_DATE.fullmatch(text), _US_DATE.fullmatch(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif us:
        month, day, year = (int(g) for g in us.groups())
    else:
        raise RuleError("Not a date; write it as YYYY-MM-DD or MM/DD/YYYY.")
    try:
        return date(year, month, day)
    except ValueError:
        raise RuleError("No such date on the calendar; write it as YYYY-MM-DD or "
                        "MM/DD/YYYY.") from None


def parse_past_date(text, spec: FieldSpec, ctx) -> date:
    value = parse_date(text, spec, ctx)
    if value > ctx.today:
        raise RuleError("Is in the future; a date of birth must be in the past.")
    if value.year < 1900:
        raise RuleError("Is before 1900; check the year.")
    return value


def parse_phone(text: str, spec: FieldSpec, ctx) -> str:
    digits = _NON_DIGITS.sub("", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if not digits.isdigit() or len(digits) != 10:
        raise RuleError("A phone number needs 10 digits (area code and number), "
                        "e.g. 801-555-0123.")
    return digits


def parse_phone_list(text: str, spec: FieldSpec, ctx) -> list[str]:
    return [parse_phone(part.strip(), spec, ctx) for part in _split_list(text)]


def parse_nine_digits(text: str, spec: FieldSpec, ctx) -> str:
    digits = text.replace("-", "").replace(" ", "")
    if not digits.isdigit() or len(digits) != 9:
        raise RuleError("Needs exactly 9 digits (dashes and spaces are fine), e.g. 123-45-6789.")
    return digits


def parse_money(text: str, spec: FieldSpec, ctx) -> Decimal:
    cleaned = text.replace("$", "").replace(",", "").strip()
    if not _MONEY.fullmatch(cleaned):
        raise RuleError("Not an amount; write a number such as 100000 or 36000.00.") from None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise RuleError("Not an amount; write a number such as 100000 or 36000.00.") from None


def parse_integer_range(text: str, spec: FieldSpec, ctx) -> int:
    if not text.isdigit():
        raise RuleError(f"Needs a whole number from {spec.min_value} to {spec.max_value}.")
    value = int(text)
    if not spec.min_value <= value <= spec.max_value:
        raise RuleError(f"Out of range; scores run from {spec.min_value} to {spec.max_value}.")
    return value


_YES = {"1", "yes", "y", "true"}
_NO = {"0", "no", "n", "false"}


def parse_flag(text: str, spec: FieldSpec, ctx) -> bool:
    key = text.casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise RuleError("Write 1 for yes or 0 for no.")


def parse_email(text: str, spec: FieldSpec, ctx) -> str:
    if len(text) > spec.max_length or not _EMAIL.fullmatch(text):
        raise RuleError("Not an email address; it should look like name@example.com.")
    return text


def parse_country(text: str, spec: FieldSpec, ctx) -> str:
    country = COUNTRY_ALIASES.get(text.casefold())
    if not country:
        raise RuleError("Write usa or can (us, ca, United States and Canada also work).")
    return country


def parse_state(text: str, spec: FieldSpec, ctx) -> str:
    code = text.upper()
    if code not in US_STATES and code not in CA_PROVINCES:
        raise RuleError("Needs the two-letter state or province code, e.g. NY or ON.")
    return code


def parse_zipcode(text: str, spec: FieldSpec, ctx) -> str:
    # The shape is checked against the country by the record rules; here only the
    # characters, since the country may come later in the row.
    code = text.upper()
    if len(code) > 10 or not re.fullmatch(r"[A-Z0-9][A-Z0-9 \-]*", code):
        raise RuleError("A ZIP or postal code holds letters, digits, a space or a dash.")
    return code


def parse_identifier(text: str, spec: FieldSpec, ctx) -> str:
    if len(text) > spec.max_length or not _IDENTIFIER.fullmatch(text):
        raise RuleError(f"Use letters, digits, '.', '_' or '-' (at most {spec.max_length}).")
    return text


def parse_license(text: str, spec: FieldSpec, ctx) -> str:
    if len(text) > spec.max_length or not _LICENSE.fullmatch(text):
        raise RuleError(f"Use letters, digits, spaces or dashes (at most {spec.max_length}).")
    return text.upper()


def parse_username(text: str, spec: FieldSpec, ctx) -> str:
    if not 3 <= len(text) <= spec.max_length or not _USERNAME.fullmatch(text):
        raise RuleError("Use 3 to 100 letters, digits or . _ @ + - (no spaces).")
    return text.lower()  # sign-in names are compared without case


def parse_password(text: str, spec: FieldSpec, ctx) -> str:
    missing = [need for need, ok in (
        ("at least 6 characters", len(text) >= 6),
        ("an upper-case letter", any(c.isupper() for c in text)),
        ("a lower-case letter", any(c.islower() for c in text)),
        ("a digit", any(c.isdigit() for c in text)),
    ) if not ok]
    if missing:
        raise RuleError("The password needs " + ", ".join(missing) + ".")
    return text


def parse_status(text: str, spec: FieldSpec, ctx) -> int:
    status = ctx.status_by_key(text)
    if status is None:
        raise RuleError(f"No active customer status has the ID or name {text!r}; "
                        "see Settings › Customer statuses for the list.")
    return status


def _split_list(text: str) -> list[str]:
    return [part for part in text.split(";") if part.strip()]


PARSERS = {
    "text": parse_text,
    "choice": parse_choice,
    "choice_list": parse_choice_list,
    "date": parse_date,
    "past_date": parse_past_date,
    "phone": parse_phone,
    "phone_list": parse_phone_list,
    "nine_digits": parse_nine_digits,
    "money": parse_money,
    "score": parse_integer_range,
    "flag": parse_flag,
    "email": parse_email,
    "country": parse_country,
    "state": parse_state,
    "zipcode": parse_zipcode,
    "identifier": parse_identifier,
    "license": parse_license,
    "username": parse_username,
    "password": parse_password,
    "status": parse_status,
}
