"""The import's pieces: verify's chunks linked to no other chunk's rows are applied on
their own, by any worker; those linked (an update of a customer another chunk adds) go
together, in file order. (test_import_properties.py applies them in any order and over
1 to 3 workers against a model of the rows one by one; test_import_crash.py kills a
worker mid-piece.)"""

import io
import subprocess
import sys
from types import SimpleNamespace
from unittest.mock import patch

import pytest
from rq.job import Job

from tests.importfiles import csv_bytes, row
from webapp.importing import lifecycle, runner
from webapp.models import Customer, ImportChunk, ImportJob
from webapp.queueing import queue


def _file() -> bytes:
    """Three chunks of two rows: the second updates a customer the first adds; the third
    is about customers of its own."""
    return csv_bytes(
        [
            row(importId="P1", email="p1@example.com"),
            row(importId="P2", email="p2@example.com"),
            row(importId="P3", email="p3@example.com"),
            {"action": "update", "customerId": "P1", "middleName": "Later"},
            row(importId="P5", email="p5@example.com"),
            row(importId="P6", email="p6@example.com"),
        ]
    )


def _verified(app) -> ImportJob:
    job = lifecycle.receive(io.BytesIO(_file()), "pieces.csv", None)
    with patch.dict(app.config, {"IMPORT_VERIFY_CHUNK_ROWS": 2}):
        assert runner.verify(job.id).state == "verified"
    return job


def test_chunks_linked_by_a_customer_are_one_ordered_piece_the_rest_one_each(app, statuses):
    job = _verified(app)
    chunks = ImportChunk.select().where(ImportChunk.job == job.id).order_by(ImportChunk.number)
    ordered = [c.ordered for c in chunks]
    assert ordered == [True, True, False]
    assert runner.pieces_left(job.id) == [runner.ORDERED, 3]
    # Applied last first (as a second worker may), the update still follows its add.
    with patch.object(runner, "pieces_left", lambda job_id: [3, runner.ORDERED]):
        done = runner.ingest(job.id)
    assert (done.state, done.added, done.updated) == ("done", 5, 1)
    assert Customer.get(Customer.import_id == "P1").middle_name == "Later"
    assert runner.pieces_left(job.id) == []


def test_a_piece_whose_job_redis_lost_is_applied_by_the_job_of_another(app, statuses):
    """A Redis restarted mid-import keeps nothing: the pieces' queued jobs are gone. The
    job that was running goes on, and applies the lost pieces once its own is done."""
    job = _verified(app)
    lifecycle.start(job, "import")
    imports = queue("imports")
    imports.empty()  # the import's own job is run here instead, so no worker takes it
    with patch.object(runner, "get_current_job", lambda: SimpleNamespace(id="the-import")):
        runner.fan_out(job.id)
    queued = imports.job_ids
    assert len(queued) == 2  # the ordered piece, then chunk 3
    Job.fetch(queued[1], connection=imports.connection).delete()  # lost with Redis
    worked = subprocess.run(
        [sys.executable, "-m", "jobs.worker", "--burst"], capture_output=True, text=True
    )
    assert worked.returncode == 0, worked.stderr[-2000:]
    assert "piece 3 had no job left; applied here" in worked.stderr
    done = ImportJob.get_by_id(job.id)
    assert (done.state, done.added, done.updated) == ("done", 5, 1), done.message
    assert Customer.select().count() == 5


def test_an_import_an_earlier_release_began_goes_on_after_its_checkpoint(app, statuses):
    """A release before pieces kept one checkpoint line per job and no chunks once verify
    ended. Its import, stopped after line 3, goes on from line 4 after the upgrade: the
    update of P1 (line 5) finds the customer line 2 added, and lines 2 and 3 are not
    applied twice."""
    job = _verified(app)
    stop_after_first_slice = patch.object(lifecycle, "cancel_requested", side_effect=[False, True])
    with patch.dict(app.config, {"IMPORT_CHUNK_ROWS": 2}), stop_after_first_slice:
        stopped = runner.ingest(job.id)
    assert (stopped.state, stopped.added) == ("cancelled", 2)
    # As the earlier release left it: the job's checkpoint, no chunks.
    ImportChunk.delete().where(ImportChunk.job == job.id).execute()
    ImportJob.update(checkpoint_line=3).where(ImportJob.id == job.id).execute()

    lifecycle.retry(ImportJob.get_by_id(job.id))
    queue("imports").empty()  # its job is run here instead
    done = runner.ingest(job.id)

    assert (done.state, done.added, done.updated, done.failed) == ("done", 5, 1, 0), done.message
    assert Customer.select().count() == 5
    assert Customer.get(Customer.import_id == "P1").middle_name == "Later"
    assert runner.pieces_left(job.id) == []


def test_an_unexpected_error_fails_the_import_and_a_retry_goes_on_after_the_rows_committed(
    app, statuses
):
    job = _verified(app)
    handle = runner._Pass.handle
    slices = []

    def breaking_on_the_second_slice(self, chunk_id, rows):
        slices.append(chunk_id)
        if len(slices) == 2:
            raise RuntimeError("disk full")
        handle(self, chunk_id, rows)

    with patch.dict(app.config, {"IMPORT_CHUNK_ROWS": 2}):
        breaking = patch.object(runner._Pass, "handle", breaking_on_the_second_slice)
        with breaking, pytest.raises(RuntimeError, match="disk full"):
            runner.ingest(job.id)
        failed = ImportJob.get_by_id(job.id)
        assert failed.state == "failed"
        assert failed.message.startswith("Stopped by an unexpected error: disk full.")
        assert (failed.added, Customer.select().count()) == (2, 2)

        lifecycle.retry(failed)
        queue("imports").empty()  # its job is run here instead
        done = runner.ingest(job.id)

    assert (done.state, done.added, done.updated, done.failed) == ("done", 5, 1, 0), done.message
    assert Customer.select().count() == 5
