"""The admins' queue page: counts per state, workers, jobs with what they are about, and
retry / remove / cancel."""

from rq import Queue

from tests.importfiles import csv_bytes, row
from tests.test_imports import uploaded
from webapp.models import ImportJob
from webapp.queueing import redis_connection


def test_only_admins_see_the_queue(client, login):
    login("manager")
    assert client.get("/admin/queue").status_code == 403
    login("admin")
    page = client.get("/admin/queue").get_data(as_text=True)
    assert "No worker is running" in page and "No import is waiting" in page
    assert 'hx-trigger="every 2s"' in page


def test_queued_import_shows_its_file_and_can_be_cancelled(client, login, statuses):
    login("admin")
    job = uploaded(client, csv_bytes([row(importId="Q1")]), name="march.csv")
    client.post(f"/imports/{job.id}/verify")
    live = client.get("/admin/queue/live").get_data(as_text=True)
    assert "march.csv" in live and "Verify upload #" in live
    rq_id = ImportJob.get_by_id(job.id).rq_job_id
    client.post(f"/admin/queue/jobs/{rq_id}/cancel", headers={"HX-Request": "true"})
    assert ImportJob.get_by_id(job.id).state == "cancelled"
    assert Queue("imports", connection=redis_connection()).count == 0


def test_failed_job_shows_its_error_and_can_be_retried_or_removed(client, login, run_worker):
    login("admin")
    queue = Queue("default", connection=redis_connection())
    # A real job that fails in the worker: a payload that is not JSON.
    first = queue.enqueue("json.loads", "{not json", description="Read the dialer's answer")
    second = queue.enqueue("json.loads", "{", description="Read it again")
    run_worker()
    live = client.get("/admin/queue/live").get_data(as_text=True)
    assert "JSONDecodeError: Expecting property name" in live
    assert "Read the dialer&#39;s answer" in live
    assert queue.failed_job_registry.count == 2
    client.post(f"/admin/queue/jobs/{first.id}/retry")
    assert queue.count == 1 and queue.failed_job_registry.count == 1
    client.post(f"/admin/queue/jobs/{second.id}/remove")
    assert queue.failed_job_registry.count == 0
    refused = client.post(f"/admin/queue/jobs/{second.id}/remove", follow_redirects=True)
    assert "That job is gone" in refused.get_data(as_text=True)


def test_jobs_about_one_thing_are_one_row_with_actions_for_them_all(client, login, run_worker):
    login("admin")
    queue = Queue("default", connection=redis_connection())
    for _ in range(5):
        queue.enqueue("json.loads", "{", description="Read the dialer's answer")
    queue.enqueue("json.loads", "[", description="Read the scores")
    run_worker()
    live = client.get("/admin/queue/live").get_data(as_text=True)
    rows = live.split('aria-label="Jobs on default"')[1].split("</table>")[0].count("<tr class=")
    assert rows == 2 and "5 jobs</summary>" in live and "Retry all 6 failed" in live
    answer = client.post("/admin/queue/default/retry-all", headers={"HX-Request": "true"})
    assert "6 jobs on default queued again." in answer.get_data(as_text=True)
    assert queue.count == 6 and queue.failed_job_registry.count == 0
    client.post("/admin/queue/default/cancel-all")
    assert queue.count == 0


def test_failures_are_said_plainly():
    from webapp.services.queue_monitor import plain_error

    timeout = "Traceback ...\nrq.timeouts.JobTimeoutException: Task exceeded 180 seconds"
    assert plain_error(timeout) == "It ran longer than its time limit and was stopped."
    delivery = "Traceback\nwebapp.services.webhooks.DeliveryFailed: The receiver answered 500."
    assert plain_error(delivery) == "The receiver answered 500."
    assert plain_error("x\njson.decoder.JSONDecodeError: bad") == "JSONDecodeError: bad"


def test_remove_all_failed_and_an_unknown_queue(client, login, run_worker):
    login("admin")
    queue = Queue("default", connection=redis_connection())
    for _ in range(3):
        queue.enqueue("json.loads", "{", description="Read it")
    run_worker()
    answer = client.post("/admin/queue/default/remove-all", follow_redirects=True)
    assert "3 jobs on default removed." in answer.get_data(as_text=True)
    assert queue.failed_job_registry.count == 0
    assert client.post("/admin/queue/nonsense/remove-all").status_code == 404
