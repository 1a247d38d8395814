"""flask --app webapp import-customers FILE: the import for scripts and operators."""

import json
import time
from pathlib import Path

import click

from webapp.db import db
from webapp.importing import lifecycle, runner
from webapp.importing.reader import FileProblem
from webapp.importing.summary import summary
from webapp.models import ImportJob, User
from webapp.models.imports import RUNNING_STATES


@click.command("import-customers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--verify-only", is_flag=True, help="Check the file; write nothing.")
@click.option(
    "--merge",
    type=click.Choice(["overwrite", "fill-empty"]),
    default="overwrite",
    show_default=True,
    help="How update rows treat values already stored.",
)
@click.option(
    "--refuse-duplicates",
    is_flag=True,
    help="Refuse rows with possible duplicates instead of warning about them.",
)
@click.option("--no-header", is_flag=True, help="The first row is data, in the sample's order.")
@click.option("--sync", is_flag=True, help="Run here instead of on the queue's workers.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@click.option("--user", "username", default=None, help="Whose name the history carries.")
@click.option("--wait", default=3600, show_default=True, help="Seconds to wait for workers.")
def import_customers(
    path, verify_only, merge, refuse_duplicates, no_header, sync, as_json, username, wait
):
    """Verify and import a customer file (CSV or XLSX).

    Exit status: 0 all rows went in, 1 some rows were refused, 2 the file or job failed.
    """
    with db.connection_context():
        user = User.get_or_none(User.username == username) if username else None
        try:
            with open(path, "rb") as stream:
                job = lifecycle.receive(
                    stream, path.name, user, not no_header, merge, refuse_duplicates
                )
        except FileProblem as problem:
            _report({"state": "refused", "message": str(problem)}, as_json)
            raise SystemExit(2) from None
        if job.state == "needs_mapping":
            unmatched = ", ".join(h for _, h in lifecycle.unmatched_headers(job))
            _report(
                {
                    "job": job.id,
                    "state": "needs_mapping",
                    "message": f"Columns not recognised: {unmatched}. Rename them as in the "
                    "sample file, or map them on the Imports page.",
                },
                as_json,
            )
            raise SystemExit(2)
        for phase in ("verify",) if verify_only else ("verify", "import"):
            job = _run(job, phase, sync, wait)
            if job.state not in ("verified", "done"):
                break
        result = summary(job, "verify" if verify_only else job.phase)
    _report(result, as_json)
    raise SystemExit(
        0
        if job.state in ("verified", "done") and not job.failed
        else 1
        if job.state in ("verified", "done")
        else 2
    )


def _run(job: ImportJob, phase: str, sync: bool, wait: int) -> ImportJob:
    if sync:
        return (runner.verify if phase == "verify" else runner.ingest)(job.id)
    lifecycle.start(job, phase)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        job = ImportJob.get_by_id(job.id)
        if job.state not in RUNNING_STATES:
            return job
        time.sleep(0.5)
    raise click.ClickException(
        f"No worker finished import #{job.id} within {wait} s; it "
        "stays queued. Is a worker running (python -m jobs.worker)?"
    )


def _report(result: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
        return
    click.echo(f"{result.get('state')}: {result.get('message') or ''}".rstrip(": "))
    if "rows" in result:
        counts = (
            f"{result['added']:,} to add, {result['updated']:,} to update, "
            f"{result['removed']:,} to remove"
            if result["phase"] == "verify"
            else f"{result['added']:,} added, {result['updated']:,} updated, "
            f"{result['removed']:,} removed"
        )
        click.echo(f"{result['rows']:,} rows: {counts}; {result['failed']:,} refused.")
        for error in result["errors"][:50]:
            click.echo(
                f"  line {error['line']}, {error['column']}: {error['message']}"
                + (f" (was {error['value']!r})" if error["value"] else "")
            )
        if len(result["errors"]) > 50:
            click.echo(f"  … and {len(result['errors']) - 50:,} more")
