"""The Communication history section: SMS thread, email history, mail pieces."""

from flask import request

from webapp.customers.tabs import tab_loader
from webapp.models import Customer
from webapp.services import communications as service


@tab_loader("communications")
def _communications(customer: Customer) -> dict:
    channel = request.args.get("channel", "sms")
    if channel not in service.CHANNELS:
        channel = "sms"
    return {
        "channel": channel,
        "channels": service.CHANNELS,
        "items": list(service.thread(customer, channel)),
    }
