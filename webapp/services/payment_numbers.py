"""Checks on card and bank account numbers. Pure functions: nothing here stores or logs
a number."""

import re
from datetime import date

from webapp.rules.spec import is_digits

BRANDS = (  # (brand, prefix pattern, lengths)
    ("Amex", r"3[47]", (15,)),
    ("Visa", r"4", (13, 16, 19)),
    ("Mastercard", r"5[1-5]|2(2[2-9][1-9]|[3-6]\d\d|7[01]\d|720)", (16,)),
    ("Discover", r"6011|65|64[4-9]", (16, 19)),
)


def digits_of(text: str) -> str:
    return re.sub(r"[\s\-]", "", text or "")


def luhn_ok(number: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_problem(number: str) -> str | None:
    if not is_digits(number) or not 12 <= len(number) <= 19:
        return "A card number has 12 to 19 digits."
    if not luhn_ok(number):
        return "This card number is mistyped (its check digit does not match)."
    if card_brand(number) is None:
        return "Only Visa, Mastercard, American Express and Discover cards are accepted."
    return None


def card_brand(number: str) -> str | None:
    for brand, prefix, lengths in BRANDS:
        if re.match(prefix, number) and len(number) in lengths:
            return brand
    return None


def expiry_problem(text: str, today: date) -> tuple[str | None, str | None]:
    """(MM/YY, problem)."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", text or "")
    if not match:
        return None, "Write the expiry as MM/YY."
    month, year = int(match[1]), int(match[2][-2:]) + 2000
    if not 1 <= month <= 12:
        return None, "The month is 01 to 12."
    if (year, month) < (today.year, today.month):
        return None, "This card has expired."
    return f"{month:02d}/{year % 100:02d}", None


def routing_problem(number: str) -> str | None:
    """ABA routing numbers: 9 digits with a 3-7-1 weighted check digit."""
    if not is_digits(number) or len(number) != 9:
        return "A routing number has 9 digits."
    weights = (3, 7, 1) * 3
    if sum(int(d) * w for d, w in zip(number, weights, strict=True)) % 10:
        return "This routing number is mistyped (its check digit does not match)."
    return None


def account_problem(number: str) -> str | None:
    if not is_digits(number) or not 4 <= len(number) <= 17:
        return "An account number has 4 to 17 digits."
    return None
