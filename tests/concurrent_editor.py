"""A second process that edits customers through the service while an import runs, as
agents at forms would: open every form first (read each customer and its version), wait
until the import has passed line THRESHOLD, then save each against the version it read,
from the last customer down (so the import, going up, has passed some and not others).
Prints one JSON line per attempt: saved or refused."""

import json
import random
import sys
import time

from webapp import create_app
from webapp.db import db
from webapp.models import Customer, ImportJob
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record
from webapp.services.customers import update_customer
from webapp.services.versions import StaleVersion


def _past(job_id: int, rows: int) -> bool:
    """Whether the import has committed `rows` rows (or ended). Until it starts, the
    job's rows_done counts what verify judged."""
    job = ImportJob.get_by_id(job_id)
    return job.state == "done" or (job.state == "importing" and job.rows_done >= rows)


def main(job_id: int, threshold: int, ids: list[int]) -> None:
    app = create_app()
    rng = random.Random(5)
    with app.app_context():
        db.connect(reuse_if_open=True)
        forms = []
        for number, customer_id in enumerate(ids):
            customer = Customer.get_by_id(customer_id)
            forms.append(
                (customer, {**read_record(customer), "email": f"agent{number}@example.com"})
            )
        print("forms opened", file=sys.stderr, flush=True)  # the import may start now
        while not _past(job_id, threshold):
            time.sleep(0.01)
        for customer, opened in reversed(forms):
            customer_id = customer.id
            time.sleep(rng.uniform(0, 0.005))
            try:
                update_customer(
                    customer,
                    opened,
                    Actor(None, "agent process"),
                    expected_version=customer.version,
                )
                outcome = "saved"
            except StaleVersion:
                outcome = "refused"
            print(
                json.dumps({"id": customer_id, "email": opened["email"], "outcome": outcome}),
                flush=True,
            )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), [int(a) for a in sys.argv[3:]])
