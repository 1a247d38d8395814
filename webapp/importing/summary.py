"""What an import did, as the CLI's --json and the API report it."""

from webapp.models import ImportJob, ImportProblem


def summary(job: ImportJob, phase: str) -> dict:
    verify = phase == "verify"
    problems = (
        ImportProblem.select()
        .where((ImportProblem.job == job) & (ImportProblem.phase == phase))
        .order_by(ImportProblem.line, ImportProblem.id)
    )
    listed = {"error": [], "warning": []}
    for problem in problems:
        listed[problem.severity].append(
            {
                "line": problem.line,
                "column": problem.column,
                "value": problem.value,
                "message": problem.message,
            }
        )
    return {
        "job": job.id,
        "phase": phase,
        "state": job.state,
        "message": job.message,
        "rows": job.rows_total,
        "added": job.would_add if verify else job.added,
        "updated": job.would_update if verify else job.updated,
        "removed": job.would_remove if verify else job.removed,
        "failed": job.failed,
        "errors": listed["error"],
        "warnings": listed["warning"],
    }
