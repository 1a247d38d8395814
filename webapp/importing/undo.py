"""Undoing an import, a batch of customers at a time, from what its staged rows kept.

A customer the import added is deleted again; one it updated gets back the values it had
before the file's first row about it (the before-image apply.py kept). Either only if
nobody changed the customer since the import's last row about it: a customer someone
changed since is left as it is and listed, with who changed it. A customer the import
removed stays removed (removals cannot be undone). Each batch of customers commits with
what became of its rows, so an undo killed midway goes on with the customers not yet
handled, and none is undone twice."""

import itertools
import logging
from dataclasses import dataclass

from peewee import Case, IntegrityError, Select, fn

from webapp.db import db, run_after_commit
from webapp.importing import collector, heartbeat, lifecycle, staging, statistics
from webapp.importing.apply import RECHECKED, locked
from webapp.models import Customer, ImportJob, ImportProblem, ImportRow
from webapp.models.base import in_list, insert_rows, utcnow
from webapp.services import history, versions, webhooks
from webapp.services.actor import Actor
from webapp.services.customer_events import update_events
from webapp.services.customer_record import read_records
from webapp.services.customer_updates import CustomerUpdates
from webapp.services.customers import delete_customers
from webapp.services.directory import record_keys, stored_holders

BATCH_CUSTOMERS = 200
log = logging.getLogger(__name__)

# What became of a customer: the ImportRow.undo outcome and the job's counter.
COUNTERS = {
    "deleted": ImportJob.undo_deleted,
    "restored": ImportJob.undo_restored,
    "left": ImportJob.undo_left,
    "kept": ImportJob.undo_kept,
}


@collector.seldom()
def undo(job_id: int) -> ImportJob:
    job = ImportJob.get_by_id(job_id)
    if not job.may_become("undoing"):  # cancelled before it started, or undone: not run
        return job
    starting = {ImportJob.phase: "undo", ImportJob.finished_at: None, ImportJob.message: None}
    if not _begun(job_id):
        starting.update(_fresh_counters(job_id))
    if not ImportJob.move(job_id, "undoing", starting):
        return ImportJob.get_by_id(job_id)
    job = ImportJob.get_by_id(job_id)
    log.info("Import #%s: undo started, %s customers.", job_id, job.undo_total)
    statistics.refresh_staged(job_id, job.rows_total)
    undoer = _Undoer(job)
    with heartbeat.beating(job_id):
        try:
            for customer_ids in _waiting_customers(job_id):
                if lifecycle.cancel_requested(job_id):
                    lifecycle.end_pass(
                        job_id,
                        "cancelled",
                        "Undo stopped: the customers handled so far stay undone; undo "
                        "again to go on with the rest.",
                    )
                    return ImportJob.get_by_id(job_id)
                undoer.handle(customer_ids)
            lifecycle.end_pass(job_id, "undone", None)
        except Exception as problem:
            lifecycle.end_pass(
                job_id,
                "failed",
                f"The undo stopped on an unexpected error: {problem}. The customers "
                "handled so far stay undone; undo again to go on with the rest.",
            )
            raise  # RQ records it and retries the job
    done = ImportJob.get_by_id(job_id)
    log.info(
        "Import #%s: undo ended %s: %s deleted, %s restored, %s left alone, %s removals kept.",
        job_id,
        done.state,
        done.undo_deleted,
        done.undo_restored,
        done.undo_left,
        done.undo_kept,
    )
    return done


@dataclass
class Plan:
    """The customers an undo would go through (those a stopped undo has not handled)."""

    added: int  # to be deleted
    updated: int  # to get their values back
    removed: int  # to stay removed

    @property
    def total(self) -> int:
        return self.added + self.updated + self.removed


def plan(job_id: int) -> Plan:
    def flag(action):
        return fn.MAX(Case(None, [(ImportRow.action == action, 1)], 0))

    per_customer = (
        _applied(job_id)
        .select(flag("add").alias("added"), flag("remove").alias("removed"))
        .where(ImportRow.undo.is_null())
        .group_by(ImportRow.customer_id)
        .alias("c")
    )
    removed, added = per_customer.c.removed, per_customer.c.added
    counts = (
        Select(
            [per_customer],
            [
                fn.COUNT(1),
                fn.SUM(removed),
                fn.SUM(Case(None, [(removed == 1, 0)], added)),
            ],
        )
        .bind(db)
        .tuples()
    )
    total, removed_count, added_count = (int(n or 0) for n in counts[0])
    return Plan(added_count, total - added_count - removed_count, removed_count)


def _applied(job_id: int):
    return ImportRow.select().where((ImportRow.job == job_id) & (ImportRow.outcome == "applied"))


def _begun(job_id: int) -> bool:
    return _applied(job_id).where(ImportRow.undo.is_null(False)).exists()


def _fresh_counters(job_id: int) -> dict:
    ImportProblem.delete().where(
        (ImportProblem.job == job_id) & (ImportProblem.phase == "undo")
    ).execute()
    total = _applied(job_id).select(fn.COUNT(ImportRow.customer_id.distinct())).scalar()
    return {
        ImportJob.started_at: utcnow(),
        ImportJob.undo_total: total or 0,
        ImportJob.undo_done: 0,
        **dict.fromkeys(COUNTERS.values(), 0),
    }


def _waiting_customers(job_id: int):
    """The IDs of the customers not yet handled, BATCH_CUSTOMERS at a time, newest first:
    the customers the import added (IDs above every customer it found) are deleted before
    any update is undone, so a value an added customer took frees up for the customer it
    is given back to."""
    below = None
    while True:
        waiting = _applied(job_id).where(ImportRow.undo.is_null())
        if below is not None:
            waiting = waiting.where(ImportRow.customer_id < below)
        batch = [
            row.customer_id
            for row in waiting.select(ImportRow.customer_id)
            .group_by(ImportRow.customer_id)
            .order_by(ImportRow.customer_id.desc())
            .limit(BATCH_CUSTOMERS)
        ]
        if not batch:
            return
        yield batch
        below = batch[-1]


class _Undoer:
    def __init__(self, job: ImportJob):
        self.job = job
        self.actor = Actor(job.undone_by, f"undo of import #{job.id}")
        self._start_batch()

    def _start_batch(self) -> None:
        # A batch's customers are deleted together and restored together, set-based, as
        # the import writes them: ~30 statements per customer otherwise.
        self.deleting: dict[int, int] = {}  # ID -> the version it must still be at
        self.restoring = CustomerUpdates(self.actor)
        self.waiting: dict[int, _Restore] = {}  # added to `restoring`, not yet written
        self.left: dict[int, str] = {}  # restores the write refused after all: why

    def handle(self, customer_ids: list[int]) -> None:
        try:
            with db.atomic(), webhooks.batched():
                self._undo(customer_ids)
            run_after_commit(True)  # deleted customers' files go once the batch is in
        except BaseException:
            run_after_commit(False)
            raise
        webhooks.kick()

    def _undo(self, customer_ids: list[int]) -> None:
        rows = list(
            _applied(self.job.id)
            .where(in_list(ImportRow.customer_id, customer_ids) & ImportRow.undo.is_null())
            .order_by(ImportRow.customer_id.desc(), ImportRow.line)  # added ones first
        )
        if not rows:  # another run of this job handled them meanwhile
            return
        self._start_batch()
        models = locked(customer_ids)
        records = read_records(list(models.values()))
        by_customer = [
            (customer_id, list(group))
            for customer_id, group in itertools.groupby(rows, key=lambda r: r.customer_id)
        ]
        outcomes: dict[str, list[int]] = {kind: [] for kind in COUNTERS}  # -> lines
        customers = dict.fromkeys(COUNTERS, 0)
        problems = []
        decided = [
            (customer_id, group, *self._undo_customer(group, models.get(customer_id), records))
            for customer_id, group in by_customer
        ]
        self._delete_waiting()
        self._restore_waiting()
        for customer_id, group, outcome, message in decided:
            if customer_id in self.left:
                outcome, message = "left", self.left[customer_id]
            outcomes[outcome] += [row.line for row in group]
            customers[outcome] += 1
            if message:
                problems.append(
                    {
                        "job": self.job.id,
                        "phase": "undo",
                        "severity": "error",
                        "line": group[-1].line,
                        "column": "customerId",
                        "value": str(customer_id),
                        "message": message,
                    }
                )
        for outcome, lines in outcomes.items():
            for start in range(0, len(lines), 500):
                ImportRow.update(undo=outcome).where(
                    (ImportRow.job == self.job.id)
                    & in_list(ImportRow.line, lines[start : start + 500])
                ).execute()
        if problems:
            insert_rows(ImportProblem, problems)
        counted = {field: field + customers[outcome] for outcome, field in COUNTERS.items()}
        ImportJob.update(
            {ImportJob.undo_done: ImportJob.undo_done + len(by_customer), **counted}
        ).where(ImportJob.id == self.job.id).execute()

    def _undo_customer(self, rows, model, records) -> tuple[str, str | None]:
        """What becomes of one customer ("deleted", "restored", "left" or "kept") and, if
        it is left as it is, why. Deletes and restores wait for the batch's write (a
        restore the write refuses after all is listed as left: self.left)."""
        first, last = rows[0], rows[-1]
        customer_id = first.customer_id
        if any(row.action == "remove" for row in rows):
            return "kept", None
        if model is None:
            return "left", f"Customer #{customer_id} was deleted after the import; nothing to undo."
        if model.version != last.version_after:
            who = versions.changed_by(customer_id, last.version_after)
            return "left", (
                f"Customer #{customer_id} was changed{who} after the import, so the undo "
                "left it as it is."
            )
        if first.action == "add":
            self.deleting[customer_id] = model.version
            return "deleted", None
        self._delete_waiting()  # first: a value an added customer took may be given back
        target = staging.decode(first.before)
        keys = record_keys(target)
        if clash := _clash(customer_id, keys, self.waiting):
            return "left", clash
        restore = _Restore(
            customer_id,
            target,
            records[customer_id],
            model.version,
            _password_set_by_import(rows) and not target.get("password"),
            keys,
        )
        # PostgreSQL checks a unique value row by row: one UPDATE never both frees and takes it.
        if self.restoring.takes_freed(model, target):
            self._restore_waiting()
        self.restoring.add(model, restore.stored, target, model.version)
        self.waiting[customer_id] = restore
        return "restored", None

    def _delete_waiting(self) -> None:
        if self.deleting:
            delete_customers(self.deleting, self.actor)
            self.deleting = {}

    def _restore_waiting(self) -> None:
        """Write the waiting restores together; if a unique value the checks missed (one
        taken meanwhile) refuses the write, each alone, leaving only the one it refuses."""
        waiting, self.waiting = list(self.waiting.values()), {}
        restoring, self.restoring = self.restoring, CustomerUpdates(self.actor)
        if not waiting or not _refused(lambda: self._write(restoring, waiting)):
            return
        for restore in waiting:
            alone = CustomerUpdates(self.actor)
            model = Customer.get_by_id(restore.customer_id)  # as stored, not as added above
            alone.add(model, restore.stored, restore.target, restore.version)
            if _refused(lambda alone=alone, restore=restore: self._write(alone, [restore])):
                self.left[restore.customer_id] = (
                    f"Customer #{restore.customer_id}'s values before the import now clash "
                    "with another customer's, so the undo left it as it is."
                )

    def _write(self, restoring: CustomerUpdates, restores: list) -> None:
        restoring.write()
        for restore in restores:
            if restore.password_removed:
                _remove_password(restore.customer_id, self.actor)


def _refused(write) -> bool:
    """Run `write` in a savepoint; True if a unique value refused it, and then nothing
    of it is kept. (CustomerUpdates records its webhook events after its writes, so a
    refused write has recorded none.)"""
    try:
        with db.atomic():
            write()
    except IntegrityError:
        return True
    return False


@dataclass
class _Restore:
    """A customer to get back its values from before the import."""

    customer_id: int
    target: dict  # its record before the import
    stored: dict  # its record now
    version: int  # the version it is at now
    password_removed: bool  # the import gave it its only password: taken away again
    keys: dict  # record_keys(target)


def _remove_password(customer_id: int, actor: Actor) -> None:
    """Take away the password the import gave a customer who had none. A record cannot
    say "no password" (a blank one keeps it), so this is its own write: in the history,
    with a new version, and told to webhooks like any change."""
    Customer.update(password_hash=None).where(Customer.id == customer_id).execute()
    history.record_section_change(customer_id, actor, "web", "password", new="(removed)")
    webhooks.record_events(update_events(customer_id, {}, {}, ["password"]))


def _password_set_by_import(rows: list[ImportRow]) -> bool:
    """Read from the fields verify foresaw each update changing (the import keeps no
    record of a row it applied): a password set is among them."""
    return any(ImportRow.fields_text(["password"]) in (row.fields or "") for row in rows)


def _clash(customer_id: int, keys: dict, waiting: dict[int, _Restore]) -> str | None:
    """Why the customer's values from before the import cannot be given back: an import
    ID, username or SSN with birth date it had then that another customer has now. (At
    its turn: a customer undone earlier in the batch may have freed one or taken one.)
    `keys`: record_keys of its record before the import."""
    for kind, what in RECHECKED.items():
        values = set(keys.get(kind, ()))
        if not values:
            continue
        stored = stored_holders(kind, values)
        for value in values:
            if others := _holders(kind, value, stored.get(value, set()), waiting) - {customer_id}:
                return (
                    f"Customer #{customer_id} had this {what} before the import; customer "
                    f"#{min(others)} has it now, so the undo left it as it is."
                )
    return None


def _holders(kind: str, value, stored: set[int], waiting: dict[int, _Restore]) -> set[int]:
    """Who holds the value once the restores still waiting to be written are."""
    kept = {holder for holder in stored if holder not in waiting}
    given = {c for c, restore in waiting.items() if value in restore.keys.get(kind, ())}
    return kept | given
