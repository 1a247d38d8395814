"""At-least-once workers: an ingest killed with SIGKILL half-way, retried by RQ, leaves
the database exactly as one clean run does: no row lost, none doubled."""

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time

from rq.registry import StartedJobRegistry

from tests.conftest import _empty_tables
from tests.rowgen import rows
from webapp.importing import lifecycle, runner
from webapp.models import Address, ChangeEntry, Customer, Employer, ImportJob, Phone
from webapp.queueing import queue
from webapp.rules.customer_fields import IMPORT_COLUMNS
from webapp.services.statuses import create_status

ROW_COUNT = 1500


def import_file() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(IMPORT_COLUMNS)
    for cells, _ in rows(ROW_COUNT, seed=11, defect_every=9):
        writer.writerow(["add", *[cells.get(name, "") for name in IMPORT_COLUMNS[1:]]])
    return buffer.getvalue().encode()


def verified_job() -> ImportJob:
    job = lifecycle.receive(io.BytesIO(import_file()), "crash.csv", None)
    assert runner.verify(job.id).state == "verified"
    return job


def database_snapshot() -> dict:
    """Everything an import writes, keyed by import ID (system IDs differ between runs)."""
    key = {c.id: c.import_id for c in Customer.select(Customer.id, Customer.import_id)}
    skip = {"id", "created_at", "updated_at", "status"}

    def rows_of(model, *exclude):
        fields = [f for f in model._meta.sorted_fields if f.name not in skip | set(exclude)]
        return sorted(
            tuple(
                key.get(v, v) if f.name == "customer" else v
                for f, v in zip(fields, row, strict=True)
            )
            for row in model.select(*fields).tuples()
        )

    history = sorted(
        (
            key[e.customer_id],
            e.action,
            e.source.split(" #")[0],
            re.sub(r"\(ID \d+\)", "", e.new_value),
        )
        for e in ChangeEntry.select()
    )
    job = ImportJob.select().order_by(ImportJob.id.desc()).get()
    # Password hashes are salted, so two runs differ in them by design: compare presence.
    passwords = sorted((c.import_id, bool(c.password_hash)) for c in Customer.select())
    return {
        "customers": rows_of(Customer, "password_hash"),
        "passwords": passwords,
        "phones": rows_of(Phone),
        "addresses": rows_of(Address),
        "employers": rows_of(Employer),
        "history": history,
        "counts": (job.added, job.updated, job.removed, job.failed, job.rows_done),
    }


def test_killed_ingest_resumes_to_the_same_database_as_a_clean_run(app, monkeypatch):
    create_status("Active")
    clean = runner.ingest(verified_job().id)
    assert clean.state == "done" and clean.added > 1000 and clean.failed > 100
    expected = database_snapshot()

    _empty_tables()
    create_status("Active")
    job = verified_job()
    lifecycle.start(job, "import")
    monkeypatch.setenv("IMPORT_CHUNK_ROWS", "25")  # many commits, so the kill lands mid-way
    worker = subprocess.Popen(
        [sys.executable, "-m", "jobs.worker", "--burst"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while ImportJob.get_by_id(job.id).checkpoint_line < ROW_COUNT // 3:
        assert time.monotonic() < deadline and worker.poll() is None, "ingest never started"
        time.sleep(0.02)
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-chunk
    worker.wait()
    killed_at = ImportJob.get_by_id(job.id)
    assert killed_at.state == "importing" and 0 < killed_at.checkpoint_line < ROW_COUNT
    assert Customer.select().count() < expected["counts"][0]

    # RQ finds the job abandoned once its heartbeat runs out, and retries it.
    registry = StartedJobRegistry(queue=queue("imports"))
    registry.cleanup(timestamp=time.time() + 3600)
    assert killed_at.rq_job_id in queue("imports").job_ids
    finished = subprocess.run(
        [sys.executable, "-m", "jobs.worker", "--burst"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]

    resumed = ImportJob.get_by_id(job.id)
    assert resumed.state == "done", resumed.message
    assert database_snapshot() == expected


def test_cancel_a_running_import_keeps_what_was_committed_and_retry_finishes(
    app, client, login, small_chunks, live_worker
):
    create_status("Active")
    login("admin")
    job = verified_job()
    client.post(f"/imports/{job.id}/import")
    deadline = time.monotonic() + 60
    while ImportJob.get_by_id(job.id).checkpoint_line < 200:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    client.post(f"/imports/{job.id}/cancel")
    while ImportJob.get_by_id(job.id).state == "importing":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    stopped = ImportJob.get_by_id(job.id)
    assert stopped.state == "cancelled", stopped.message
    assert f"Cancelled after line {stopped.checkpoint_line}" in stopped.message
    assert stopped.checkpoint_line < ROW_COUNT + 1
    assert Customer.select().count() == stopped.added > 0
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert f"Retry from line {stopped.checkpoint_line + 1}" in page

    client.post(f"/imports/{job.id}/retry")
    while ImportJob.get_by_id(job.id).state != "done":
        assert time.monotonic() < deadline + 60
        time.sleep(0.05)
    finished = ImportJob.get_by_id(job.id)
    assert finished.rows_done == ROW_COUNT
    assert Customer.select().count() == finished.added
    assert finished.added + finished.failed == ROW_COUNT
