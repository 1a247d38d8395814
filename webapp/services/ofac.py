"""OFAC screening against the Specially Designated Nationals list.

Admins load OFAC's public sdn.csv (no header; entry number, name, type, programs, ...,
remarks; "-0-" for empty). Names are folded (accents, case and punctuation dropped,
"LAST, First" turned round) and compared word-order-free; a name of two words or more
also matches a listed name that holds them all, so "Anna Petrenko" finds "PETRENKO, Anna
Viktorovna" although the middle name is missing. A match is a lead for a person to judge,
not a finding.
"""

import csv
import io
import re
import unicodedata
from pathlib import Path

from rapidfuzz import fuzz, process

from webapp.db import db
from webapp.models import Customer, SdnEntry
from webapp.models.base import insert_rows
from webapp.rules.spec import FieldError, is_digits
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.refusal import Refused

# Fictional names in the list's own format, for tests and the demo tenant.
SAMPLE_FILE = Path(__file__).resolve().parent.parent / "data" / "sdn_sample.csv"
MATCH_THRESHOLD = 85  # similarity 0-100; 100: the same words, or all of them listed
EMPTY = "-0-"


class SdnFileRefused(Refused):
    """The upload is not an SDN list."""


def fold_name(name: str) -> str:
    if "," in name:  # individuals are listed "LAST, First Middle"
        last, _, given = name.partition(",")
        name = f"{given} {last}"
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", plain.casefold()).split())


def _lines(text: str):
    """(line number, cells) of a CSV text; (line, None) where it cannot be read."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            yield line, cells
    except csv.Error:
        yield line + 1, None


def load_sdn_file(content: bytes) -> int:
    """Replace the loaded list with this file's entries; returns how many were loaded.
    Any unreadable line refuses the whole file, so a half list is never in use."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    rows, problems = [], []
    for line, cells in _lines(text):
        if cells is None:
            problems.append(FieldError("file", f"Line {line} cannot be read as CSV."))
            break
        if not cells or not any(c.strip() for c in cells):
            continue
        number = cells[0].strip()
        if len(cells) < 4 or not is_digits(number) or len(number) > 18 or not _value(cells[1]):
            problems.append(
                FieldError(
                    "file",
                    f"Line {line} is not an SDN entry (expected "
                    "entry number, name, type, programs, …).",
                )
            )
            if len(problems) == 5:
                break
            continue
        name = _value(cells[1])
        rows.append(
            {
                "entry_number": int(cells[0]),
                "name": name[:255],
                "name_key": fold_name(name)[:255],
                "entry_type": _value(cells[2]),
                "programs": (_value(cells[3]) or "").replace("] [", ", ")[:255] or None,
                "remarks": _value(cells[11]) if len(cells) > 11 else None,
            }
        )
    if not rows and not problems:
        problems.append(FieldError("file", "The file holds no entries."))
    if problems:
        raise SdnFileRefused(problems)
    with db.atomic():
        SdnEntry.delete().execute()
        insert_rows(SdnEntry, rows)
    return len(rows)


def _value(cell: str) -> str | None:
    cell = cell.strip()
    return None if cell in ("", EMPTY) else cell


def screened_names(customer: Customer) -> list[str]:
    """The names a customer is screened under: the person's, and the company's."""
    names = []
    if customer.first_name or customer.last_name:
        names.append(f"{customer.first_name} {customer.last_name}")
        if customer.middle_name:
            names.append(f"{customer.first_name} {customer.middle_name} {customer.last_name}")
    if customer.customer_type != "individual" and customer.company_name:
        names.append(customer.company_name)
    return names


def find_matches(names: list[str], limit: int = 5) -> list[tuple[SdnEntry, int]]:
    """The list entries most like any of the names, best first, with their scores."""
    entries = {
        e.id: e
        for e in SdnEntry.select(
            SdnEntry.id,
            SdnEntry.entry_number,
            SdnEntry.name,
            SdnEntry.name_key,
            SdnEntry.entry_type,
            SdnEntry.programs,
            SdnEntry.remarks,
        )
    }
    keys = {entry_id: e.name_key for entry_id, e in entries.items()}
    best: dict[int, int] = {}
    for name in names:
        folded = fold_name(name)
        # One word alone ("Golden") would be "contained" in too many listed names.
        scorer = fuzz.token_set_ratio if " " in folded else fuzz.token_sort_ratio
        for _, score, entry_id in process.extract(
            folded, keys, scorer=scorer, score_cutoff=MATCH_THRESHOLD, limit=limit
        ):
            best[entry_id] = max(best.get(entry_id, 0), round(score))
    ranked = sorted(best.items(), key=lambda item: -item[1])[:limit]
    return [(entries[entry_id], score) for entry_id, score in ranked]


def screen_customer(customer: Customer, actor: Actor) -> list[tuple[SdnEntry, int]]:
    """Screen and record the outcome in the customer's history."""
    matches = find_matches(screened_names(customer))
    outcome = (
        "; ".join(
            f"possible match {e.name} (entry {e.entry_number}, score {s})" for e, s in matches
        )
        or f"no match among {SdnEntry.select().count():,} listed names"
    )
    history.record_action(customer.id, actor, "tools", "OFAC check", outcome)
    return matches


def list_summary() -> dict:
    latest = SdnEntry.select(SdnEntry.loaded_at).order_by(SdnEntry.loaded_at.desc()).first()
    return {"count": SdnEntry.select().count(), "loaded_at": latest and latest.loaded_at}
