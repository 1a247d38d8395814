"""A job that proves a worker can reach the database and Redis with the app's config."""

from jobs.app_context import in_app_context
from webapp.models import Customer


@in_app_context
def count_customers() -> int:
    return Customer.select().count()
