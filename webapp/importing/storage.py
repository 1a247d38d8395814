"""Uploaded import files live under the instance folder, named by job ID, never by the
name the user's file had."""

from pathlib import Path

from flask import current_app


def import_dir() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def source_path(job) -> Path:
    return import_dir() / f"{job.id}.{job.file_format}"


def upload_path(job_id: int) -> Path:
    return import_dir() / f"{job_id}.upload"
