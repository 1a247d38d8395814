"""Settings › OFAC list: admins load the Specially Designated Nationals file."""

from flask import flash, redirect, render_template, request, send_file, url_for

from webapp.auth import role_required
from webapp.models import SdnEntry
from webapp.services import ofac
from webapp.settings import bp


@bp.route("/ofac-list", methods=["GET", "POST"])
@role_required("admin")
def ofac_list():
    problems = []
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            count = ofac.load_sdn_file(upload.read() if upload else b"")
        except ofac.SdnFileRefused as refused:
            problems = [e.message for e in refused.errors]
        else:
            flash(f"Loaded {count:,} names; every check from now on uses this list.", "success")
            return redirect(url_for("settings.ofac_list"))
    return render_template(
        "settings/ofac.html",
        summary=ofac.list_summary(),
        problems=problems,
        first_entries=list(SdnEntry.select().order_by(SdnEntry.id).limit(5)),
    )


@bp.get("/ofac-list/sample.csv")
@role_required("admin")
def ofac_sample():
    return send_file(
        ofac.SAMPLE_FILE, mimetype="text/csv", as_attachment=True, download_name="sdn_sample.csv"
    )
