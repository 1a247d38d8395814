"""The index of name words (customer_name_word, migrations/0003) is written by the
database's own triggers, so that no write path can leave it behind: after any sequence of
writes (adds one at a time and in bulk, renames, status changes through the services and
by plain SQL over many rows, deletes) it holds exactly one row for each word of each
customer's other_name_words, carrying that customer's sort key and filters."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import VALID_CELLS
from webapp.models import Customer, CustomerNameWord
from webapp.rules.compiled import CompiledRules
from webapp.rules.context import RuleContext
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record
from webapp.services.customers import (
    create_customer,
    create_customers,
    delete_customer,
    update_customer,
)

NAMES = ["Jean-Luc", "Mary Ann", "Renée", "Smith", "Smith-Jones", "O'Brien", "Zoë", "Ann Ann"]
COMPANIES = [None, "Acme Holdings", "Smith & Sons", "Café Zoë"]

names = st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES), st.sampled_from(COMPANIES))
operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), names),
        st.tuples(st.just("add many"), st.lists(names, min_size=1, max_size=3)),
        st.tuples(st.just("rename"), st.integers(0, 9), names),
        st.tuples(st.just("status"), st.integers(0, 9), st.integers(0, 2)),
        st.tuples(st.just("status of all, by SQL"), st.integers(0, 2)),
        st.tuples(st.just("delete"), st.integers(0, 9)),
    ),
    max_size=8,
)


def record(first, last, company, number):
    cells = {**VALID_CELLS, "firstName": first, "lastName": last}
    cells.update(importId=f"W-{number}", username=f"words{number}", ssn="", email="")
    if company:
        cells.update(customerType="company", companyName=company, companyContact=first)
        cells.update(gender="")
    verdict = CompiledRules(RuleContext.load()).check_new(cells)
    assert verdict.ok, verdict.errors
    return verdict.record


def expected() -> set:
    """The rows the words of the customers as stored make."""
    return {
        (word, c.last_name_key, c.first_name_key, c.id, c.status_id, c.customer_type)
        for c in Customer.select()
        for word in (c.other_name_words or "").split()
    }


def stored() -> list:
    return list(
        CustomerNameWord.select(
            CustomerNameWord.word,
            CustomerNameWord.last_name_key,
            CustomerNameWord.first_name_key,
            CustomerNameWord.customer_id,
            CustomerNameWord.status_id,
            CustomerNameWord.customer_type,
        ).tuples()
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations)
def test_the_name_words_follow_every_write(statuses, operations):
    actor = Actor.system("test")
    for customer in Customer.select():
        delete_customer(customer, actor)
    titles = list(statuses.values())

    def customer(index):
        everyone = list(Customer.select().order_by(Customer.id))
        return everyone[index % len(everyone)] if everyone else None

    for made, (operation, *arguments) in enumerate(operations):
        if operation == "add":
            create_customer(record(*arguments[0], made), actor, confirmed=True)
        elif operation == "add many":
            batch = [record(*n, f"{made}-{i}") for i, n in enumerate(arguments[0])]
            create_customers(batch, actor)
        elif operation == "rename" and (chosen := customer(arguments[0])):
            first, last, company = arguments[1]
            changed = {**read_record(chosen), "firstName": first, "lastName": last}
            if chosen.customer_type != "individual":
                changed["companyName"] = company or "Anvil Works"
            update_customer(chosen, changed, actor, confirmed=True)
        elif operation == "status" and (chosen := customer(arguments[0])):
            changed = {**read_record(chosen), "status": titles[arguments[1]].id}
            update_customer(chosen, changed, actor, confirmed=True)
        elif operation == "status of all, by SQL":
            Customer.update(status=titles[arguments[0]].id).execute()
        elif operation == "delete" and (chosen := customer(arguments[0])):
            delete_customer(chosen, actor)
        rows = stored()
        assert len(rows) == len(set(rows)), "a word stored twice for one customer"
        assert set(rows) == expected(), operation
