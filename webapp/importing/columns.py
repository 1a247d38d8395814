"""Which file column feeds which field: headers matched without regard to case and
punctuation, suggestions for the rest, or position when the file has no header row."""

import difflib
import re
from datetime import date, timedelta

from webapp.rules.customer_fields import FIELDS_BY_NAME, IMPORT_COLUMNS
from webapp.rules.spec import is_digits

_DATE_KINDS = ("date", "past_date")
_EXCEL_EPOCH = date(1899, 12, 30)


def header_key(text) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text or "").casefold())


# Each field is known by its name and its label, e.g. "priZipcode" and "ZIP / postal code".
_KEYS: dict[str, str] = {}
for _name in IMPORT_COLUMNS:
    _KEYS.setdefault(header_key(FIELDS_BY_NAME[_name].label), _name)
    _KEYS[header_key(_name)] = _name


def match_headers(headers: list) -> list[str]:
    """One field name (or "" for unmatched) per header cell; each field used once."""
    mapping, used = [], set()
    for header in headers:
        name = _KEYS.get(header_key(header), "")
        if name in used:
            name = ""
        used.add(name)
        mapping.append(name)
    return mapping


def positional_mapping(width: int) -> list[str]:
    """A file without a header row: columns in the order of the sample file."""
    return list(IMPORT_COLUMNS[:width]) + [""] * max(width - len(IMPORT_COLUMNS), 0)


def suggestions(header: str, taken: set[str]) -> list[str]:
    """Field names that look like the header, best first."""
    key = header_key(header)
    if not key:
        return []
    candidates = [k for k, name in _KEYS.items() if name not in taken]
    close = difflib.get_close_matches(key, candidates, n=6, cutoff=0.55)
    contained = [k for k in candidates if len(key) >= 3 and (key in k or k in key)]
    ordered = []
    for k in close + contained:
        if _KEYS[k] not in ordered:
            ordered.append(_KEYS[k])
    return ordered[:3]


class CellMapper:
    """Turns a row's cells into {field name: raw value} by a column mapping."""

    def __init__(self, mapping: list[str], from_workbook: bool):
        self.columns = [(i, name) for i, name in enumerate(mapping) if name]
        self.serial_dates = {
            name
            for _, name in self.columns
            if from_workbook and FIELDS_BY_NAME[name].kind in _DATE_KINDS
        }

    def cells(self, row: list) -> dict:
        width = len(row)
        cells = {name: (row[i] if i < width else "") for i, name in self.columns}
        for name in self.serial_dates:
            cells[name] = _excel_serial_date(cells[name])
        return cells


def _excel_serial_date(value):
    # A date typed into a cell formatted as a number arrives as its serial day count.
    if isinstance(value, str) and is_digits(value) and 1 <= int(value) <= 2_958_465:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    return value
