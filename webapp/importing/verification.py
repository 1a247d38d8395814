"""Verify, fanned out: the file is cut into chunks (chunks.py), each chunk is judged by
whichever worker is free, against the database alone, and a last step judges again, in
file order, the rows whose verdict another chunk's rows could change (conflicts.py),
then names the file's possible duplicates part by part (cross_duplicates.py), each part
again on whichever worker is free. What verify finds is staged (staging.py) for the
import to apply.

Run queued (`split_and_fan_out`, `verify_chunk`, `finish`, `name_duplicates` as RQ
jobs) or all in one process (`verify`: the CLI's --sync, the tests, the benchmark); both
end the same."""

import logging
import tempfile
import time
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path

from flask import current_app
from peewee import fn
from rq import Retry
from rq.exceptions import DuplicateJobError

from webapp.db import db
from webapp.importing import (
    chunks,
    conflicts,
    cross_duplicates,
    heartbeat,
    lifecycle,
    reader,
    staging,
)
from webapp.importing.checks import RowChecker
from webapp.importing.cross_duplicates import Facts
from webapp.importing.view import FileView, Scratch
from webapp.models import Customer, ImportChunk, ImportJob, ImportProblem, ImportRow
from webapp.models.base import in_list, insert_rows, utcnow
from webapp.queueing import FINISH_VERIFY, NAME_DUPLICATES, VERIFY_CHUNK, queue
from webapp.rules.context import RuleContext

log = logging.getLogger(__name__)
JOB_TIMEOUT = lifecycle.JOB_TIMEOUT


def verify(job_id: int) -> ImportJob:
    """The whole verify in this process."""
    with heartbeat.beating(job_id):
        numbers = _begin(job_id)
        for number in numbers or ():
            if not _stopped(job_id):
                _judge(job_id, number)
        return finish(job_id, queued=False) if numbers is not None else ImportJob.get_by_id(job_id)


def split_and_fan_out(job_id: int) -> None:
    """Cut the file into chunks, queueing a job for each as soon as it is stored (a free
    worker judges it while the rest is cut); once the file is all cut, the chunk job that
    finds every chunk judged queues the last step (_queue_finish_when_due)."""
    with heartbeat.beating(job_id, linger=True):
        numbers = _begin(job_id, stored=lambda number: _queue_chunk(job_id, number))
    if numbers is not None:  # all chunks may be judged already, or there are none
        _queue_finish_when_due(ImportJob.get_by_id(job_id), cut=True)


def _queue_chunk(job_id: int, number: int) -> None:
    queue("imports").enqueue(
        VERIFY_CHUNK,
        job_id,
        number,
        job_timeout=JOB_TIMEOUT,
        retry=Retry(max=2),
        description=f"Verify upload #{job_id}, part {number}",
    )


def _begin(job_id: int, stored=None) -> list[int] | None:
    """Start the pass and store the chunks (`stored(number)` as each is); their numbers,
    or None if the pass does not run (cancelled, done, unreadable). The pass's rows_total
    stays 0 until the file is all cut."""
    job = ImportJob.get_by_id(job_id)
    if not job.may_become("verifying"):  # cancelled before it started, or done: not run
        return None
    starting = {
        ImportJob.phase: "verify",
        ImportJob.finished_at: None,
        ImportJob.message: None,
        ImportJob.started_at: utcnow(),
        ImportJob.id_ceiling: Customer.select(fn.MAX(Customer.id)).scalar() or 0,
        ImportJob.checkpoint_line: 0,
        ImportJob.last_step_marks: 0,
        ImportJob.rows_total: 0,
        **{f: 0 for f in _COUNTERS},
    }
    if not ImportJob.move(job.id, "verifying", starting):  # its state changed meanwhile
        return None
    # What an earlier (killed) run staged and listed goes: verify starts from line 1.
    ImportProblem.delete().where(
        (ImportProblem.job == job.id) & (ImportProblem.phase == "verify")
    ).execute()
    staging.forget(job.id)
    size = current_app.config["IMPORT_VERIFY_CHUNK_ROWS"]
    try:
        total = chunks.split(job, size, lambda: lifecycle.cancel_requested(job.id), stored)
    except reader.FileProblem as problem:
        log.warning("Import #%s: verify stopped: the file cannot be read.", job.id)
        lifecycle.end_pass(job.id, "failed", str(problem))
        return None
    if total is None:
        lifecycle.end_pass(job.id, "cancelled", CANCELLED)
        return None
    ImportJob.update(rows_total=total).where(ImportJob.id == job.id).execute()
    log.info("Import #%s: verify started, %s rows.", job.id, total)
    return [c.number for c in chunks.of_job(job.id, [ImportChunk.number])]


_COUNTERS = (
    ImportJob.rows_done,
    ImportJob.failed,
    ImportJob.warnings,
    ImportJob.would_add,
    ImportJob.would_update,
    ImportJob.would_remove,
)


def verify_chunk(job_id: int, number: int) -> None:
    """A chunk's RQ job: judge it (run again, as a retried job, a chunk judged already is
    left as it is); then, if it was the last or the pass was cancelled, queue the last
    step."""
    if _stopped(job_id):
        return  # failed meanwhile, or another chunk's job has queued the last step
    if not lifecycle.cancel_requested(job_id):  # else the last step says so
        with heartbeat.beating(job_id, linger=True):
            _judge(job_id, number)
    _queue_finish_when_due(ImportJob.get_by_id(job_id), cut=False)


def _stopped(job_id: int) -> bool:
    return ImportJob.get_by_id(job_id).state != "verifying"


def _judge(job_id: int, number: int) -> None:
    """Judge one chunk against the database; stage and list what it finds."""
    with _failing_when_out_of_tries(job_id):
        _verify_chunk(ImportJob.get_by_id(job_id), number)


def _failing_when_out_of_tries(job_id: int):
    return lifecycle.failing_when_out_of_tries(job_id, _unexpected)


def _queue_finish_when_due(job: ImportJob, cut: bool) -> None:
    """Queue the last step once the file is all cut (`cut`, or rows_total is set) and
    every chunk is judged, or once the pass was cancelled; once per pass: the jobs that
    find it due (the cutting one, chunk ones) all enqueue it under one job ID, and RQ's
    unique enqueue (check, save and push in one script) keeps the first. Each commits
    its part before it looks, so the last to commit sees both. (Not RQ's job
    dependencies: a worker killed between a chunk's end and RQ queueing the dependent
    would leave nothing to run it; here the killed chunk's retry queues it.)"""
    cancelled = lifecycle.cancel_requested(job.id)
    waiting = ImportChunk.select().where((ImportChunk.job == job.id) & ~ImportChunk.verified)
    if not cancelled and (not (cut or job.rows_total) or waiting.exists()):
        return
    with suppress(DuplicateJobError):  # another job has queued it
        queue("imports").enqueue(
            FINISH_VERIFY,
            job.id,
            job_id=f"{_pass_key(job)}-last-step",
            unique=True,
            job_timeout=JOB_TIMEOUT,
            retry=Retry(max=2),
            description=f"Verify upload #{job.id}, last step",
        )


def _verify_chunk(job: ImportJob, number: int) -> None:
    chunk = ImportChunk.get_or_none(job=job.id, number=number)
    if chunk is None or chunk.verified:
        return
    rows = chunks.cells(chunk)
    view = FileView(job.id_ceiling, None)
    checker = RowChecker(RuleContext.for_app(), job.merge_mode, view, job.refuse_duplicates)
    checker.tracking = True
    with db.atomic():
        results = checker.check(rows)
        touches = {r.line: r.touch for r in results}
        kept = conflicts.ChunkKeys.of(touches).dump(**Facts.of(touches).arrays())
        claimed = (
            ImportChunk.update(keys=kept, verified=True)
            .where((ImportChunk.id == chunk.id) & ~ImportChunk.verified)
            .execute()
        )
        if not claimed:  # judged meanwhile, or cut again by a pass started since
            return
        _stage(job, results, view)
        good = [r for r in results if not r.errors]
        ImportJob.update(
            {
                ImportJob.rows_done: ImportJob.rows_done + len(results),
                ImportJob.failed: ImportJob.failed + len(results) - len(good),
                ImportJob.warnings: ImportJob.warnings + sum(len(r.warnings) for r in results),
            }
        ).where(ImportJob.id == job.id).execute()


def finish(job_id: int, queued: bool = True) -> ImportJob:
    """The last step: judge again, in file order, the rows other chunks' rows could
    change; then name the file's possible duplicates part by part, each part a job of
    its own when `queued` (else one after the other here). The part done last counts and
    ends the pass. Run again (a retried job), it does only what is not marked done."""
    job = ImportJob.get_by_id(job_id)
    if job.state != "verifying":
        return job
    with heartbeat.beating(job_id, linger=True) if queued else nullcontext():
        if _cancelled_now(job_id):
            return ImportJob.get_by_id(job_id)
        with _failing_when_out_of_tries(job_id):
            if not job.last_step_marks & RESOLVED:
                began = time.monotonic()
                again = _resolve(job)
                chunks.mark_ordered(job.id, again)
                _mark(job, RESOLVED)
                log.info(
                    "Import #%s: %s rows judged again in file order (%.1f s).",
                    job.id,
                    len(again),
                    time.monotonic() - began,
                )
            for part in _parts_left(job.id):
                if queued:
                    _queue_part(job, part, len(_parts(job)))
                else:
                    _name_duplicates(job.id, part)
            _end_when_named(job.id)
    return ImportJob.get_by_id(job_id)


def _cancelled_now(job_id: int) -> bool:
    """End the pass as cancelled if a cancel was asked for; whether it was."""
    if not lifecycle.cancel_requested(job_id):
        return False
    lifecycle.end_pass(job_id, "cancelled", CANCELLED)
    return True


CANCELLED = "Verification was cancelled."
RESOLVED = 1  # last_step_marks: the rows to judge again in file order are; 2 << part: named


def name_duplicates(job_id: int, part: int) -> None:
    """A part's RQ job: name the possible duplicates about its values; the part done
    last ends the pass. Run again (a retried job), a part marked done is not."""
    job = ImportJob.get_by_id(job_id)
    if job.state != "verifying" or not job.last_step_marks & RESOLVED:
        return  # a job of a pass that ended, or was started again since
    with heartbeat.beating(job_id, linger=True):
        if _cancelled_now(job_id):
            return
        with _failing_when_out_of_tries(job_id):
            _name_duplicates(job_id, part)
            _end_when_named(job_id)


def _parts(job: ImportJob) -> range:
    """The parts of the file's values named in the last step (none when possible
    duplicates are refused: each chunk has refused them already)."""
    if job.refuse_duplicates:
        return range(0)
    needed = -(-job.rows_total // max(current_app.config["IMPORT_DUPLICATE_PART_ROWS"], 1))
    return range(1 << (max(needed, 1) - 1).bit_length())


def _parts_left(job_id: int) -> list[int]:
    job = ImportJob.get_by_id(job_id)
    return [part for part in _parts(job) if not job.last_step_marks & (2 << part)]


def _name_duplicates(job_id: int, part: int) -> None:
    job = ImportJob.get_by_id(job_id)
    if part not in _parts_left(job_id):
        return
    began = time.monotonic()
    parts = len(_parts(job))
    with _facts(job) as facts:
        named = cross_duplicates.replay(job.id, facts, lambda: _mark(job, 2 << part), part, parts)
    log.info(
        "Import #%s: possible duplicates, part %s of %s: %s named (%.1f s).",
        job.id,
        part + 1,
        parts,
        "none: done by another run," if named is None else named,
        time.monotonic() - began,
    )


def _mark(job: ImportJob, done: int) -> bool:
    """Record a piece of the job's pass's last step as done; False if it was already,
    or if the pass has ended or been started again since."""
    marks = ImportJob.last_step_marks
    return bool(
        ImportJob.update({marks: marks.bin_or(done)})
        .where(
            (ImportJob.id == job.id)
            & (ImportJob.state == "verifying")
            & (ImportJob.started_at == job.started_at)
            & (marks.bin_and(done) == 0)
        )
        .execute()
    )


def _queue_part(job: ImportJob, part: int, parts: int) -> None:
    """One job per part and pass: run again, the last step queues only what is not."""
    with suppress(DuplicateJobError):
        queue("imports").enqueue(
            NAME_DUPLICATES,
            job.id,
            part,
            job_id=f"{_pass_key(job)}-duplicates-{part}",
            unique=True,
            job_timeout=JOB_TIMEOUT,
            retry=Retry(max=2),
            description=f"Verify upload #{job.id}, possible duplicates, part {part + 1} of {parts}",
        )


def _pass_key(job: ImportJob) -> str:
    return f"import-{job.id}-verify-{job.started_at:%Y-%m-%dT%H-%M-%S-%f}"


def _end_when_named(job_id: int) -> None:
    """Once every part is named: count what is staged and end the pass as verified."""
    job = ImportJob.get_by_id(job_id)
    if job.state != "verifying" or _parts_left(job_id):
        return
    _count(job)
    chunks.keep_for_import(job.id)
    lifecycle.end_pass(job_id, "verified", None)
    lifecycle.log_end(job_id, "verify")


def _resolve(job: ImportJob) -> set[int]:
    """Judge again the rows linked across chunks, until no other row is linked to what
    they now do; returns their lines."""

    def all_keys():
        for chunk in chunks.of_job(job.id, [ImportChunk.keys]):
            yield conflicts.ChunkKeys.load(chunk.keys)

    touching = conflicts.contested(all_keys)
    if not len(touching):  # no row is linked to another chunk's: every verdict stands
        return set()
    writing = conflicts.hashes(())
    again: set[int] = set()
    while True:
        found = set()
        for keys in all_keys():
            found |= conflicts.linked_lines(keys, touching, writing, again)
        if found <= again:
            return again
        again |= found
        read, wrote = _judge_again(job, again)
        touching, writing = conflicts.hashes(wrote), conflicts.hashes(read)


def _judge_again(job: ImportJob, lines: set[int]) -> tuple[set, set]:
    """The rows on `lines`, in file order, against the database and each other; their
    staged rows and problems replaced. Returns the keys they read and wrote."""
    view = FileView(job.id_ceiling, Scratch())
    checker = RowChecker(RuleContext.for_app(), job.merge_mode, view, job.refuse_duplicates)
    checker.tracking = True
    read, wrote = set(), set()
    try:
        for chunk in chunks.of_job(job.id):
            rows = [(line, cells) for line, cells in chunks.cells(chunk) if line in lines]
            if not rows:
                continue
            with db.atomic():
                results = checker.check(rows)
                _forget_lines(job.id, [line for line, _ in rows])
                _stage(job, results, view)
                _replace_facts(chunk, results)
            view.end_chunk()
            for result in results:
                if result.touch:
                    read |= result.touch.read
                    wrote |= result.touch.wrote
    finally:
        view.scratch.close()
    return read, wrote


@contextmanager
def _facts(job: ImportJob):
    """For cross_duplicates.replay: each chunk, in file order, with its rows' facts.
    Replay goes through them several times; each chunk's are read from the database
    once and kept in a temporary folder for the times after (read from the database each
    time, a part of a 200k-row file in four took 2.2–2.7 s instead of 1.4–1.7 s)."""
    with tempfile.TemporaryDirectory(prefix=f"import-{job.id}-facts-") as folder:
        read_once: list[ImportChunk] = []  # once a pass has read every chunk

        def each(only: tuple[str, ...]):
            for chunk in read_once:
                yield chunk, Facts.load(Path(folder, str(chunk.number)).read_bytes(), only)
            if read_once:
                return
            read = []
            fields = [ImportChunk.number, ImportChunk.first_line, ImportChunk.last_line]
            for chunk in chunks.of_job(job.id, [*fields, ImportChunk.keys]):
                Path(folder, str(chunk.number)).write_bytes(chunk.keys or b"")
                yield chunk, Facts.load(chunk.keys, only)
                chunk.keys = None
                read.append(chunk)
            read_once[:] = read

        yield each


def _replace_facts(chunk: ImportChunk, results) -> None:
    """The facts of rows judged again replace those their chunk kept for them."""
    new = Facts.of({r.line: r.touch for r in results})
    facts = Facts.load(chunk.keys).judged_again([r.line for r in results], new)
    kept = conflicts.ChunkKeys.load(chunk.keys).dump(**facts.arrays())
    ImportChunk.update(keys=kept).where(ImportChunk.id == chunk.id).execute()


def _stage(job: ImportJob, results, view: FileView) -> None:
    staging.stage(job.id, results, {ref: c.version for ref, c in view.customers.items()})
    problems = [
        staging.problem_row(job.id, "verify", r.line, p, severity)
        for r in results
        for severity, found in (("error", r.errors), ("warning", r.warnings))
        for p in found
    ]
    insert_rows(ImportProblem, problems)


def _forget_lines(job_id: int, lines: list[int]) -> None:
    for start in range(0, len(lines), 500):
        part = lines[start : start + 500]
        ImportRow.delete().where(
            (ImportRow.job == job_id) & in_list(ImportRow.line, part)
        ).execute()
        for problems in ImportProblem.on_lines(job_id, "verify", in_list(ImportProblem.line, part)):
            ImportProblem.delete().where(problems).execute()


def _count(job: ImportJob) -> None:
    """The pass's counters from what is staged, now that every verdict is final."""
    counts = {
        (action, ok): n
        for action, ok, n in ImportRow.select(ImportRow.action, ImportRow.ok, fn.COUNT(1))
        .where(ImportRow.job == job.id)
        .group_by(ImportRow.action, ImportRow.ok)
        .tuples()
    }
    warnings = (
        ImportProblem.select()
        .where(
            (ImportProblem.job == job.id)
            & (ImportProblem.phase == "verify")
            & (ImportProblem.severity == "warning")
        )
        .count()
    )
    ImportJob.update(
        rows_done=sum(counts.values()),
        failed=sum(n for (_, ok), n in counts.items() if not ok),
        warnings=warnings,
        would_add=counts.get(("add", True), 0),
        would_update=counts.get(("update", True), 0),
        would_remove=counts.get(("remove", True), 0),
    ).where(ImportJob.id == job.id).execute()


def _unexpected(problem: Exception) -> str:
    return f"Stopped by an unexpected error: {problem}. Nothing was imported; verify again."
