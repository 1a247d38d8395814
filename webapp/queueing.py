"""The app's Redis connection and RQ queues, shared by the web app and the workers."""

from flask import Flask, current_app
from redis import Redis
from rq import Queue

QUEUE_NAMES = ("imports", "webhooks", "default")

# The workers' entry points (the jobs package), enqueued by dotted name: the web app never
# imports jobs, which imports the web app (tests/test_layering.py holds both to it).
VERIFY_IMPORT = "jobs.imports.verify_import"
VERIFY_CHUNK = "jobs.imports.verify_chunk"
FINISH_VERIFY = "jobs.imports.finish_verify"
NAME_DUPLICATES = "jobs.imports.name_duplicates"
INGEST_IMPORT = "jobs.imports.ingest_import"
APPLY_PIECE = "jobs.imports.apply_piece"
UNDO_IMPORT = "jobs.imports.undo_import"
DISPATCH_EVENTS = "jobs.webhooks.dispatch_events"
DELIVER_EVENT = "jobs.webhooks.deliver_event"


def init_app(app: Flask) -> None:
    app.extensions["redis"] = Redis.from_url(app.config["REDIS_URL"])


def redis_connection() -> Redis:
    return current_app.extensions["redis"]


def queue(name: str = "default") -> Queue:
    return Queue(name, connection=redis_connection())
