"""An import updating 1,000 customers on a real RQ worker while another process edits
some of them through the service: no edit is silently lost. An agent's save made from a
form opened before the import passed the customer is stale and refused; one made after
verify but before the import reached the customer is kept, and the import leaves that
customer alone and says who changed it. Every other customer gets the import's change,
and every row of the history is true: each entry's old value is what the previous one
left, the last is what is stored, and versions only go up."""

import io
import json
import subprocess
import sys
import time
from collections import defaultdict

from tests.importfiles import csv_bytes, row
from webapp.importing import lifecycle, runner
from webapp.models import ChangeEntry, Customer, ImportJob, ImportProblem
from webapp.services import history

COUNT = 1000


def test_import_and_agent_edits_at_once_lose_nothing(app, statuses, small_chunks, live_worker):
    added = runner.ingest(
        lifecycle.receive(
            io.BytesIO(
                csv_bytes(
                    [
                        row(
                            importId=f"C{n}",
                            email=f"c{n}@example.com",
                            priPhone=f"201555{n:04d}",
                            priAddress=f"{n} Main St",
                        )
                        for n in range(COUNT)
                    ]
                )
            ),
            "add.csv",
            None,
        ).id
    )
    assert added.added == COUNT, added.message
    job = lifecycle.receive(
        io.BytesIO(
            csv_bytes(
                [
                    {"action": "update", "customerId": f"C{n}", "middleName": "Imported"}
                    for n in range(COUNT)
                ]
            )
        ),
        "update.csv",
        None,
    )
    assert runner.verify(job.id).state == "verified"
    edited = [c.id for c in Customer.select(Customer.id).order_by(Customer.id)][::5]
    # The agents open their forms before the import starts (so each form's version is the
    # one verify saw), then save once the import is half-way.
    editor = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.concurrent_editor",
            str(job.id),
            str(COUNT // 2),
            *map(str, edited),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in editor.stderr:  # (its start-up may log first)
        if line.strip().endswith("forms opened"):
            break
    lifecycle.start(job, "import")
    deadline = time.monotonic() + 60
    stdout, stderr = editor.communicate(timeout=300)
    assert editor.returncode == 0, stderr[-3000:]
    attempts = [json.loads(line) for line in stdout.splitlines()]
    while ImportJob.get_by_id(job.id).state != "done":
        assert time.monotonic() < deadline + 240, ImportJob.get_by_id(job.id).message
        time.sleep(0.1)
    done = ImportJob.get_by_id(job.id)

    assert len(attempts) == len(edited)
    saved = {a["id"]: a["email"] for a in attempts if a["outcome"] == "saved"}
    # Forms opened before the import passed their customer and saved after it are stale;
    # the last customers were saved before the import reached them.
    assert 0 < len(saved) < len(attempts)
    customers = {c.id: c for c in Customer.select()}
    for customer_id, email in saved.items():  # a saved edit stays saved
        assert customers[customer_id].email == email
    for attempt in attempts:  # a refused one left nothing behind
        if attempt["outcome"] == "refused":
            assert customers[attempt["id"]].email != attempt["email"]
    # An edit saved before the import reached its customer: that row is not applied, and
    # says by whom the customer was changed; the import's change reaches every other one.
    left_alone = {
        int(p.value): p.message
        for p in ImportProblem.select().where(
            (ImportProblem.job == job.id) & (ImportProblem.phase == "import")
        )
    }
    assert set(left_alone) <= set(saved)
    assert all("changed by agent process" in message for message in left_alone.values())
    assert (done.updated, done.failed) == (COUNT - len(left_alone), len(left_alone))
    for customer_id, customer in customers.items():
        assert (customer.middle_name == "Imported") == (customer_id not in left_alone)
    _history_is_true(customers)
    print(f"{len(saved)} edits saved, {len(attempts) - len(saved)} refused as stale")


def _history_is_true(customers: dict) -> None:
    entries = defaultdict(list)
    for entry in ChangeEntry.select().order_by(ChangeEntry.id):
        entries[entry.customer_id].append(entry)
    for customer_id, customer in customers.items():
        created, *changes = entries[customer_id]
        assert created.action == "create" and created.version == 1
        versions = [e.version for e in changes]
        assert versions == sorted(versions) and versions[-1:] in ([], [customer.version])
        assert len(set(versions)) == len(versions)  # one write, one version
        last = json.loads(created.new_value)
        for entry in changes:
            assert entry.old_value == (last.get(entry.field) or ""), (customer_id, entry.field)
            last[entry.field] = entry.new_value
        for name, value in (("email", customer.email), ("middleName", customer.middle_name)):
            assert (last.get(name) or "") == history.describe(name, value, {}), (customer_id, name)
