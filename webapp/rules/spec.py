"""The shape of one field rule. The table of them lives in customer_fields.py."""

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


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the import column, and the key of the field everywhere else
    label: str
    kind: str  # which parser reads it (see parsers.PARSERS)
    section: str
    description: str
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

    @property
    def requirement(self) -> str:
        if self.required:
            return "Required"
        if self.required_text:
            return self.required_text
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
