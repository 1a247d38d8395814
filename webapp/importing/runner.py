"""The verify and import passes over a file, chunk by chunk.

Verify writes nothing to customers: it counts what would happen and records every
problem. Import checks every row again (the database may have changed since), applies
the good ones through the customer services, and commits each chunk together with its
problems, its counters and its checkpoint, so a job that runs twice resumes after the
last committed line: no row lost, none doubled."""

import logging
import time
from itertools import islice

from flask import current_app
from peewee import IntegrityError, SqliteDatabase, fn

from webapp.db import db, run_after_commit
from webapp.importing import heartbeat, lifecycle, reader
from webapp.importing.checks import RowChecker, RowResult
from webapp.importing.columns import CellMapper
from webapp.importing.storage import source_path
from webapp.importing.view import FileView, Scratch
from webapp.models import Customer, ImportJob, ImportProblem
from webapp.models.base import insert_rows, utcnow
from webapp.rules.context import RuleContext
from webapp.services import webhooks
from webapp.services.actor import Actor
from webapp.services.customers import (
    RecordRejected,
    create_customers,
    delete_customer,
    write_update,
)
from webapp.services.versions import StaleVersion

# SQLite has one writer at a time and its waiting writers poll; a short pause after
# each committed chunk lets an agent's save (or a cancel) in during a long import.
TURN_FOR_OTHERS = 0.03
# A chunk whose writes meet a change made since it was judged (a username or import ID
# someone just took) is rolled back and judged again on what is there now.
CHUNK_TRIES = 3
COUNT_CHECK_ROWS = 10_000  # rows counted between looks for a cancel
# Import jobs are logged by their ID and line numbers only: never a cell of the file.
log = logging.getLogger(__name__)


class Cancelled(Exception):
    pass


def verify(job_id: int) -> ImportJob:
    with heartbeat.beating(job_id):
        return _run(job_id, "verify", current_app.config["IMPORT_CHUNK_ROWS"])


def ingest(job_id: int) -> ImportJob:
    with heartbeat.beating(job_id):
        return _run(job_id, "import", current_app.config["IMPORT_CHUNK_ROWS"])


def _run(job_id: int, phase: str, chunk_rows: int) -> ImportJob:
    job = ImportJob.get_by_id(job_id)
    running = "verifying" if phase == "verify" else "importing"
    if not job.may_become(running):  # cancelled before it started, or done: not run
        return job
    resuming = phase == "import" and job.checkpoint_line > 0
    # Only the fields named here: a full save would write back counters read before a
    # killed worker's last commit landed.
    starting = {
        ImportJob.phase: phase,
        ImportJob.finished_at: None,
        ImportJob.message: None,
    }
    if not resuming or job.id_ceiling is None:
        starting[ImportJob.id_ceiling] = Customer.select(fn.MAX(Customer.id)).scalar() or 0
    if not resuming:
        starting.update(_fresh_counters(job, phase))
    if not job.rows_total:
        starting[ImportJob.rows_total] = count_rows(job)
        if starting[ImportJob.rows_total] is None:  # cancelled while counting
            return ImportJob.get_by_id(job_id)
    if not ImportJob.move(job.id, running, starting):  # its state changed meanwhile
        return ImportJob.get_by_id(job_id)
    job = ImportJob.get_by_id(job_id)
    log.info(
        "Import #%s: %s started, %s rows%s.",
        job.id,
        phase,
        job.rows_total,
        f", resuming after line {job.checkpoint_line}" if resuming else "",
    )
    pause = TURN_FOR_OTHERS if phase == "import" and isinstance(db.obj, SqliteDatabase) else 0
    view = FileView(
        job.id_ceiling, Scratch() if phase == "verify" else None, lock=phase == "import"
    )
    try:
        pass_ = _Pass(job, phase, view)
        for chunk in _chunks(
            job, chunk_rows, after_line=job.checkpoint_line if phase == "import" else 0
        ):
            if lifecycle.cancel_requested(job.id):
                raise Cancelled
            pass_.handle(chunk)
            if pause:
                time.sleep(pause)
        _finish(job, "verified" if phase == "verify" else "done", None)
    except Cancelled:
        done = ImportJob.get_by_id(job.id)
        _finish(
            job,
            "cancelled",
            f"Cancelled after line {done.checkpoint_line}: what was "
            "committed up to there stays; later rows were not "
            "imported."
            if phase == "import"
            else "Verification was cancelled.",
        )
    except reader.FileProblem as problem:
        # The message (shown on the job's page) may quote the file: only the kind here.
        log.warning("Import #%s: %s stopped: the file cannot be read.", job.id, phase)
        _finish(job, "failed", str(problem))
    except Exception as problem:
        _finish(
            job,
            "failed",
            f"Stopped by an unexpected error: {problem}. What was "
            "committed stays; retry to go on from there.",
        )
        raise  # RQ records it and retries the job
    finally:
        if view.scratch:
            view.scratch.close()
    done = ImportJob.get_by_id(job.id)
    log.info(
        "Import #%s: %s ended %s: %s of %s rows done, %s refused, %s warnings.",
        done.id,
        phase,
        done.state,
        done.rows_done,
        done.rows_total,
        done.failed,
        done.warnings,
    )
    return done


def count_rows(job: ImportJob) -> int | None:
    """The file's rows (the header aside); None when the job is cancelled meanwhile (a
    large file takes a while to count, and the job is still queued until it is done)."""
    shape = reader.FileShape(job.file_format, job.encoding, job.delimiter)
    total = 0
    for total, _ in enumerate(reader.rows(source_path(job), shape), start=1):
        if total % COUNT_CHECK_ROWS == 0 and _cancelled_while_queued(job.id):
            return None
    return total - (1 if job.has_header else 0)


def _cancelled_while_queued(job_id: int) -> bool:
    return ImportJob.select(ImportJob.state).where(ImportJob.id == job_id).scalar() == "cancelled"


def _fresh_counters(job: ImportJob, phase: str) -> dict:
    counters = (
        (ImportJob.would_add, ImportJob.would_update, ImportJob.would_remove)
        if phase == "verify"
        else (ImportJob.added, ImportJob.updated, ImportJob.removed, ImportJob.checkpoint_line)
    )
    if phase == "import":
        ImportProblem.delete().where(
            (ImportProblem.job == job) & (ImportProblem.phase == "import")
        ).execute()
    return {
        ImportJob.started_at: utcnow(),
        ImportJob.rows_done: 0,
        ImportJob.failed: 0,
        ImportJob.warnings: 0,
        **dict.fromkeys(counters, 0),
    }


def _chunks(job: ImportJob, size: int, after_line: int):
    shape = reader.FileShape(job.file_format, job.encoding, job.delimiter)
    mapper = CellMapper(job.mapping, job.file_format == "xlsx")
    rows = reader.rows(source_path(job), shape)
    if job.has_header:
        next(rows, None)
    pending = ((line, mapper.cells(cells)) for line, cells in rows if line > after_line)
    while chunk := list(islice(pending, size)):
        yield chunk


def _finish(job: ImportJob, state: str, message: str | None) -> None:
    ImportJob.move(
        job.id,
        state,
        {ImportJob.message: message, ImportJob.finished_at: utcnow()},
        from_states=("verifying", "importing"),
    )
    lifecycle.forget_cancel(job.id)


class _Pass:
    def __init__(self, job: ImportJob, phase: str, view: FileView):
        self.job, self.phase, self.view = job, phase, view
        ctx = RuleContext.for_app()
        self.checker = RowChecker(ctx, job.merge_mode, view, job.refuse_duplicates)
        self.actor = Actor(job.uploaded_by, f"import #{job.id}")

    def handle(self, chunk: list[tuple[int, dict]]) -> None:
        for attempt in range(1, CHUNK_TRIES + 1):
            try:
                self._handle(chunk)
                run_after_commit(True)  # removed customers' files go once the chunk is in
                break
            except (StaleVersion, RecordRejected, IntegrityError) as conflict:
                run_after_commit(False)
                self.view.end_chunk()  # forget what it read: judge it on what is there now
                if attempt == CHUNK_TRIES:
                    raise
                # The exception's text may quote values (PostgreSQL's key details): not logged.
                log.warning(
                    "Import #%s: %s chunk from line %s rolled back (%s), try %s of %s.",
                    self.job.id,
                    self.phase,
                    chunk[0][0],
                    type(conflict).__name__,
                    attempt + 1,
                    CHUNK_TRIES,
                )
            except BaseException:
                run_after_commit(False)
                raise
        self.view.end_chunk()
        if self.phase == "import":
            webhooks.kick()  # the chunk's events are committed with it

    def _handle(self, chunk: list[tuple[int, dict]]) -> None:
        with db.atomic():
            if self.phase == "import" and self._committed_already(chunk[0][0]):
                return
            results = self.checker.check(chunk)
            if self.phase == "import":
                with webhooks.batched():
                    counts = self._apply(results)
            else:
                counts = _would(results)
            problems = [
                _problem(self.job, self.phase, r.line, p, severity)
                for r in results
                for severity, found in (("error", r.errors), ("warning", r.warnings))
                for p in found
            ]
            if problems:
                insert_rows(ImportProblem, problems)
            failed = sum(1 for r in results if r.errors)
            updates = {
                ImportJob.rows_done: ImportJob.rows_done + len(results),
                ImportJob.failed: ImportJob.failed + failed,
                ImportJob.warnings: ImportJob.warnings + sum(len(r.warnings) for r in results),
            }
            updates.update(
                {getattr(ImportJob, k): getattr(ImportJob, k) + v for k, v in counts.items()}
            )
            if self.phase == "import":
                updates[ImportJob.checkpoint_line] = chunk[-1][0]
            ImportJob.update(updates).where(ImportJob.id == self.job.id).execute()

    def _committed_already(self, first_line: int) -> bool:
        """Lock the job's row and read its checkpoint afresh. A worker killed right after
        sending COMMIT may have its last chunk land after this run read the checkpoint;
        the lock waits for such a transaction, and the chunk is then skipped, not
        checked again against its own rows."""
        query = ImportJob.select(ImportJob.checkpoint_line).where(ImportJob.id == self.job.id)
        if not isinstance(db.obj, SqliteDatabase):  # SQLite locks the whole file on write
            query = query.for_update()
        return query.scalar() >= first_line

    def _apply(self, results: list[RowResult]) -> dict[str, int]:
        """Write the good rows in file order, as judged: adds go in batches between
        updates and removes (a later row can name a customer an earlier one added)."""
        counts = {"added": 0, "updated": 0, "removed": 0}
        adds: list[RowResult] = []
        created: dict = {}  # ("new", line) -> the customer added for it
        touched: set = set()  # customers an earlier row of this chunk changed

        def add_waiting():
            if adds:
                ids = create_customers([r.record for r in adds], self.actor)
                created.update(zip((r.ref for r in adds), ids, strict=True))
                counts["added"] += len(adds)
                adds.clear()

        for result in results:
            if result.errors:
                continue
            if result.action == "add":
                adds.append(result)
                continue
            add_waiting()
            customer = self._customer(result.ref, created)
            if result.action == "update":
                # The record read with the chunk saves a read, unless a row above changed it.
                stored = None if result.ref in touched else result.existing
                write_update(customer, result.record, self.actor, stored, customer.version)
                counts["updated"] += 1
            else:
                delete_customer(customer, self.actor, customer.version)
                counts["removed"] += 1
            touched.add(result.ref)
        add_waiting()
        return counts

    def _customer(self, ref, created: dict) -> Customer:
        if isinstance(ref, tuple):  # added by this chunk: read once, then kept up to date
            ref = created[ref]
            self.view.customers.setdefault(ref, Customer.get_by_id(ref))
        return self.view.customers[ref]


def _would(results: list[RowResult]) -> dict[str, int]:
    good = [r for r in results if not r.errors]
    return {
        "would_add": sum(r.action == "add" for r in good),
        "would_update": sum(r.action == "update" for r in good),
        "would_remove": sum(r.action == "remove" for r in good),
    }


def _problem(job, phase, line, problem, severity) -> dict:
    return {
        "job": job.id,
        "phase": phase,
        "severity": severity,
        "line": line,
        "column": problem.field,
        "value": problem.value[:500],
        "message": problem.message,
    }
