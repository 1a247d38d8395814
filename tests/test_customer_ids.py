"""Customers added in bulk (services/customer_record.insert_records, the import's adds)
and one at a time share one ID counter. Whatever mix of single, bulk and plain SQL adds and
deletions comes, every new customer gets an ID no customer ever had (a deleted customer's
ID stays its own), a batch's IDs follow its records' order, and each ID holds the record
it was handed for."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_name_words import record
from webapp.models import Customer
from webapp.services.actor import Actor
from webapp.services.customer_record import customer_columns
from webapp.services.customers import create_customer, create_customers, delete_customer

NUMBERS = itertools.count()  # usernames stay taken across examples: each is new
steps = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.just(1)),
        st.tuples(st.just("add many"), st.integers(1, 4)),
        st.tuples(st.just("insert by SQL"), st.just(1)),
        st.tuples(st.just("delete newest"), st.just(0)),
        st.tuples(st.just("delete oldest"), st.just(0)),
    ),
    max_size=10,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_bulk_adds_never_reuse_an_id(statuses, steps):
    actor = Actor.system("test")
    handed_out = {c.id for c in Customer.select()}  # earlier examples' customers count too
    for step, count in steps:
        if step.startswith("delete"):
            order = Customer.id.desc() if step == "delete newest" else Customer.id
            if chosen := Customer.select().order_by(order).first():
                delete_customer(chosen, actor)
            continue
        batch = [record("Ann", "Reyes", None, f"ids-{next(NUMBERS)}") for _ in range(count)]
        if step == "add":
            ids = [create_customer(batch[0], actor, confirmed=True).id]
        elif step == "insert by SQL":  # IDs the database hands out itself
            ids = [Customer.insert(customer_columns(batch[0])).execute()]
        else:
            ids = create_customers(batch, actor)
        assert ids == sorted(ids) and min(ids) > max(handed_out, default=0), (handed_out, ids)
        for customer_id, added in zip(ids, batch, strict=True):
            assert Customer.get_by_id(customer_id).username == added["username"]
        handed_out.update(ids)
