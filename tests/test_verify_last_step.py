"""Verify's last step names possible duplicates in parts, each part a job of its own; a
retried job (a worker killed after its part committed) does only what is not marked
done, so each warning is written once, and the pass ends once every part is."""

import datetime as dt
import io
from unittest.mock import patch

import pytest

from tests.importfiles import csv_bytes, row
from webapp.importing import cross_duplicates, lifecycle, verification
from webapp.models import ImportJob, ImportProblem

PARTS = 4
ROWS = 12


@pytest.fixture
def in_parts(app, statuses):
    """Verify cuts files into chunks of three rows and names possible duplicates in
    PARTS parts."""
    settings = {"IMPORT_VERIFY_CHUNK_ROWS": 3, "IMPORT_DUPLICATE_PART_ROWS": ROWS // PARTS}
    with patch.dict(app.config, settings):
        yield app


def shared_values_file() -> bytes:
    """Emails and phones shared across chunks, and an import ID two chunks contest (its
    rows are judged again in file order)."""
    rows = [
        row(email=f"shared{n % 4}@example.com", priPhone=f"55500000{n % 5:02d}")
        for n in range(ROWS)
    ]
    rows[1]["importId"] = rows[7]["importId"] = "K1"
    return csv_bytes(rows)


def warnings_of(job_id: int) -> list[tuple]:
    return sorted(
        ImportProblem.select(ImportProblem.line, ImportProblem.column, ImportProblem.message)
        .where(
            (ImportProblem.job == job_id)
            & (ImportProblem.phase == "verify")
            & (ImportProblem.severity == "warning")
        )
        .tuples()
    )


def test_a_last_step_run_again_names_each_possible_duplicate_once(in_parts):
    job = lifecycle.receive(io.BytesIO(shared_values_file()), "parts.csv", None)
    # As if the worker of the last part was killed right after its part committed:
    # every part is marked done, and the pass has not ended.
    with patch.object(verification, "_end_when_named", lambda job_id: None):
        assert verification.verify(job.id).state == "verifying"
    named = warnings_of(job.id)
    assert len({column for _, column, _ in named} & {"email", "priPhone"}) == 2
    every_part = sum(2 << part for part in range(PARTS))
    assert ImportJob.get_by_id(job.id).last_step_marks == verification.RESOLVED | every_part

    for part in range(PARTS):  # parts' jobs run again: done, so nothing written
        verification.name_duplicates(job.id, part)
    again = verification.finish(job.id, queued=False)  # the last step's job run again

    assert again.state == "verified", again.message
    assert warnings_of(job.id) == named
    assert again.warnings == len(named)


def test_a_part_whose_mark_is_refused_writes_nothing(in_parts):
    """Another run of the part marked it first, or its pass ended or began again."""
    job = lifecycle.receive(io.BytesIO(shared_values_file()), "parts.csv", None)
    with patch.object(verification, "_end_when_named", lambda job_id: None):
        verification.verify(job.id)
    named = warnings_of(job.id)
    stale = ImportJob.get_by_id(job.id)
    stale.started_at -= dt.timedelta(seconds=1)
    ImportJob.update(last_step_marks=verification.RESOLVED).where(ImportJob.id == job.id).execute()
    assert not verification._mark(stale, 2)  # a pass started since is not this one
    with verification._facts(stale) as facts:
        for part in range(PARTS):
            assert cross_duplicates.replay(job.id, facts, lambda: False, part, PARTS) is None
    assert warnings_of(job.id) == named


def test_parts_name_what_one_part_names(in_parts):
    found = {}
    for parts in (1, PARTS):
        in_parts.config["IMPORT_DUPLICATE_PART_ROWS"] = ROWS // parts
        job = lifecycle.receive(io.BytesIO(shared_values_file()), "parts.csv", None)
        assert verification.verify(job.id).state == "verified"
        found[parts] = warnings_of(job.id)
    assert found[1] and found[PARTS] == found[1]


def test_a_part_queued_before_its_pass_judged_rows_again_does_nothing(in_parts):
    job = lifecycle.receive(io.BytesIO(shared_values_file()), "parts.csv", None)
    assert verification.verify(job.id).state == "verified"
    named = warnings_of(job.id)
    ImportJob.update(state="verifying", last_step_marks=0).where(ImportJob.id == job.id).execute()
    verification.name_duplicates(job.id, 0)  # its pass's chunks are gone; it must not look
    assert warnings_of(job.id) == named
    assert ImportJob.get_by_id(job.id).last_step_marks == 0
