"""The import's passes run with the cycle collector started seldom (importing/collector.py),
and give the process its own thresholds back when they end, even by an error."""

import gc
import io

import pytest

from tests.importfiles import csv_bytes, row
from webapp.importing import collector, lifecycle, runner, staging, undo, verification
from webapp.models import ImportJob


@pytest.fixture
def thresholds_seen(monkeypatch):
    """The collector's thresholds as verify staged its rows, the import applied a piece
    and the undo began its work."""
    seen = {}
    for module, name in ((staging, "stage"), (runner, "_apply_piece"), (undo, "_Undoer")):
        original = getattr(module, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            seen[_name] = gc.get_threshold()
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    return seen


def test_verify_import_and_undo_collect_seldom_then_give_the_thresholds_back(
    statuses, thresholds_seen
):
    before = gc.get_threshold()
    assert before != collector.PASS_THRESHOLDS
    job = lifecycle.receive(io.BytesIO(csv_bytes([row(importId="C1")])), "one.csv", None)
    assert runner.verify(job.id).state == "verified"
    assert runner.ingest(job.id).state == "done"
    assert ImportJob.move(job.id, "queued", {ImportJob.phase: "undo"})  # as the page does
    assert undo.undo(job.id).undo_deleted == 1
    assert thresholds_seen == dict.fromkeys(
        ("stage", "_apply_piece", "_Undoer"), collector.PASS_THRESHOLDS
    )
    assert gc.get_threshold() == before


def test_a_pass_that_fails_still_gives_the_thresholds_back(monkeypatch):
    before = gc.get_threshold()

    def broken(job_id):
        assert gc.get_threshold() == collector.PASS_THRESHOLDS
        raise RuntimeError("the database went away")

    monkeypatch.setattr(verification, "verify", broken)
    with pytest.raises(RuntimeError):
        runner.verify(1)
    assert gc.get_threshold() == before
