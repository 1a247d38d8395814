"""The staging table's side of an import: verify stores each row as it judged it, the
import reads them back in file order. A record is kept as JSON, every field, with its
dates and amounts tagged, so it comes back as the rules made it; a password is kept hashed."""

import json
from datetime import date
from decimal import Decimal

from webapp.models import ImportRow
from webapp.models.base import insert_rows
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.passwords import HashedPassword, hash_password


def encode(record: dict | None) -> str | None:
    if record is None:
        return None
    kept = {}
    for name, value in record.items():
        if name == "password" and value:
            value = {"$pw": hash_password(value)}
        elif isinstance(value, date):
            value = {"$d": value.isoformat()}
        elif isinstance(value, Decimal):
            value = {"$n": str(value)}
        kept[name] = value
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))


def _tagged(value: dict):
    """A tagged value back as its type; json calls this for every object it reads, the
    record itself included (which is left as it is)."""
    if "$d" in value:
        return date.fromisoformat(value["$d"])
    if "$n" in value:
        return Decimal(value["$n"])
    if "$pw" in value:
        return HashedPassword(value["$pw"])
    return value


def decode(text: str | None) -> dict | None:
    if text is None:
        return None
    return json.loads(text, object_hook=_tagged)


def problem_row(job_id: int, phase: str, line: int, problem, severity: str) -> dict:
    """An ImportProblem row for a FieldError (or apply.Refusal) found on `line`."""
    return {
        "job": job_id,
        "phase": phase,
        "severity": severity,
        "line": line,
        "column": problem.field,
        "value": problem.value[:500],
        "message": problem.message,
    }


def ref_code(ref) -> str | None:
    """A view ref (importing/view.py) as the staging table keeps it."""
    if ref is None:
        return None
    return f"n{ref[1]}" if isinstance(ref, tuple) else str(ref)


def stage(job_id: int, results, versions: dict) -> None:
    """Keep verify's verdict on a chunk's rows; `versions`: customer ID -> its stored
    version as the chunk read it."""
    rows = []
    for r in results:
        row = {
            "job": job_id,
            "line": r.line,
            "action": r.action,
            "ok": not r.errors,
            "ref": ref_code(r.ref),
            "expected_version": versions.get(r.ref) if isinstance(r.ref, int) else None,
            "record": encode(r.record) if not r.errors and r.action != "remove" else None,
        }
        if row["ok"] and r.action == "update":
            changes = [
                [c["field"], c["old_value"], c["new_value"]]
                for c in history.change_rows(0, r.existing, r.record, _PREVIEW)
            ]
            row["changes"] = json.dumps(changes, ensure_ascii=False)
            row["fields"] = ImportRow.fields_text(c[0] for c in changes)
        rows.append(row)
    insert_rows(ImportRow, rows)


_PREVIEW = Actor.system("preview")


def staged_chunks(job_id: int, size: int, after_line: int, through_line: int | None = None):
    """The staged rows after `after_line` (up to `through_line`), in file order, `size`
    at a time."""
    last = ImportRow.line <= through_line if through_line is not None else True
    while True:
        chunk = list(
            ImportRow.select()
            .where((ImportRow.job == job_id) & (ImportRow.line > after_line) & last)
            .order_by(ImportRow.line)
            .limit(size)
        )
        if not chunk:
            return
        yield chunk
        after_line = chunk[-1].line


def replace(job_id: int, first: int, last: int, rows: list[dict]) -> None:
    """Put back the chunk's staged rows with what the import did with each."""
    ImportRow.delete().where(
        (ImportRow.job == job_id) & ImportRow.line.between(first, last)
    ).execute()
    insert_rows(ImportRow, rows)


def forget(job_id: int) -> None:
    ImportRow.delete().where(ImportRow.job == job_id).execute()


def is_staged(job_id: int) -> bool:
    return ImportRow.select().where(ImportRow.job == job_id).exists()
