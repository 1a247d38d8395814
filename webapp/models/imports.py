import json

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from webapp.models.base import BaseModel, utcnow
from webapp.models.users import User

# uploaded -> (needs_mapping ->) ready -> verifying -> verified -> queued -> importing -> done
# and from any running state: failed or cancelled.
IMPORT_STATES = (
    "uploaded",
    "needs_mapping",
    "ready",
    "verifying",
    "verified",
    "queued",
    "importing",
    "done",
    "failed",
    "cancelled",
)
RUNNING_STATES = ("verifying", "queued", "importing")


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
    checkpoint_line = IntegerField(default=0)  # the last line whose chunk is committed
    # The highest customer ID when the pass began: a row names customers by system ID only
    # up to it (the ones the file adds go by import ID), so verify can foresee the import.
    id_ceiling = IntegerField(null=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    message = TextField(null=True)

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
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def duration_seconds(self) -> float | None:
        if not self.started_at:
            return None
        return ((self.finished_at or utcnow()) - self.started_at).total_seconds()

    @property
    def rows_per_second(self) -> float | None:
        seconds = self.duration_seconds
        return self.rows_done / seconds if seconds and self.rows_done else None


class ImportProblem(BaseModel):
    job = ForeignKeyField(ImportJob, backref="problems", on_delete="CASCADE")
    phase = CharField()  # verify | import
    severity = CharField()  # error | warning
    line = IntegerField()
    column = CharField()
    value = TextField(default="")
    message = TextField()

    class Meta:
        indexes = ((("job", "phase", "severity", "line"), False),)
