"""Recording what was sent to or received from a customer. Sending is another system's
job; this keeps the record the Communication history section shows."""

from datetime import datetime
from html.parser import HTMLParser

from webapp.models import Communication, Customer
from webapp.models.base import utcnow

CHANNELS = {"sms": "SMS", "email": "Email", "mail": "Mail"}
EMAIL_EXCERPT = 500


_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
}


class _Text(HTMLParser):
    """The readable text of an HTML body: tags dropped, scripts and styles skipped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    return " ".join("".join(parser.parts).split())


def record(
    customer: Customer,
    channel: str,
    body: str,
    *,
    subject: str | None = None,
    direction: str = "outbound",
    tracking_status: str | None = None,
    occurred_at: datetime | None = None,
) -> Communication:
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    excerpt = text_of(body)[:EMAIL_EXCERPT] if channel == "email" else (body or "")
    return Communication.create(
        customer=customer,
        channel=channel,
        direction=direction,
        subject=subject,
        body_excerpt=excerpt,
        tracking_status=tracking_status,
        occurred_at=occurred_at or utcnow(),
    )


def thread(customer: Customer, channel: str):
    order = (
        Communication.occurred_at.asc() if channel == "sms" else Communication.occurred_at.desc()
    )
    return (
        Communication.select()
        .where((Communication.customer == customer) & (Communication.channel == channel))
        .order_by(order, Communication.id)
    )
