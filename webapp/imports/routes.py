from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from htmx_flask import make_response as htmx_response

from webapp.importing import heartbeat, lifecycle, preview, samples, undo
from webapp.importing.columns import suggestions
from webapp.importing.error_file import error_rows
from webapp.importing.reader import FileProblem, FileShape
from webapp.importing.storage import source_path
from webapp.imports import bp
from webapp.imports.forms import FileForm, UploadForm
from webapp.lookups import get_or_404
from webapp.models import ImportJob, ImportProblem
from webapp.rules.customer_fields import (
    ACTION,
    CUSTOMER_FIELDS,
    CUSTOMER_ID,
    FIELDS_BY_NAME,
    IMPORT_COLUMNS,
    defaults,
)
from webapp.templating import page_or_partial

PROBLEMS_PER_PAGE = 50


@bp.get("/instructions")
def instructions():
    return render_template(
        "imports/instructions.html",
        specs=[ACTION, CUSTOMER_ID, *CUSTOMER_FIELDS],
        defaults=defaults(current_app.config["DEFAULT_CUSTOMER_TYPE"]),
    )


@bp.get("/samples/<name>")
def sample(name: str):
    files = {
        "customerInfoSample.csv": samples.headers_only,
        "customerInfoExamples.csv": samples.with_examples,
    }
    if name not in files:
        abort(404)
    return Response(
        files[name](),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@bp.get("")
def index():
    lifecycle.remove_old_files()  # each visit of the page: no scheduler needed
    return render_template("imports/index.html", form=UploadForm(), jobs=_recent())


@bp.get("/history")
def history():
    """Polled by the imports page; opened on its own (a reload), it is that page."""
    if request.htmx:
        return render_template("imports/_history.html", jobs=_recent())
    return index()


@bp.post("")
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("imports/index.html", form=form, jobs=_recent()), 400
    upload = form.file.data
    try:
        job = lifecycle.receive(
            upload.stream,
            upload.filename or "upload",
            current_user,
            form.has_header.data,
            form.merge_mode.data,
            form.refuse_duplicates.data,
        )
    except FileProblem as problem:
        form.file.errors.append(str(problem))
        return render_template("imports/index.html", form=form, jobs=_recent()), 400
    return _received(job)


def _received(job: ImportJob):
    if job.state == "needs_mapping":
        return redirect(url_for("imports.mapping", job_id=job.id))
    flash(f"Uploaded {job.original_name}. Verify it to see what it would do.", "success")
    return redirect(url_for("imports.job", job_id=job.id))


@bp.route("/<int:job_id>/mapping", methods=["GET", "POST"])
def mapping(job_id: int):
    job = get_or_404(ImportJob, job_id)
    if not job.allows("map"):
        return _refused(job, "map")
    if request.method == "POST":
        chosen = [request.form.get(f"column-{i}", "") for i in range(len(job.header_cells))]
        chosen = [name if name in IMPORT_COLUMNS else "" for name in chosen]
        duplicates = {n for n in chosen if n and chosen.count(n) > 1}
        if duplicates or "action" not in chosen:
            flash(
                "Each field can take one column, and the action column is needed."
                if duplicates or "action" in chosen
                else "Choose which column holds the action (add, update or remove).",
                "error",
            )
        else:
            try:
                lifecycle.set_mapping(job, chosen, confirmed=True)
            except lifecycle.ImportRefused as refused:
                flash(str(refused), "error")
            return redirect(url_for("imports.job", job_id=job.id))
    taken = {name for name in job.mapping if name}
    rows = [
        (i, header, job.mapping[i], suggestions(header, taken) if not job.mapping[i] else [])
        for i, header in enumerate(job.header_cells)
    ]
    return render_template(
        "imports/mapping.html",
        job=job,
        rows=rows,
        fields=[FIELDS_BY_NAME[n] for n in IMPORT_COLUMNS],
    )


@bp.get("/<int:job_id>")
def job(job_id: int):
    return render_template("imports/job.html", **_job_page(get_or_404(ImportJob, job_id)))


def _job_page(job: ImportJob) -> dict:
    # After verify, what the updates will change (and after the import, what they did).
    shown = job.would_update > 0 and job.state in ("verified", "done")
    return {
        **(_preview(job) if shown else {}),
        "preview_shown": shown,
        "undo_plan": undo.plan(job.id) if job.allows("undo") else None,
        "reimport_form": FileForm() if job.allows("reimport") and job.failed else None,
        "job": job,
        **_problem_page(job),
        "shape": FileShape(job.file_format, job.encoding, job.delimiter),
        "missing": lifecycle.missing_columns(job),
        "ignored": lifecycle.unmatched_headers(job),
        "lost": heartbeat.worker_lost(job),
    }


@bp.get("/<int:job_id>/progress")
def progress(job_id: int):
    job = get_or_404(ImportJob, job_id)
    if not request.htmx:  # polled by the job page; opened on its own, it is that page
        return redirect(url_for("imports.job", job_id=job.id))
    # Finished while watched: htmx reloads the page, with the results.
    return htmx_response(
        render_template(
            "imports/_progress.html",
            job=job,
            position=lifecycle.queue_position(job),
            lost=heartbeat.worker_lost(job),
            polled=True,
        ),
        refresh=bool(request.args.get("watching")) and not job.running,
    )


@bp.get("/<int:job_id>/problems")
def problems(job_id: int):
    job = get_or_404(ImportJob, job_id)
    # The whole page (a reload, a link opened apart) needs all of the job page's parts.
    return page_or_partial("imports/job.html", "imports/_problems.html", **_job_page(job))


@bp.post("/<int:job_id>/verify")
def verify(job_id: int):
    return _start(get_or_404(ImportJob, job_id), "verify")


@bp.post("/<int:job_id>/import")
def ingest(job_id: int):
    return _start(get_or_404(ImportJob, job_id), "import")


@bp.post("/<int:job_id>/cancel")
def cancel(job_id: int):
    job = get_or_404(ImportJob, job_id)
    if not job.allows("cancel"):
        return _refused(job, "cancel")
    try:
        flash(lifecycle.cancel(job), "info")
    except lifecycle.ImportRefused as refused:  # it finished meanwhile
        flash(str(refused), "error")
    return redirect(url_for("imports.job", job_id=job.id))


@bp.post("/<int:job_id>/undo")
def undo_import(job_id: int):
    job = get_or_404(ImportJob, job_id)
    return _queue(
        job,
        "undo",
        lambda: lifecycle.start(job, "undo", by=current_user),
        f"Undo of import #{job.id} queued.",
    )


@bp.post("/<int:job_id>/reimport")
def reimport(job_id: int):
    """The refused rows of a finished import, fixed, as a new file linked to it."""
    original = get_or_404(ImportJob, job_id)
    if not original.allows("reimport"):
        return _refused(original, "reimport")
    form = FileForm()
    problem = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            job = lifecycle.receive(
                upload.stream,
                upload.filename or "upload",
                current_user,
                merge_mode=original.merge_mode,
                refuse_duplicates=original.refuse_duplicates,
                retry_of=original,
            )
        except FileProblem as refused:
            problem = str(refused)
        else:
            return _received(job)
    else:
        problem = " ".join(form.file.errors) or "The upload was refused; try again."
    flash(f"The fixed file was not uploaded: {problem}", "error")
    return redirect(url_for("imports.job", job_id=original.id))


@bp.post("/<int:job_id>/retry")
def retry(job_id: int):
    job = get_or_404(ImportJob, job_id)
    return _queue(
        job,
        "retry",
        lambda: lifecycle.retry(job),
        "Queued again; it goes on after the last committed line.",
    )


@bp.get("/<int:job_id>/original")
def original(job_id: int):
    job = get_or_404(ImportJob, job_id)
    if not job.allows("download_original"):
        return _refused(job, "download_original")
    if not source_path(job).exists():
        abort(404)
    return send_file(source_path(job), as_attachment=True, download_name=job.original_name)


@bp.get("/<int:job_id>/errors.csv")
def error_file(job_id: int):
    job = get_or_404(ImportJob, job_id)
    if not job.allows("download_errors"):
        return _refused(job, "download_errors")
    if not source_path(job).exists():
        abort(404)
    phase = job.file_phase(request.args.get("phase"))
    name = f"errors-{job.id}-{phase}.csv"
    return Response(
        stream_with_context(error_rows(job, phase)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@bp.get("/<int:job_id>/preview")
def preview_page(job_id: int):
    job = get_or_404(ImportJob, job_id)
    return page_or_partial("imports/preview.html", "imports/_preview.html", **_preview(job))


@bp.get("/<int:job_id>/preview.csv")
def preview_file(job_id: int):
    job = get_or_404(ImportJob, job_id)
    field = _preview_field()
    name = f"changes-{job.id}{'-' + field if field else ''}.csv"
    return Response(
        stream_with_context(preview.csv_lines(job.id, field)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


def _preview_field() -> str | None:
    """The field filter, if it names a field (anything else shows every change)."""
    field = request.args.get("field") or None
    return field if field in FIELDS_BY_NAME else None


def _preview(job: ImportJob) -> dict:
    field = _preview_field()
    after = request.args.get("after", 0, type=int)
    rows, more = preview.page(job.id, field, max(after, 0))
    return {
        "job": job,
        "rows": rows,
        "more": more,
        "after": after,
        "field": field,
        "fields": preview.fields_changing(),
        "total": preview.count(job.id, field),
    }


def _start(job: ImportJob, phase: str):
    return _queue(job, phase, lambda: lifecycle.start(job, phase))


def _queue(job: ImportJob, action: str, run, queued: str | None = None):
    """Queue a pass if the job's state allows `action`; said either way."""
    if not job.allows(action):
        return _refused(job, action)
    try:
        run()
    except lifecycle.ImportRefused as refused:  # its state changed meanwhile, or file gone
        flash(str(refused), "error")
    else:
        if queued:
            flash(queued, "info")
    return redirect(url_for("imports.job", job_id=job.id))


def _refused(job: ImportJob, action: str):
    """An action the job's state does not allow (IMPORT_ACTIONS): said, nothing done."""
    flash(str(lifecycle.refusal(job, action)), "error")
    return redirect(url_for("imports.job", job_id=job.id))


def _problem_page(job: ImportJob) -> dict:
    phase = request.args.get("phase") or job.phase or "verify"
    severity = request.args.get("severity", "error")
    query = (
        ImportProblem.select()
        .where(
            (ImportProblem.job == job)
            & (ImportProblem.phase == phase)
            & (ImportProblem.severity == severity)
        )
        .order_by(ImportProblem.line, ImportProblem.id)
    )
    total = query.count()
    pages = max(-(-total // PROBLEMS_PER_PAGE), 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return {
        "problems": list(query.paginate(page, PROBLEMS_PER_PAGE)),
        "problem_total": total,
        "problem_page": page,
        "problem_pages": pages,
        "phase": phase,
        "severity": severity,
        "labels": FIELDS_BY_NAME,
    }


def _recent():
    return list(ImportJob.select().order_by(ImportJob.id.desc()).limit(50))
