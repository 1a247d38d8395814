"""RQ doors to the import passes."""

from jobs.app_context import in_app_context
from webapp.importing import runner


@in_app_context
def verify_import(import_id: int) -> str:
    return runner.verify(import_id).state


@in_app_context
def ingest_import(import_id: int) -> str:
    return runner.ingest(import_id).state
