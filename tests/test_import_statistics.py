"""After an import that changed a tenth of the book or more, PostgreSQL's planner counts
the customers that are there, not those of the last ANALYZE (see importing/statistics.py)."""

from tests.schemas import is_postgres
from webapp.db import db
from webapp.importing import statistics
from webapp.models import Customer


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
