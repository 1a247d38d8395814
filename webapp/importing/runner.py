"""The import pass: what verify staged (verification.py), applied chunk by chunk.

Each chunk is applied (apply.py) and committed together with its problems, its counters
and its checkpoint, so a job that runs twice resumes after the last committed line: no
row lost, none doubled."""

import logging
import time

from flask import current_app
from peewee import IntegrityError, SqliteDatabase, Value, fn

from webapp.db import db, run_after_commit
from webapp.importing import heartbeat, lifecycle, staging, statistics, verification
from webapp.importing.apply import ChunkApplier
from webapp.models import Customer, ImportJob, ImportProblem, ImportRow
from webapp.models.base import insert_rows, utcnow
from webapp.services import webhooks
from webapp.services.actor import Actor
from webapp.services.customers import RecordRejected
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
    """The whole verify in this process (queued, its chunks fan out over the workers)."""
    return verification.verify(job_id)


def ingest(job_id: int) -> ImportJob:
    """Apply what verify staged. A file never verified (the CLI's --sync), or verified by
    a release that staged nothing, is verified first."""
    job = ImportJob.get_by_id(job_id)
    unverified = job.checkpoint_line == 0 and not staging.is_staged(job_id)
    if unverified and verification.verify(job_id).state != "verified":
        return ImportJob.get_by_id(job_id)
    with heartbeat.beating(job_id):
        return _run(job_id, current_app.config["IMPORT_CHUNK_ROWS"])


def _run(job_id: int, chunk_rows: int) -> ImportJob:
    job = ImportJob.get_by_id(job_id)
    if not job.may_become("importing"):  # cancelled before it started, or done: not run
        return job
    resuming = job.checkpoint_line > 0
    # Only the fields named here: a full save would write back counters read before a
    # killed worker's last commit landed.
    starting = {
        ImportJob.phase: "import",
        ImportJob.finished_at: None,
        ImportJob.message: None,
    }
    if not resuming or job.id_ceiling is None:
        starting[ImportJob.id_ceiling] = Customer.select(fn.MAX(Customer.id)).scalar() or 0
    if not resuming:
        starting.update(_fresh_counters(job))
    if not ImportJob.move(job.id, "importing", starting):  # its state changed meanwhile
        return ImportJob.get_by_id(job_id)
    job = ImportJob.get_by_id(job_id)
    log.info(
        "Import #%s: import started, %s rows%s.",
        job.id,
        job.rows_total,
        f", resuming after line {job.checkpoint_line}" if resuming else "",
    )
    pause = TURN_FOR_OTHERS if isinstance(db.obj, SqliteDatabase) else 0
    try:
        pass_ = _Pass(job)
        for chunk in staging.staged_chunks(job.id, chunk_rows, job.checkpoint_line):
            if lifecycle.cancel_requested(job.id):
                raise Cancelled
            pass_.handle(chunk)
            if pause:
                time.sleep(pause)
        lifecycle.end_pass(job.id, "done", None)
    except Cancelled:
        done = ImportJob.get_by_id(job.id)
        lifecycle.end_pass(
            job.id,
            "cancelled",
            f"Cancelled after line {done.checkpoint_line}: what was "
            "committed up to there stays; later rows were not imported.",
        )
    except Exception as problem:
        lifecycle.end_pass(
            job.id,
            "failed",
            f"Stopped by an unexpected error: {problem}. What was "
            "committed stays; retry to go on from there.",
        )
        raise  # RQ records it and retries the job
    done = ImportJob.get_by_id(job.id)
    statistics.refresh_after(job.id, done.added + done.removed)
    log.info(
        "Import #%s: import ended %s: %s of %s rows done, %s refused, %s warnings.",
        done.id,
        done.state,
        done.rows_done,
        done.rows_total,
        done.failed,
        done.warnings,
    )
    return done


def _fresh_counters(job: ImportJob) -> dict:
    counters = (ImportJob.added, ImportJob.updated, ImportJob.removed, ImportJob.checkpoint_line)
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


class _Pass:
    """Each chunk committed with its problems, its counters and its checkpoint; applied
    again on what is there now when it meets a change made meanwhile."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.applier = ChunkApplier(job.id, Actor(job.uploaded_by, f"import #{job.id}"))

    def handle(self, chunk: list[ImportRow]) -> None:
        for attempt in range(1, CHUNK_TRIES + 1):
            try:
                with db.atomic():
                    self._import(chunk)
                run_after_commit(True)  # removed customers' files go once the chunk is in
                break
            except (StaleVersion, RecordRejected, IntegrityError) as conflict:
                run_after_commit(False)
                if attempt == CHUNK_TRIES:
                    raise
                # The exception's text may quote values (PostgreSQL's key details): not logged.
                log.warning(
                    "Import #%s: chunk from line %s rolled back (%s), try %s of %s.",
                    self.job.id,
                    chunk[0].line,
                    type(conflict).__name__,
                    attempt + 1,
                    CHUNK_TRIES,
                )
            except BaseException:
                run_after_commit(False)
                raise
        webhooks.kick()  # the chunk's events are committed with it

    def _import(self, chunk: list[ImportRow]) -> None:
        first, last = chunk[0].line, chunk[-1].line
        if self._committed_already(first):
            return
        with webhooks.batched():
            applied = self.applier.apply(chunk)
        staging.replace(self.job.id, first, last, applied.rows)
        # Verify's problems stand for the import's; the rows refused now are added.
        copied = ImportProblem.select(
            ImportProblem.job,
            Value("import"),
            ImportProblem.severity,
            ImportProblem.line,
            ImportProblem.column,
            ImportProblem.value,
            ImportProblem.message,
        ).where(
            (ImportProblem.job == self.job.id)
            & (ImportProblem.phase == "verify")
            & ImportProblem.line.between(first, last)
        )
        ImportProblem.insert_from(copied, _PROBLEM_FIELDS).execute()
        refused = [
            staging.problem_row(self.job.id, "import", r.line, r, "error") for r in applied.refusals
        ]
        if refused:
            insert_rows(ImportProblem, refused)
        warnings = (
            ImportProblem.select()
            .where(
                (ImportProblem.job == self.job.id)
                & (ImportProblem.phase == "verify")
                & (ImportProblem.severity == "warning")
                & ImportProblem.line.between(first, last)
            )
            .count()
        )
        self._count(
            len(chunk),
            sum(1 for row in chunk if not row.ok) + len(refused),
            warnings,
            applied.counts,
            checkpoint_line=last,
        )

    def _count(self, rows, failed, warnings, counts, checkpoint_line) -> None:
        updates = {
            ImportJob.rows_done: ImportJob.rows_done + rows,
            ImportJob.failed: ImportJob.failed + failed,
            ImportJob.warnings: ImportJob.warnings + warnings,
        }
        updates.update(
            {getattr(ImportJob, k): getattr(ImportJob, k) + v for k, v in counts.items()}
        )
        updates[ImportJob.checkpoint_line] = checkpoint_line
        ImportJob.update(updates).where(ImportJob.id == self.job.id).execute()

    def _committed_already(self, first_line: int) -> bool:
        """Lock the job's row and read its checkpoint afresh. A worker killed right after
        sending COMMIT may have its last chunk land after this run read the checkpoint;
        the lock waits for such a transaction, and the chunk is then skipped, not
        applied again."""
        query = ImportJob.select(ImportJob.checkpoint_line).where(ImportJob.id == self.job.id)
        if not isinstance(db.obj, SqliteDatabase):  # SQLite locks the whole file on write
            query = query.for_update()
        return query.scalar() >= first_line


_PROBLEM_FIELDS = [
    ImportProblem.job,
    ImportProblem.phase,
    ImportProblem.severity,
    ImportProblem.line,
    ImportProblem.column,
    ImportProblem.value,
    ImportProblem.message,
]
