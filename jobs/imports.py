"""RQ doors to the import passes: verify (split, a job per chunk, a last step, a job
per part of the possible duplicates), the import (a job per piece), and its undo."""

from jobs.app_context import in_app_context
from webapp.importing import runner, undo, verification


@in_app_context
def verify_import(import_id: int) -> None:
    verification.split_and_fan_out(import_id)


@in_app_context
def verify_chunk(import_id: int, number: int) -> None:
    verification.verify_chunk(import_id, number)


@in_app_context
def finish_verify(import_id: int) -> str:
    return verification.finish(import_id).state


@in_app_context
def name_duplicates(import_id: int, part: int) -> None:
    verification.name_duplicates(import_id, part)


@in_app_context
def ingest_import(import_id: int) -> None:
    runner.fan_out(import_id)


@in_app_context
def apply_piece(import_id: int, piece: int, key: str) -> None:
    runner.apply_piece(import_id, piece, key)


@in_app_context
def undo_import(import_id: int) -> str:
    return undo.undo(import_id).state
