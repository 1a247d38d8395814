"""Generated files of add / update / remove rows over a handful of customers: verify's
verdict on every line equals the import's, and the import leaves the database exactly as
applying the rows one by one through the customer services would (the model below,
written from the rules in DESIGN.md, not from the importer's code).

The keys are few on purpose, so rows collide: the same customer touched twice, numeric
import IDs that are also system IDs, adds that duplicate one another or a stored
customer, rows that break a rule, chunk boundaries anywhere. IMPORT_PROPERTY_EXAMPLES
sets how many files (default 40). Verify judges the file in chunks, each against the
database alone, and judges again together the rows other chunks touch: here with chunk
boundaries anywhere, in this process and over 1, 2 or 3 real RQ workers at once
(IMPORT_PROPERTY_WORKER_EXAMPLES files each, default 6)."""

import io
import os
import signal
import time
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from peewee import fn

from tests.conftest import background_worker
from tests.importfiles import GOOD, csv_bytes, row
from webapp.db import db
from webapp.importing import conflicts, cross_duplicates, lifecycle, runner
from webapp.models import ALL_MODELS, Customer, CustomerStatus, ImportJob, ImportProblem, User
from webapp.models.settings import CustomFieldDefinition, DocumentSection, NoteCategory
from webapp.rules.compiled import CompiledRules
from webapp.rules.context import RuleContext
from webapp.rules.spec import is_digits
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record
from webapp.services.customers import (
    PossibleDuplicate,
    RecordRejected,
    create_customer,
    delete_customer,
    update_customer,
)

EXAMPLES = int(os.environ.get("IMPORT_PROPERTY_EXAMPLES", "40"))
WORKER_EXAMPLES = int(os.environ.get("IMPORT_PROPERTY_WORKER_EXAMPLES", "6"))
KEYS = ["1", "2", "3", "4", "K1", "K2", "K3", "nobody"]
IMPORT_IDS = ["", "", "K1", "K2", "K3", "2", "4"]
EMAILS = ["", "", "a@example.com", "b@example.com", "not-an-email", "base2@example.com"]
SSNS = ["", "111223333", "444556666"]
BIRTHDAYS = ["", "1980-01-01", "1990-02-02"]
PHONES = ["", "2125550100", "2125550111", "9995550001"]  # the last is base customer 1's
STREETS = ["", "1 A St", "2 B St", "2 Base Rd"]  # the last is base customer 2's
USERNAMES = ["", "", "user.one", "user two"]
KEPT = (User, CustomerStatus, NoteCategory, DocumentSection, CustomFieldDefinition)


def _base_customers() -> None:
    """Three stored customers; the second's import ID is the third's system ID."""
    rules = CompiledRules(RuleContext.load())
    for n, import_id in ((1, "K1"), (2, "3"), (3, "")):
        cells = {
            **GOOD,
            "importId": import_id,
            "ssn": f"90000000{n}",
            "birthday": f"196{n}-03-03",
            "priPhone": f"999555000{n}",
            "priAddress": f"{n} Base Rd",
            "email": f"base{n}@example.com",
        }
        create_customer(rules.check_new(cells).record, Actor.system("test"), confirmed=True)


def _reset() -> None:
    models = [m for m in ALL_MODELS if m not in KEPT]
    if db.__class__.__name__.startswith("Postgres") or "Postgres" in type(db.obj).__name__:
        names = ", ".join(f'"{m._meta.table_name}"' for m in models)
        db.execute_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    else:
        for model in reversed(models):
            model.delete().execute()
        db.execute_sql("DELETE FROM sqlite_sequence WHERE name != 'user'")
    _base_customers()


def _snapshot() -> list[tuple]:
    """Every customer's fields: the stored ones by ID, the added ones in any order (pieces
    of a file applied at once do not add in file order)."""
    ceiling = 3
    rows = []
    for customer in Customer.select().order_by(Customer.id):
        record = read_record(customer)
        rows.append(
            (
                customer.id if customer.id <= ceiling else None,
                customer.version,
                *(
                    record.get(n)
                    for n in (
                        "importId",
                        "username",
                        "firstName",
                        "middleName",
                        "lastName",
                        "email",
                        "ssn",
                        "birthday",
                        "status",
                        "priPhone",
                        "priAddress",
                    )
                ),
            )
        )
    return sorted(rows, key=lambda row: (row[0] is None, row[0] or 0, repr(row)))


def _add(import_id, email, ssn, birthday, phone, street, username):
    cells = {
        **GOOD,
        "importId": import_id,
        "email": email,
        "ssn": ssn,
        "birthday": birthday,
        "username": username,
    }
    if phone:
        cells["priPhone"] = phone
    if street:
        cells["priAddress"] = street
    return cells


def _update(key, import_id, email, middle, last, ssn, birthday, phone, username):
    return {
        "action": "update",
        "customerId": key,
        "importId": import_id,
        "email": email,
        "middleName": middle,
        "lastName": last,
        "ssn": ssn,
        "birthday": birthday,
        "priPhone": phone,
        "username": username,
    }


ROWS = st.lists(
    st.one_of(
        st.builds(
            _add,
            st.sampled_from(IMPORT_IDS),
            st.sampled_from(EMAILS),
            st.sampled_from(SSNS[1:]),
            st.sampled_from(BIRTHDAYS[1:]),
            st.sampled_from(PHONES),
            st.sampled_from(STREETS),
            st.sampled_from(USERNAMES),
        ),
        st.builds(
            _update,
            st.sampled_from(KEYS),
            st.sampled_from(IMPORT_IDS),
            st.sampled_from(EMAILS),
            st.sampled_from(["", "Q", "R"]),
            st.sampled_from(["", "", "Stone"]),
            st.sampled_from(SSNS),
            st.sampled_from(BIRTHDAYS),
            st.sampled_from(PHONES),
            st.sampled_from(USERNAMES),
        ),
        st.builds(lambda key: {"action": "remove", "customerId": key}, st.sampled_from(KEYS)),
    ),
    min_size=1,
    max_size=9,
)


def _run_file(
    app, rows, chunk, refuse, mode, workers=0, part_rows=None
) -> tuple[dict, dict, tuple, tuple]:
    """Verify, then import, the file; (verify verdicts, import verdicts, would, did).
    `workers`: how many real RQ workers verify its chunks at once (0: this process);
    `part_rows`: rows per part (job) its possible duplicates are named in (None: one)."""
    app.config["IMPORT_CHUNK_ROWS"] = app.config["IMPORT_VERIFY_CHUNK_ROWS"] = chunk
    naming = {"IMPORT_DUPLICATE_PART_ROWS": part_rows or len(rows)}
    with patch.dict(app.config, naming), patch.dict(os.environ, _strings(naming)):
        return _verify_and_import(app, rows, refuse, mode, workers)


def _strings(settings: dict) -> dict[str, str]:
    return {name: str(value) for name, value in settings.items()}


def _verify_and_import(app, rows, refuse, mode, workers) -> tuple[dict, dict, tuple, tuple]:
    job = lifecycle.receive(io.BytesIO(csv_bytes(rows)), "generated.csv", None, True, mode, refuse)
    if workers:
        # Queued as the app does, the workers waiting: one cuts the file while the others
        # judge the chunks already cut; then they apply its pieces at once.
        started = [background_worker() for _ in range(workers)]
        verified = _queued(job, "verify")
        done = _queued(job, "import") if verified.state == "verified" else verified
        for worker in started:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    else:
        verified = runner.verify(job.id)
        done = runner.ingest(job.id)
    assert (verified.state, done.state) == ("verified", "done"), (verified.message, done.message)
    verdicts = {}
    for phase in ("verify", "import"):
        verdicts[phase] = {}
        for problem in ImportProblem.select().where(
            (ImportProblem.job == job.id) & (ImportProblem.phase == phase)
        ):
            verdicts[phase].setdefault(problem.line, set()).add((problem.severity, problem.column))
    return (
        verdicts["verify"],
        verdicts["import"],
        (verified.would_add, verified.would_update, verified.would_remove, verified.failed),
        (done.added, done.updated, done.removed, done.failed),
    )


def _queued(job: ImportJob, phase: str) -> ImportJob:
    lifecycle.start(job, phase)
    deadline = time.monotonic() + 120
    while (ended := ImportJob.get_by_id(job.id)).state in ("queued", "verifying", "importing"):
        assert time.monotonic() < deadline, f"the {phase} never ended"
        time.sleep(0.05)
    return ended


def _verify_problems(job_id: int) -> list[tuple]:
    return sorted(
        ImportProblem.select(
            ImportProblem.line,
            ImportProblem.severity,
            ImportProblem.column,
            ImportProblem.value,
            ImportProblem.message,
        )
        .where((ImportProblem.job == job_id) & (ImportProblem.phase == "verify"))
        .tuples()
    )


def _model(rows, refuse, mode) -> set[int]:
    """Each row as its own request through the services; returns the refused lines."""
    rules = CompiledRules(RuleContext.load())
    actor = Actor.system("model")
    ceiling = 3
    refused = set()
    for line, cells in enumerate(rows, start=2):
        cells = {k: v for k, v in cells.items() if k not in ("action", "customerId")}
        action = rows[line - 2].get("action", "add")
        try:
            if action == "add":
                verdict = rules.check_new(cells)
                if not verdict.ok:
                    raise RecordRejected(verdict.errors)
                create_customer(verdict.record, actor, confirmed=not refuse)
                continue
            key = rows[line - 2]["customerId"]
            named = {c.id for c in Customer.select().where(Customer.import_id == key)}
            if is_digits(key) and int(key) <= ceiling and Customer.get_or_none(id=int(key)):
                named.add(int(key))
            if len(named) != 1:
                raise RecordRejected([])
            customer = Customer.get_by_id(named.pop())
            if action == "remove":
                delete_customer(customer, actor)
                continue
            verdict = rules.check_change(read_record(customer), cells, mode)
            if not verdict.ok:
                raise RecordRejected(verdict.errors)
            update_customer(customer, verdict.record, actor, confirmed=not refuse)
        except (RecordRejected, PossibleDuplicate):
            refused.add(line)
    return refused


@pytest.fixture
def world(app, statuses, users):
    _reset()
    return app


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=ROWS,
    chunk=st.integers(1, 9),
    refuse=st.booleans(),
    mode=st.sampled_from(["overwrite", "fill-empty"]),
    sliced=st.booleans(),
    part_rows=st.sampled_from([None, 1, 2]),
    reverse=st.booleans(),
)
def test_verify_foresees_the_import_and_the_import_equals_one_row_at_a_time(
    world, rows, chunk, refuse, mode, sliced, part_rows, reverse
):
    """`sliced`: the last step reads the keys and values in slices of one, as it does
    in slices of millions for a big file; `part_rows`: it names possible duplicates in
    parts of that many rows (up to 16 parts), one after the other here; `reverse`: the
    import applies its pieces (each chunk linked to no other's rows, and the linked ones
    together) last first, as workers taking them at once may."""
    in_file_order = runner.pieces_left
    last_first = lambda job_id: in_file_order(job_id)[::-1]  # noqa: E731
    with (
        patch.object(runner, "pieces_left", last_first if reverse else in_file_order),
        patch.object(conflicts, "ROW_KEYS_BUDGET", 1 if sliced else conflicts.ROW_KEYS_BUDGET),
        patch.object(
            cross_duplicates,
            "SHARED_KEYS_BUDGET",
            1 if sliced else cross_duplicates.SHARED_KEYS_BUDGET,
        ),
    ):
        _check_file(world, rows, chunk, refuse, mode, workers=0, part_rows=part_rows)


@pytest.mark.parametrize("workers", [1, 2, 3])
@settings(
    max_examples=WORKER_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=ROWS,
    chunk=st.integers(1, 4),
    refuse=st.booleans(),
    mode=st.sampled_from(["overwrite", "fill-empty"]),
    part_rows=st.sampled_from([None, 1, 2]),
)
def test_verify_fanned_out_over_workers_equals_one_row_at_a_time(
    world, workers, rows, chunk, refuse, mode, part_rows
):
    """The same, with the file's chunks verified, and its possible duplicates named in
    parts, by 1, 2 or 3 real RQ workers at once."""
    _check_file(world, rows, chunk, refuse, mode, workers, part_rows)


def _check_file(app, rows, chunk, refuse, mode, workers, part_rows=None) -> None:
    _reset()
    app.config["IMPORT_VERIFY_CHUNK_ROWS"] = len(rows) + 1
    job = lifecycle.receive(io.BytesIO(csv_bytes(rows)), "whole.csv", None, True, mode, refuse)
    assert runner.verify(job.id).state == "verified"
    whole = _verify_problems(job.id)
    _reset()
    assert Customer.select(fn.MAX(Customer.id)).scalar() == 3
    foreseen, happened, would, did = _run_file(app, rows, chunk, refuse, mode, workers, part_rows)
    assert foreseen == happened
    # Every problem, to the word (who a possible duplicate names), as one chunk in file
    # order finds it, however the file was cut.
    assert _verify_problems(ImportJob.select(fn.MAX(ImportJob.id)).scalar()) == whole
    assert would == did
    imported = _snapshot()
    _reset()
    refused = _model(rows, refuse, mode)
    assert {
        line
        for line, found in happened.items()
        if any(severity == "error" for severity, _ in found)
    } == refused
    assert imported == _snapshot()


def test_a_row_judged_again_still_names_who_in_its_chunk_shares_a_value(world):
    """Line 3's import ID is contested by line 5 of another chunk, so line 3 is judged
    again in file order, seeing only the rows judged again; the email line 2 of its own
    chunk shares is still named, as in one chunk."""
    rows = [
        row(email="x@example.com", username="ann.one"),
        row(email="x@example.com", username="bob.two", importId="K9"),
        row(username="cy.three"),
        row(username="di.four", importId="K9"),
    ]
    found = {}
    for size in (3, len(rows) + 1):
        _reset()
        world.config["IMPORT_VERIFY_CHUNK_ROWS"] = size
        job = lifecycle.receive(io.BytesIO(csv_bytes(rows)), "f.csv", None, True, "overwrite")
        assert runner.verify(job.id).state == "verified"
        found[size] = _verify_problems(job.id)
    assert found[3] == found[len(rows) + 1]
    assert (3, "warning", "email") in {problem[:3] for problem in found[3]}
