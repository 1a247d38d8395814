"""The bulk writer every import, undo and history write goes through (models/base.py):
on PostgreSQL a COPY in its text format, on SQLite a prepared statement. Whatever a
user typed must come back from the database exactly as it went in."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from peewee import IntegrityError

from tests.conftest import fuzzing
from webapp.db import db
from webapp.models import ChangeEntry, Customer, Employer, Phone
from webapp.models.base import insert_rows

# Any text a cell can hold (PostgreSQL refuses NUL, as our reader does), up to a
# CharField's 255 characters.
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=255
)
AWKWARD = ["\\N", "\\", "a\tb", "line\nbreak", "cr\r", "\\.", "", " ", "'\"", "é €"]


@pytest.fixture
def entries(app):
    counter = iter(range(1, 10**6))

    def write(values: list[str | None]) -> list[ChangeEntry]:
        customer_id = next(counter)
        at = datetime(2026, 12, 6, 20, 15, 3, 123456)
        rows = [
            {
                "customer_id": customer_id,
                "at": at,
                "actor": "import #7",
                "source": "import #7",
                "action": "update",
                "field": value,
                "old_value": value,
                "new_value": None if value is None else value + "!",
                "version": position,
            }
            for position, value in enumerate(values)
        ]
        with db.atomic():
            insert_rows(ChangeEntry, rows)
        stored = ChangeEntry.select().where(ChangeEntry.customer_id == customer_id)
        return list(stored.order_by(ChangeEntry.version))

    return write


def test_awkward_text_comes_back_as_it_went_in(entries):
    stored = entries([*AWKWARD, None])
    assert [e.old_value for e in stored] == [*AWKWARD, None]
    assert [e.new_value for e in stored] == [v + "!" for v in AWKWARD] + [None]
    assert {e.at for e in stored} == {datetime(2026, 12, 6, 20, 15, 3, 123456)}


@fuzzing(60)
@given(st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=12))
def test_any_text_comes_back_as_it_went_in(entries, values):
    stored = entries(values)
    assert [e.old_value for e in stored] == values
    assert [e.field for e in stored] == values
    assert [e.version for e in stored] == list(range(len(values)))


def test_numbers_dates_and_flags_come_back_typed(make_customer):
    customer = make_customer()
    Employer.delete().where(Employer.customer == customer.id).execute()
    Phone.delete().where(Phone.customer == customer.id).execute()
    with db.atomic():
        insert_rows(
            Employer,
            [
                {
                    "customer": customer,  # a model instance stands for its ID
                    "name": "Acme",
                    "income": Decimal("123456.78"),
                    "hire_date": date(2019, 2, 28),
                }
            ],
        )
        insert_rows(
            Phone,
            [
                {
                    "customer": customer.id,
                    "number": "8015550100",
                    "phone_type": "cell",
                    "is_primary": True,
                    "do_not_call": False,
                },
                {
                    "customer": customer.id,
                    "number": "8015550101",
                    "phone_type": "home",
                    "position": 1,
                    "do_not_call": True,
                },
            ],
        )
    employer = Employer.get(Employer.customer == customer.id)
    assert (employer.income, employer.hire_date, employer.next_payday) == (
        Decimal("123456.78"),
        date(2019, 2, 28),
        None,
    )
    phones = Phone.select().where(Phone.customer == customer.id).order_by(Phone.position)
    assert [(p.is_primary, p.do_not_call, p.verified) for p in phones] == [
        (True, False, False),
        (False, True, False),
    ]


def test_a_unique_value_taken_twice_is_peewees_integrity_error_and_writes_nothing(
    make_customer,
):
    taken = make_customer()
    row = {k: v for k, v in taken.__data__.items() if k not in ("id", "import_id")}
    before = Customer.select().count()
    with pytest.raises(IntegrityError), db.atomic():
        insert_rows(
            Customer, [{**row, "username": "fresh-one"}, {**row, "username": taken.username}]
        )
    assert Customer.select().count() == before
