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
from peewee import IntegrityError, SqliteDatabase, Value, fn

from webapp.db import db, run_after_commit
from webapp.importing import heartbeat, lifecycle, reader, staging
from webapp.importing.apply import ChunkApplier
from webapp.importing.checks import RowChecker
from webapp.importing.columns import CellMapper
from webapp.importing.storage import source_path
from webapp.importing.view import FileView, Scratch
from webapp.models import Customer, ImportJob, ImportProblem, ImportRow
from webapp.models.base import insert_rows, utcnow
from webapp.rules.context import RuleContext
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
    with heartbeat.beating(job_id):
        return _run(job_id, "verify", current_app.config["IMPORT_CHUNK_ROWS"])


def ingest(job_id: int) -> ImportJob:
    """Apply what verify staged. A file never verified (the CLI's --sync), or verified by
    a release that staged nothing, is verified first."""
    chunk_rows = current_app.config["IMPORT_CHUNK_ROWS"]
    with heartbeat.beating(job_id):
        job = ImportJob.get_by_id(job_id)
        unverified = job.checkpoint_line == 0 and not staging.is_staged(job_id)
        if unverified and _run(job_id, "verify", chunk_rows).state != "verified":
            return ImportJob.get_by_id(job_id)
        return _run(job_id, "import", chunk_rows)


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
    view = FileView(job.id_ceiling, Scratch() if phase == "verify" else None)
    chunks = (
        _chunks(job, chunk_rows)
        if phase == "verify"
        else staging.staged_chunks(job.id, chunk_rows, job.checkpoint_line)
    )
    try:
        pass_ = _Pass(job, phase, view)
        for chunk in chunks:
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
    # What an earlier (killed) run of this pass wrote goes: it starts again from line 1.
    ImportProblem.delete().where(
        (ImportProblem.job == job) & (ImportProblem.phase == phase)
    ).execute()
    if phase == "verify":
        staging.forget(job.id)
    return {
        ImportJob.started_at: utcnow(),
        ImportJob.rows_done: 0,
        ImportJob.failed: 0,
        ImportJob.warnings: 0,
        **dict.fromkeys(counters, 0),
    }


def _chunks(job: ImportJob, size: int):
    shape = reader.FileShape(job.file_format, job.encoding, job.delimiter)
    mapper = CellMapper(job.mapping, job.file_format == "xlsx")
    rows = reader.rows(source_path(job), shape)
    if job.has_header:
        next(rows, None)
    pending = ((line, mapper.cells(cells)) for line, cells in rows)
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
    """What both passes do with a chunk: commit it with its problems, its counters and
    (the import) its checkpoint, judging or applying it again on a conflict."""

    def __init__(self, job: ImportJob, phase: str, view: FileView):
        self.job, self.phase, self.view = job, phase, view
        if phase == "verify":
            ctx = RuleContext.for_app()
            self.checker = RowChecker(ctx, job.merge_mode, view, job.refuse_duplicates)
        else:
            self.applier = ChunkApplier(job.id, Actor(job.uploaded_by, f"import #{job.id}"))

    def handle(self, chunk: list) -> None:
        for attempt in range(1, CHUNK_TRIES + 1):
            try:
                with db.atomic():
                    self._verify(chunk) if self.phase == "verify" else self._import(chunk)
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
                    _first_line(chunk),
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

    def _verify(self, chunk: list[tuple[int, dict]]) -> None:
        results = self.checker.check(chunk)
        versions = {ref: c.version for ref, c in self.view.customers.items()}
        staging.stage(self.job.id, results, versions)
        problems = [
            _problem(self.job, "verify", r.line, p, severity)
            for r in results
            for severity, found in (("error", r.errors), ("warning", r.warnings))
            for p in found
        ]
        if problems:
            insert_rows(ImportProblem, problems)
        good = [r for r in results if not r.errors]
        self._count(
            len(results),
            len(results) - len(good),
            sum(len(r.warnings) for r in results),
            {f"would_{a}": sum(r.action == a for r in good) for a in ("add", "update", "remove")},
        )

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
        refused = [_problem(self.job, "import", r.line, r, "error") for r in applied.refusals]
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

    def _count(self, rows, failed, warnings, counts, checkpoint_line=None) -> None:
        updates = {
            ImportJob.rows_done: ImportJob.rows_done + rows,
            ImportJob.failed: ImportJob.failed + failed,
            ImportJob.warnings: ImportJob.warnings + warnings,
        }
        updates.update(
            {getattr(ImportJob, k): getattr(ImportJob, k) + v for k, v in counts.items()}
        )
        if checkpoint_line is not None:
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


def _first_line(chunk: list) -> int:
    first = chunk[0]
    return first.line if isinstance(first, ImportRow) else first[0]


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
