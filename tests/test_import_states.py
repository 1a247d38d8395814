"""An import's states and what a person may do in each, from the one table in
webapp/models/imports.py: in every state, the page offers an action exactly when its
route accepts it, and a refused action says why and changes nothing."""

import io
import json

import pytest

from webapp.importing.storage import source_path
from webapp.models import ImportJob, ImportRow
from webapp.models.imports import (
    IMPORT_ACTIONS,
    IMPORT_STATES,
    IMPORT_TRANSITIONS,
    states_before,
)

# Every state, with the pass it is in (failed and cancelled jobs differ by it).
STANDINGS = [
    ("uploaded", None),
    ("needs_mapping", None),
    ("ready", None),
    ("queued", "verify"),
    ("queued", "import"),
    ("queued", "undo"),
    ("verifying", "verify"),
    ("verified", "verify"),
    ("importing", "import"),
    ("done", "import"),
    ("undoing", "undo"),
    ("undone", "undo"),
    ("failed", "verify"),
    ("failed", "import"),
    ("cancelled", "verify"),
    ("cancelled", "import"),
    ("failed", "undo"),
    ("cancelled", "undo"),
]

# action: (how the route is asked, its path, where the page offers it)
ROUTES = {
    "map": ("post", "mapping", "job"),
    "verify": ("post", "verify", "job"),
    "import": ("post", "import", "job"),
    "retry": ("post", "retry", "job"),
    "undo": ("post", "undo", "job"),
    "reimport": ("post", "reimport", "job"),
    "cancel": ("post", "cancel", "job"),
    "download_errors": ("get", "errors.csv", "job"),
    "download_original": ("get", "original", "history"),
}


def make_job(state: str, phase: str | None) -> ImportJob:
    job = ImportJob.create(
        original_name="states.csv",
        size=20,
        file_format="csv",
        encoding="utf-8",
        delimiter=",",
        headers=json.dumps(["action", "Notes"]),
        column_map=json.dumps(["action", ""]),
        state=state,
        phase=phase,
        rows_total=1,
        rows_done=1,
        failed=1,  # so the error download is offered wherever the state allows it
    )
    source_path(job).write_text("action,Notes\nadd,x\n")
    # What an import keeps of a row it applied (an undo reads it).
    ImportRow.create(job=job, line=2, ok=True, action="add", outcome="applied", customer_id=1)
    return job


def offered(client, job: ImportJob, action: str) -> bool:
    _, path, where = ROUTES[action]
    page_url = f"/imports/{job.id}" if where == "job" else "/imports/history"
    page = client.get(page_url)
    assert page.status_code == 200
    return f"/imports/{job.id}/{path}" in page.get_data(as_text=True)


def accepted(client, job: ImportJob, action: str) -> bool:
    method, path, _ = ROUTES[action]
    form = {"column-0": "action", "column-1": ""} if action == "map" else {}
    if action == "reimport":  # the fixed rows
        form = {"file": (io.BytesIO(b"action,firstName\nadd,Fixed\n"), "fixed.csv")}
    if method == "post":
        response = client.post(f"/imports/{job.id}/{path}", data=form)
    else:
        response = client.get(f"/imports/{job.id}/{path}")
    assert response.status_code in (200, 302), response.status_code
    with client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    refused = [text for kind, text in flashes if kind == "error"]
    if refused:
        assert response.status_code == 302
        assert response.location.endswith(f"/imports/{job.id}")
        return False
    if method == "get":
        assert response.status_code == 200 and response.mimetype == "text/csv"
    return True


def test_the_tables_name_only_known_states():
    for state, after in IMPORT_TRANSITIONS.items():
        assert state in IMPORT_STATES and set(after) <= set(IMPORT_STATES)
    assert set(IMPORT_TRANSITIONS) == set(IMPORT_STATES)
    for action, where in IMPORT_ACTIONS.items():
        for standing in where:
            assert standing.split("/")[0] in IMPORT_STATES, (action, standing)
    assert states_before("done") == ("importing",)


@pytest.mark.parametrize("state,phase", STANDINGS, ids=[f"{s}-{p}" for s, p in STANDINGS])
def test_page_offers_an_action_exactly_when_its_route_accepts_it(client, login, app, state, phase):
    login("admin")
    for action in IMPORT_ACTIONS:
        job = make_job(state, phase)  # a fresh one each time: an accepted action moves it
        allowed = job.allows(action)
        assert offered(client, job, action) is allowed, (action, "offered")
        assert accepted(client, job, action) is allowed, (action, "accepted")
        after = ImportJob.get_by_id(job.id)
        if not allowed:
            assert (after.state, after.phase) == (state, phase), action
        elif action in ("verify", "import", "retry", "undo"):
            assert after.state == "queued" and after.rq_job_id, action
            assert after.phase == {"retry": phase}.get(action, action), action
        elif action == "reimport":
            fixed = ImportJob.select().order_by(ImportJob.id.desc()).get()
            assert fixed.retry_of_id == job.id and fixed.state == "ready"
            assert (after.state, after.phase) == (state, phase)
        elif action == "map":
            assert after.state == "ready"
        elif action == "cancel" and state == "queued":
            assert after.state == "cancelled"


def test_queued_job_that_a_worker_took_meanwhile_is_stopped_not_marked(client, login, app):
    """The cancel was allowed when the page was drawn; the job moved on since."""
    from webapp.importing import lifecycle

    job = make_job("queued", "verify")
    stale = ImportJob.get_by_id(job.id)
    ImportJob.update(state="verifying").where(ImportJob.id == job.id).execute()
    assert lifecycle.cancel(stale).startswith("Stopping once the rows each worker has in hand")
    assert ImportJob.get_by_id(job.id).state == "verifying"
    assert lifecycle.cancel_requested(job.id)


def test_the_runner_leaves_a_job_whose_state_does_not_allow_the_pass(app):
    from webapp.importing import runner

    for state in ("cancelled", "done", "needs_mapping"):
        job = make_job(state, "verify")
        assert runner.verify(job.id).state == state
        assert runner.ingest(job.id).state == state
