"""What a listening webhook costs an import that changes every customer's status.

    python bench/webhook_bench.py               # 100k customers
    python bench/webhook_bench.py --rows 20000

Sets up N customers (not measured), then imports two status-change files of N update
rows each: the first with no webhook, the second with one listening to
customer.status_changed and customer.updated, so each row also writes two events to the
outbox (and each chunk queues a dispatch job in Redis). Prints both rates and the
slowdown, which the target puts at no more than 10%; then times the dispatch job that
turns the events into delivery jobs (done by the webhooks queue, not by the import).
Uses Redis database 13 (REDIS_URL to change it), emptied before and after.
"""

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "tools" / "gen_customers.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="webhook-bench-")
    os.environ.update(INSTANCE_PATH=folder, DATABASE_URL=f"sqlite:///{folder}/bench.db")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    os.environ["WEBHOOK_ALLOW_PRIVATE"] = "1"  # the webhook's URL is never called here
    sys.path.insert(0, str(ROOT))
    from webapp import create_app
    from webapp.db import db
    from webapp.queueing import redis_connection
    from webapp.schema import upgrade
    from webapp.services import webhooks
    from webapp.services.statuses import create_status

    app = create_app()
    with app.app_context(), db.connection_context():
        redis_connection().flushdb()
        upgrade()
        create_status("Active", make_default=True)
        create_status("Inactive")
        adds = Path(folder) / "adds.csv"
        import subprocess

        subprocess.run([sys.executable, str(GENERATOR), str(args.rows), str(adds)], check=True)
        _import(adds)
        keys = _import_ids(adds)
        quiet = _ingest_seconds(_status_file(folder, keys, "Inactive"))
        print(f"no webhook:   {args.rows / quiet:,.0f} rows/s ({quiet:.1f} s)", flush=True)
        webhooks.save_webhook(
            None,
            "http://127.0.0.1:9/hook",
            "bench-secret-0123456789",
            ["customer.status_changed", "customer.updated"],
            True,
        )
        listened = _ingest_seconds(_status_file(folder, keys, "Active"))
        from webapp.models import OutboundEvent

        events = OutboundEvent.select().count()
        print(
            f"with webhook: {args.rows / listened:,.0f} rows/s ({listened:.1f} s), "
            f"{events:,} events in the outbox",
            flush=True,
        )
        print(f"slowdown: {(listened / quiet - 1) * 100:+.1f}% (target: at most +10%)")
        started = time.perf_counter()
        queued = webhooks.dispatch_events()
        seconds = time.perf_counter() - started
        print(
            f"dispatch (webhooks queue): {queued:,} delivery jobs queued in {seconds:.1f} s "
            f"({queued / seconds:,.0f}/s)"
        )
        redis_connection().flushdb()


def _import(path: Path) -> None:
    from webapp.importing import lifecycle, runner

    with open(path, "rb") as stream:
        job = lifecycle.receive(stream, path.name, None)
    runner.verify(job.id)
    done = runner.ingest(job.id)
    assert done.state == "done", done.message


def _ingest_seconds(path: Path) -> float:
    from webapp.importing import lifecycle, runner

    with open(path, "rb") as stream:
        job = lifecycle.receive(stream, path.name, None)
    runner.verify(job.id)
    started = time.perf_counter()
    done = runner.ingest(job.id)
    seconds = time.perf_counter() - started
    assert done.state == "done" and done.updated > 0, (done.state, done.message)
    return seconds


def _import_ids(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [row["importId"] for row in csv.DictReader(handle) if row.get("importId")]


def _status_file(folder: str, keys: list[str], status: str) -> Path:
    path = Path(folder) / f"status-{status}.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["action", "customerId", "status"])
        writer.writerows(["update", key, status] for key in keys)
    return path


if __name__ == "__main__":
    main()
