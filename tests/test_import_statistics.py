"""After an import that changed a tenth of the book or more, PostgreSQL's planner counts
the customers that are there, not those of the last ANALYZE (see importing/statistics.py)."""

import io

from tests.importfiles import csv_bytes, row
from tests.schemas import is_postgres
from webapp.db import db
from webapp.importing import lifecycle, runner, statistics, undo
from webapp.models import Customer, ImportJob, ImportRow


def counted_by_the_planner() -> float:
    query = "SELECT reltuples FROM pg_class WHERE oid = 'customer'::regclass"
    return db.execute_sql(query).fetchone()[0]


def test_a_large_change_refreshes_the_counts_a_small_one_leaves_them(make_customer, monkeypatch):
    if not is_postgres(db.obj):
        assert statistics.refresh_after(1, 10**6) is False  # SQLite plans without counts
        return
    monkeypatch.setattr(statistics, "AT_LEAST_ROWS", 2)
    for _ in range(30):
        make_customer()
    assert statistics.refresh_after(1, 30)
    assert counted_by_the_planner() == Customer.select().count() == 30

    make_customer()
    assert not statistics.refresh_after(1, 1)  # under the floor
    assert not statistics.refresh_after(1, 2)  # under a tenth of the 30 counted
    assert counted_by_the_planner() == 30

    make_customer()
    make_customer()
    assert statistics.refresh_after(1, 3)
    assert counted_by_the_planner() == 33


def test_an_undo_counts_the_staged_rows_before_it_reads_them(statuses, monkeypatch):
    """Unanalyzed, a job's staged rows look like a few hundred to the planner, which then
    reads all of them for each batch the undo handles (importing/statistics.py)."""
    monkeypatch.setattr(statistics, "AT_LEAST_ROWS", 2)
    monkeypatch.setattr(statistics, "SHARE_OF_BOOK", 0)  # whatever earlier tests left
    rows = [row(importId=f"N{n}", email=f"n{n}@example.com") for n in range(12)]
    job = lifecycle.receive(io.BytesIO(csv_bytes(rows)), "twelve.csv", None)
    assert runner.verify(job.id).state == "verified"
    assert runner.ingest(job.id).added == 12
    assert ImportJob.move(job.id, "queued", {ImportJob.phase: "undo"})  # as the page does
    assert undo.undo(job.id).undo_deleted == 12
    if is_postgres(db.obj):
        query = "SELECT reltuples FROM pg_class WHERE oid = 'import_row'::regclass"
        assert db.execute_sql(query).fetchone()[0] == ImportRow.select().count() == 12
