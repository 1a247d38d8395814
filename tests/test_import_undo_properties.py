"""Generated imports (the files of test_import_properties: colliding keys, rows that
break rules), generated edits by an agent in between, and undos stopped after any batch
and started again: every customer ends as the model says, from the records read before
the import, after it and after the edits alone (not from the undo's code):

- removed by the import: stays removed;
- changed by someone after the import: as that person left it, and listed;
- added by the import: deleted;
- updated by it: its record from before the import, exactly; or, when a unique value it
  had then is another customer's now, as it was and listed, naming that customer;
- not touched by the import: as it was.

IMPORT_UNDO_EXAMPLES sets how many (default 30)."""

import io
import os
import re

from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import fuzzing
from tests.importfiles import csv_bytes
from tests.test_import_properties import _add, _reset, _update
from webapp.importing import lifecycle, runner, undo
from webapp.models import Customer, ImportJob, ImportProblem, ImportRow
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record
from webapp.services.customers import update_customer

EXAMPLES = int(os.environ.get("IMPORT_UNDO_EXAMPLES", "40"))
KEYS = ["1", "2", "3", "K1", "K2"]  # stored customers, or ones the file adds
IMPORT_IDS = ["", "K1", "K2", "K3"]  # taken and given back: the undo's clashes
USERNAMES = ["", "user.one", "user.two"]
EMAILS = ["", "a@example.com", "b@example.com"]

# Files that mostly apply (the importer's refusals have their own property test), most
# rows updates, so customers are updated, added, removed and touched twice together.
UPDATE = st.builds(
    _update,
    st.sampled_from(KEYS),
    st.sampled_from(IMPORT_IDS),
    st.sampled_from(EMAILS),
    st.sampled_from(["", "Q", "R"]),
    st.sampled_from(["", "Stone"]),
    st.just(""),
    st.just(""),
    st.sampled_from(["", "2125550100"]),
    st.sampled_from(USERNAMES),
)
ADD = st.builds(
    _add,
    st.sampled_from(IMPORT_IDS),
    st.sampled_from(EMAILS),
    st.sampled_from(["111223333", "444556666"]),
    st.sampled_from(["1980-01-01", "1990-02-02"]),
    st.just(""),
    st.just(""),
    st.sampled_from(USERNAMES),
)
REMOVE = st.builds(lambda key: {"action": "remove", "customerId": key}, st.sampled_from(KEYS))
# A clash's message names the value (apply.RECHECKED) -> the fields that hold it.
CLASHING = {
    "import ID": ["importId"],
    "web username": ["username"],
    "SSN and date of birth": ["ssn", "birthday"],
}
ROWS = st.lists(st.one_of(UPDATE, UPDATE, ADD, ADD, REMOVE), min_size=2, max_size=9)


def records() -> dict[int, dict]:
    return {c.id: read_record(c) for c in Customer.select()}


def run_undo(job_id: int, batch: int, stop_after: int | None, monkeypatch) -> ImportJob:
    """Undo, `batch` customers at a time; stopped (cancelled as the page does) after
    `stop_after` batches and undone again, if given."""
    handle, handled = undo._Undoer.handle, []

    def handle_and_maybe_stop(self, customer_ids):
        handle(self, customer_ids)
        handled.append(customer_ids)
        if len(handled) == stop_after:
            lifecycle.cancel(ImportJob.get_by_id(job_id))

    with monkeypatch.context() as patched:
        patched.setattr(undo, "BATCH_CUSTOMERS", batch)
        patched.setattr(undo._Undoer, "handle", handle_and_maybe_stop)
        # Queued as lifecycle.start queues it, without leaving an RQ job behind.
        assert ImportJob.move(job_id, "queued", {ImportJob.phase: "undo"})
        first = undo.undo(job_id)
        if first.state == "cancelled":
            assert ImportJob.move(job_id, "queued", {ImportJob.phase: "undo"})
            return undo.undo(job_id)
    return first


@fuzzing(EXAMPLES)
@given(
    rows=ROWS,
    edits=st.lists(st.integers(0, 30), max_size=3),
    batch=st.integers(1, 4),
    stop_after=st.none() | st.integers(1, 3),
)
# Customer 1's import ID goes to a customer the file adds, whom an agent then edits: the
# undo cannot delete that one, so cannot give customer 1 its import ID back.
@example(
    rows=[
        _update("K1", "K3", "", "", "", "", "", "", ""),
        _add("K1", "", "111223333", "1980-01-01", "", "", ""),
    ],
    edits=[3],
    batch=1,
    stop_after=None,
)
# The same, not edited, in one batch: the customer the file added is deleted first, so
# customer 1 gets its import ID back (restored before it, customer 1 would be listed).
@example(
    rows=[
        _update("K1", "K3", "", "", "", "", "", "", ""),
        _add("K1", "", "111223333", "1980-01-01", "", "", ""),
    ],
    edits=[],
    batch=2,
    stop_after=None,
)
def test_undo_gives_back_what_the_import_changed_unless_changed_since(
    app, statuses, users, monkeypatch, rows, edits, batch, stop_after
):
    _reset()
    before = records()
    job = lifecycle.receive(io.BytesIO(csv_bytes(rows)), "generated.csv", None)
    assert runner.verify(job.id).state == "verified"
    assert runner.ingest(job.id).state == "done"
    applied = list(
        ImportRow.select().where((ImportRow.job == job.id) & (ImportRow.outcome == "applied"))
    )
    removed = {r.customer_id for r in applied if r.action == "remove"}
    added = {r.customer_id for r in applied if r.action == "add"} - removed
    updated = {r.customer_id for r in applied} - removed - added

    after_import = sorted(records())
    edited = {after_import[i % len(after_import)] for i in edits} if after_import else set()
    for customer_id in edited:
        customer = Customer.get_by_id(customer_id)
        changed = {**read_record(customer), "middleName": f"Edited{customer.version}"}
        update_customer(customer, changed, Actor.system("agent desk"), confirmed=True)
    after_edits = records()

    done = run_undo(job.id, batch, stop_after, monkeypatch)
    assert done.state == "undone", done.message
    final = records()
    listed = {
        int(p.value): p.message
        for p in ImportProblem.select().where(
            (ImportProblem.job == job.id) & (ImportProblem.phase == "undo")
        )
    }

    clashed = set()
    for customer_id in set(before) | set(after_edits):
        if customer_id in removed:
            assert customer_id not in final
        elif customer_id in edited and customer_id in added | updated:
            assert final[customer_id] == after_edits[customer_id]
            assert "changed by agent desk" in listed[customer_id]
        elif customer_id in added:
            assert customer_id not in final, customer_id
        elif customer_id in updated:
            if customer_id in listed:
                clash = re.search(
                    r"this (.+) before the import; customer #(\d+) has it now", listed[customer_id]
                )
                assert clash, listed[customer_id]
                # the customer named really holds the value at the end
                holder, fields = int(clash[2]), CLASHING[clash[1]]
                assert holder in final, listed[customer_id]
                assert all(final[holder][f] == before[customer_id][f] for f in fields), clash[0]
                assert final[customer_id] == after_edits[customer_id]
                clashed.add(customer_id)
            else:
                assert final[customer_id] == before[customer_id], customer_id
        else:
            assert final[customer_id] == after_edits[customer_id]
            assert customer_id not in listed
    left = (edited & (added | updated)) | clashed
    assert set(listed) == left
    assert (done.undo_deleted, done.undo_restored, done.undo_left, done.undo_kept) == (
        len(added - edited),
        len(updated - edited - clashed),
        len(left),
        len(removed),
    )
    assert done.undo_done == done.undo_total == len(added | updated | removed)
