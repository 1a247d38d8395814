import json

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from webapp.models.base import BaseModel, utcnow
from webapp.models.users import User

# An import's states, its moves between them and what a person may do in each: here and
# nowhere else. The lifecycle and the runner move a job only along IMPORT_TRANSITIONS; the
# pages offer, and the routes accept, only what IMPORT_ACTIONS allows.
#
# uploaded -> (needs_mapping ->) ready -> queued -> verifying -> verified -> queued ->
# importing -> done (-> queued -> undoing -> undone); a running pass can end failed or
# cancelled instead.
IMPORT_STATE_NAMES = {
    "uploaded": "Uploaded",
    "needs_mapping": "Needs column mapping",
    "ready": "Ready to verify",
    "verifying": "Verifying",
    "verified": "Verified",
    "queued": "Queued",
    "importing": "Importing",
    "done": "Imported",
    "undoing": "Undoing",
    "undone": "Undone",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
IMPORT_STATES = tuple(IMPORT_STATE_NAMES)
WORKING_STATES = ("verifying", "importing", "undoing")  # a worker is on it
RUNNING_STATES = ("queued", *WORKING_STATES)

IMPORT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "uploaded": ("needs_mapping", "ready"),  # the header read
    "needs_mapping": ("needs_mapping", "ready"),  # a person matched the columns
    # Queued for a worker; or run at once (the CLI's --sync, tests, benchmarks), where an
    # import may also go without a verify before it.
    "ready": ("queued", "verifying", "importing"),
    "queued": ("verifying", "importing", "undoing", "cancelled"),
    # A pass ends; or starts again where a killed worker left it (RQ retries the job, or
    # an admin does from the queue page).
    "verifying": ("verified", "failed", "cancelled", "verifying", "queued"),
    "verified": ("queued", "verifying", "importing"),
    "importing": ("done", "failed", "cancelled", "importing", "queued"),
    "done": ("queued",),  # to be undone
    "undoing": ("undone", "failed", "cancelled", "undoing", "queued"),
    "undone": (),
    # RQ runs a pass that raised again by itself; a person queues it again.
    "failed": ("queued", "verifying", "importing", "undoing"),
    "cancelled": ("queued",),
}

# What a person may do, by state. A failed or cancelled job is named with the pass it
# stopped in: after a verify it is verified again, after an import it is retried (which
# goes on after the last committed line) or undone, after an undo it is undone again
# (which goes on with the customers not yet handled). A download of the rows with errors
# needs a pass to have been queued or run; the refused rows of a finished import can be
# fixed and uploaded again as a file linked to it.
IMPORT_ACTIONS: dict[str, tuple[str, ...]] = {
    "map": ("needs_mapping",),
    "verify": ("ready", "verified", "failed/verify", "cancelled/verify"),
    "import": ("verified",),
    "retry": ("failed/import", "cancelled/import"),
    "undo": ("done", "failed/import", "cancelled/import", "failed/undo", "cancelled/undo"),
    "reimport": ("done",),
    "cancel": RUNNING_STATES,
    "download_errors": (
        "queued",
        "verifying",
        "verified",
        "importing",
        "done",
        "undoing",
        "undone",
        "failed",
        "cancelled",
    ),
    "download_original": IMPORT_STATES,
}


def states_before(state: str) -> tuple[str, ...]:
    """The states a job may move to `state` from."""
    return tuple(s for s, after in IMPORT_TRANSITIONS.items() if state in after)


class ImportJob(BaseModel):
    """One uploaded customer file and everything that happened to it."""

    original_name = CharField()
    size = IntegerField()
    file_format = CharField()  # csv | xlsx
    encoding = CharField(null=True)
    delimiter = CharField(null=True)
    has_header = BooleanField(default=True)
    merge_mode = CharField(default="overwrite")  # overwrite | fill-empty
    refuse_duplicates = BooleanField(default=False)  # possible duplicates: error, not warning
    column_map = TextField(default="[]")  # a field name (or "") per file column
    headers = TextField(default="[]")
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    # A file of an import's refused rows, fixed and uploaded again from that import's page.
    retry_of = ForeignKeyField("self", null=True, backref="retries", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow, index=True)
    state = CharField(default="uploaded")
    phase = CharField(null=True)  # verify | import: what the worker does or did last
    rq_job_id = CharField(null=True)
    rows_total = IntegerField(default=0)
    rows_done = IntegerField(default=0)
    would_add = IntegerField(default=0)
    would_update = IntegerField(default=0)
    would_remove = IntegerField(default=0)
    added = IntegerField(default=0)
    updated = IntegerField(default=0)
    removed = IntegerField(default=0)
    failed = IntegerField(default=0)
    warnings = IntegerField(default=0)
    checkpoint_line = IntegerField(default=0)  # an earlier release's: the last line committed
    # What verify's last step has done, as bits (importing/verification.py's RESOLVED and
    # each part of the possible duplicates named): a retried job does only the rest.
    last_step_marks = IntegerField(default=0)
    # The highest customer ID when the pass began: a row names customers by system ID only
    # up to it (the ones the file adds go by import ID), so verify can foresee the import.
    id_ceiling = IntegerField(null=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    message = TextField(null=True)
    # Undo (importing/undo.py) goes customer by customer: those the import wrote, those
    # handled so far, and what became of them.
    undone_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="undone_imports")
    undo_total = IntegerField(default=0)
    undo_done = IntegerField(default=0)
    undo_deleted = IntegerField(default=0)  # added by the import, deleted again
    undo_restored = IntegerField(default=0)  # updated by it, given their old values back
    undo_left = IntegerField(default=0)  # changed by someone since: left as they are
    undo_kept = IntegerField(default=0)  # removed by it: removals cannot be undone

    @property
    def mapping(self) -> list[str]:
        return json.loads(self.column_map)

    @property
    def header_cells(self) -> list[str]:
        return json.loads(self.headers)

    @property
    def running(self) -> bool:
        return self.state in RUNNING_STATES

    @property
    def state_name(self) -> str:
        return IMPORT_STATE_NAMES.get(self.state, self.state)

    @property
    def standing(self) -> str:
        """The state as IMPORT_ACTIONS names it: a failed or cancelled job with the pass it
        stopped in ("failed/import")."""
        if self.state in ("failed", "cancelled"):
            return f"{self.state}/{self.phase or 'verify'}"
        return self.state

    def allows(self, action: str) -> bool:
        """Whether a person may do `action` (a key of IMPORT_ACTIONS) in this state."""
        allowed = IMPORT_ACTIONS[action]
        return self.state in allowed or self.standing in allowed

    def may_become(self, state: str) -> bool:
        return state in IMPORT_TRANSITIONS.get(self.state, ())

    @classmethod
    def move(
        cls,
        job_id: int,
        state: str,
        changes: dict | None = None,
        from_states: tuple[str, ...] | None = None,
    ) -> bool:
        """Put the job in `state` (with other `changes`) if its stored state may move
        there (and is one of `from_states`, if given); False, and nothing written, if not.
        One UPDATE, so two movers cannot both win."""
        sources = [s for s in states_before(state) if from_states is None or s in from_states]
        return bool(
            cls.update({cls.state: state, **(changes or {})})
            .where((cls.id == job_id) & cls.state.in_(sources))
            .execute()
        )

    def file_phase(self, phase: str | None = None) -> str:
        """The pass whose rows with errors a download lists: the one asked for, else the
        last; an undo's are about customers, not rows of the file, so its import's."""
        phase = phase or self.phase or "verify"
        return "import" if phase == "undo" else phase

    @property
    def fixed_uploads(self) -> list["ImportJob"]:
        """Files of this import's refused rows, fixed and uploaded again."""
        return list(self.retries.order_by(ImportJob.id))

    @property
    def percent(self) -> int:
        if self.state in ("done", "undone"):
            return 100
        done, total = self.progress
        return int(100 * done / total) if total else 0

    @property
    def progress(self) -> tuple[int, int]:
        """How far the pass is: rows of the file, or for an undo, customers."""
        if self.phase == "undo":
            return self.undo_done, self.undo_total
        return self.rows_done, self.rows_total

    @property
    def duration_seconds(self) -> float | None:
        if not self.started_at:
            return None
        return ((self.finished_at or utcnow()) - self.started_at).total_seconds()

    @property
    def rows_per_second(self) -> float | None:
        seconds, (done, _) = self.duration_seconds, self.progress
        return done / seconds if seconds and done else None


class ImportProblem(BaseModel):
    SEVERITIES = ("error", "warning")

    job = ForeignKeyField(ImportJob, backref="problems", on_delete="CASCADE")
    phase = CharField()  # verify | import | undo
    severity = CharField()  # one of SEVERITIES
    line = IntegerField()
    column = CharField()
    value = TextField(default="")
    message = TextField()

    class Meta:
        indexes = ((("job", "phase", "severity", "line"), False),)

    @classmethod
    def on_lines(cls, job_id: int, phase: str, lines) -> list:
        """A pass's problems on some lines (`lines`: a condition on cls.line), as one
        condition per severity. With the severity named, the lines are a range of the
        index; without it, every problem of the pass is read, once per slice of the
        file: half a million problems a thousand times at a million rows."""
        return [
            (cls.job == job_id) & (cls.phase == phase) & (cls.severity == severity) & lines
            for severity in cls.SEVERITIES
        ]


class ImportChunk(BaseModel):
    """A slice of an uploaded file's rows for one verify job (importing/chunks.py):
    their cells, compressed; once judged, the keys its rows touched (conflicts.py). Once
    the file is verified its cells and keys go and it is a piece of the import's work:
    `ordered` if its rows are linked to other chunks' (applied in file order with them;
    the others by any worker, in any order), `applied_line` the last line committed."""

    job = ForeignKeyField(ImportJob, backref="chunks", on_delete="CASCADE")
    number = IntegerField()
    first_line = IntegerField()
    last_line = IntegerField()
    cells = BlobField()
    keys = BlobField(null=True)
    verified = BooleanField(default=False)
    ordered = BooleanField(default=False)
    applied_line = IntegerField(default=0)

    class Meta:
        indexes = ((("job", "number"), True),)


class ImportRow(BaseModel):
    """One row of a file as verify judged it (the staging table): the import applies
    what is staged here and does not read or judge the file again. `ref` names the
    customer a row is about as verify saw it: a system ID ("123"), or the line of this
    file that adds it ("n45")."""

    job = ForeignKeyField(ImportJob, backref="staged_rows", on_delete="CASCADE")
    line = IntegerField()
    action = CharField(null=True)  # add | update | remove; None when unreadable
    ok = BooleanField()  # verify found no error
    ref = CharField(null=True)
    # The customer's version at verify, for the file's first row about it (later rows
    # follow the version the row before them left).
    expected_version = IntegerField(null=True)
    # An add's or update's record (staging.encode), until the import has decided the row.
    record = TextField(null=True)
    # An update's changes as verify foresaw them, for the preview: JSON [[field, old, new]]
    # described and masked as the change history shows them; `fields`: "|email|ssn|".
    changes = TextField(null=True)
    fields = TextField(null=True)
    # Filled in by the import: applied | changed (since verify) | taken (a unique value
    # someone took since verify) | skipped (an earlier row about the customer was not
    # applied), the customer written, its version after, and an update's before-image.
    outcome = CharField(null=True)
    customer_id = IntegerField(null=True)
    version_after = IntegerField(null=True)
    before = TextField(null=True)
    # Filled in by an undo, for every applied row about a customer it handled: reverted |
    # left (changed since the import) | kept (removed by the import: cannot be undone).
    undo = CharField(null=True)

    class Meta:
        indexes = (
            (("job", "line"), True),
            (("job", "ref", "line"), False),
            (("job", "customer_id", "line"), False),  # an undo's customers
        )

    @staticmethod
    def fields_text(names) -> str:
        """What `fields` holds for these field names: each between bars, so that looking
        for one ("|ssn|") never finds it inside another name."""
        return "|" + "".join(f"{name}|" for name in names)
