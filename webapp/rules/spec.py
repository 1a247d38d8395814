"""The shape of one customer field: every fact about it, in one place. The table of them
lives in customer_fields.py; the forms, the importer, the API, the stored columns, the
privacy export and erase, the instructions page and the sample files are computed from
it."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class RuleError(ValueError):
    """A value broke a rule; the message says what would be accepted."""


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    value: str = ""


# What a field is to privacy requests: not personal data (kept by an erase), personal
# data (in the export, removed by an erase), or personal data the export only says is held.
PERSONAL_KINDS = ("no", "personal", "withheld")


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the import column, and the key of the field everywhere else
    label: str
    kind: str  # which parser reads it (see parsers.PARSERS)
    section: str  # where it shows: the form section (customer_fields.SECTION_PLACES)
    description: str
    # Where it is stored: "table.column", or "table/row.column" for a customer's rows of
    # one kind ("address/mailing.city", "phone/primary.number").
    column: str = field(kw_only=True)
    api: str = field(kw_only=True)  # its LoanPro name: "firstName", "Employer.title"
    personal: str = field(kw_only=True)  # one of PERSONAL_KINDS
    api_prefix: str = field(default="", kw_only=True)  # LoanPro's enum prefix
    # A choice LoanPro spells otherwise (stored -> LoanPro's: "biweekly" -> "biWeekly");
    # read back either way, as choices are matched without case.
    api_values: dict[str, str] = field(default_factory=dict, kw_only=True)
    expected: str = ""
    required: bool = False
    required_when: Callable[[dict], bool] | None = None
    required_text: str = ""  # the condition in words, for people
    choices: tuple[str, ...] = ()
    choice_labels: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    max_length: int = 100
    min_value: int | None = None
    max_value: int | None = None
    mask: str | None = None  # "last4" shows only the last four; "secret" never shows
    default: Any = None  # applied when a customer is added without this value
    initial: Any = None  # what a new customer's form (and an API create) starts from
    erased: Any = None  # what a privacy erase leaves in a personal column

    @property
    def table(self) -> str:
        return self.column.split(".")[0].split("/")[0]

    @property
    def row_kind(self) -> str | None:
        """Which of the customer's rows of that table: "primary", "mailing"…"""
        table = self.column.split(".")[0]
        return table.split("/")[1] if "/" in table else None

    @property
    def column_name(self) -> str:
        return self.column.split(".")[-1]

    @property
    def requirement(self) -> str:
        return self.requirement_for(self.default)

    def requirement_for(self, default) -> str:
        """The requirement in words, naming the default in force (a setting may choose
        the customer type's)."""
        if self.required:
            return "Required"
        if self.required_text:
            return self.required_text
        if default is not None:
            return f"Optional (blank: {form_text(self, default)})"
        return "Optional"

    def is_required(self, values: dict) -> bool:
        if self.required:
            return True
        return bool(self.required_when and self.required_when(values))

    def display(self, value) -> str:
        """How a stored value reads in history and on screen."""
        if value is None or value == "" or value == []:
            return ""
        if self.mask == "secret":
            return "(set)"
        if self.mask == "last4":
            return mask_last4(value)
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, list):
            return "; ".join(
                self.display(v) if self.kind == "phone_list" else str(v) for v in value
            )
        if self.choice_labels:
            return self.choice_labels.get(value, str(value))
        if self.kind in ("phone", "phone_list"):
            return format_phone(value)
        return str(value)


def mask_last4(number: str | None) -> str:
    """How an SSN, SIN or EIN is shown everywhere but its edit field."""
    return f"•••-••-{number[-4:]}" if number else ""


def is_masked(value: str) -> bool:
    """A value shown masked (mask_last4's, or another system's •/*/X mask) rather than
    typed: sent back, it means "unchanged"."""
    return bool(_MASKED.fullmatch(value.strip()))


def sent_back_masked(spec: FieldSpec, value) -> bool:
    """A number shown masked to its last four (in a form or an API answer) and sent back
    as it was: it keeps the stored number, wherever it comes from."""
    return spec.mask == "last4" and isinstance(value, str) and is_masked(value)


MASKED_MISMATCH = (
    "Type the whole number: a masked one only stands for the number stored, whose last "
    "four it shows."
)


def masked_stands_for(value: str, stored) -> bool:
    """Whether a masked number sent back is the stored one shown masked (same last four)."""
    return bool(stored) and value.strip()[-4:] == str(stored)[-4:]


def format_tax_id(number: str | None, id_type: str | None) -> str:
    """A full SSN/SIN (123-45-6789) or EIN (12-3456789), as a revealed number is shown."""
    if not number or len(number) != 9:
        return number or ""
    if id_type == "employerNumber":
        return f"{number[:2]}-{number[2:]}"
    return f"{number[:3]}-{number[3:5]}-{number[5:]}"


def screen_text(spec: FieldSpec, value) -> str:
    """A stored value as an edit form shows it: like form_text, but a number masked to
    its last four stays masked there too (the full one is only ever typed or revealed)."""
    if spec.mask == "last4" and value:
        return mask_last4(str(value))
    return form_text(spec, value)


_MASKED = re.compile(r"[•*xX#]{3}-?[•*xX#]{2}-?\d{4}")


def format_phone(number: str | None) -> str:
    if not number or len(number) != 10:
        return number or ""
    return f"({number[:3]}) {number[3:6]}-{number[6:]}"


def is_digits(text: str) -> bool:
    """Only 0-9: str.isdigit() also says yes to '²' and other digits int() may refuse."""
    return text.isascii() and text.isdigit()


def form_text(spec: FieldSpec, value) -> str:
    """A stored value as the text a form field shows (and a file cell would hold)."""
    if value is None or spec.mask == "secret":
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ";".join(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
