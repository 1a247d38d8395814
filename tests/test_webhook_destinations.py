"""Where a webhook delivery may go: never along a redirect, only to the address that was
checked (a DNS answer that changes after the check does not move it), and never to an
IPv6 address that carries a private IPv4 one."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webapp.models import Webhook, WebhookDelivery
from webapp.services import webhooks

SECRET = "whsec_test_secret_0123456789"


def serve(status: int, body: bytes, headers: dict | None = None):
    """A receiver on 127.0.0.1 answering every request alike; returns (url, requests)."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            requests.append(self.path)
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer  # noqa: N815 (http.server's names)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", requests


@pytest.fixture
def receivers():
    servers = []

    def start(*args, **kwargs):
        server, url, requests = serve(*args, **kwargs)
        servers.append(server)
        return url, requests

    yield start
    for server in servers:
        server.shutdown()


def deliver(hook: Webhook) -> WebhookDelivery:
    with pytest.raises(webhooks.DeliveryFailed):
        webhooks.deliver(hook.id, "evt-1", '{"event": "test"}', "customer.created", 1)
    return WebhookDelivery.get(WebhookDelivery.webhook == hook)


def test_a_redirect_is_not_followed_and_its_target_never_read(app, receivers):
    """A 302 to an inside address (cloud metadata, say) is a failed attempt naming its
    Location; nothing is fetched from there, and nothing of it lands in the log."""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # both servers listen on 127.0.0.1
    inside, inside_requests = receivers(200, b"instance-secret-token")
    outside, _ = receivers(302, b"", {"Location": f"{inside}/latest/meta-data"})
    hook = Webhook.create(url=f"{outside}/hooks", secret=SECRET, events="customer.created")

    delivery = deliver(hook)

    assert inside_requests == []
    assert delivery.status_code == 302
    assert f"{inside}/latest/meta-data" in delivery.error and "not followed" in delivery.error
    assert "instance-secret-token" not in (delivery.response_excerpt or "")


def test_the_connection_goes_to_the_address_that_was_checked(app, monkeypatch):
    """DNS rebinding: the name answers a public address for the check, then a private
    one. The connection must go to the checked address, resolved once."""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    answers = iter(["93.184.216.34"] + ["127.0.0.1"] * 10)
    resolved, connected = [], []

    def rebinding_getaddrinfo(host, port, *args, **kwargs):
        resolved.append(host)
        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 80))]

    def recording_connection(address, *args, **kwargs):
        connected.append(address)
        raise ConnectionRefusedError("refused in the test")

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", recording_connection)
    hook = Webhook.create(
        url="http://hooks.rebinding.example/h", secret=SECRET, events="customer.created"
    )

    delivery = deliver(hook)

    assert resolved == ["hooks.rebinding.example"]
    assert connected == [("93.184.216.34", 80)]
    assert delivery.status_code is None and "refused" in delivery.error


def resolves_to(monkeypatch, address: str) -> None:
    answer = [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, 443, 0, 0))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answer)


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
        "64:ff9b:1::7f00:1",  # local-use NAT64 of 127.0.0.1
        "::ffff:10.0.0.1",  # IPv4-mapped
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    ],
)
def test_ipv6_forms_of_private_ipv4_addresses_are_refused(app, monkeypatch, address):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    resolves_to(monkeypatch, address)
    problem = webhooks.destination_problem("https://hooks.example/h")
    assert problem and "private network" in problem, address


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111"])
def test_ipv6_forms_of_public_addresses_are_allowed(app, monkeypatch, address):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    resolves_to(monkeypatch, address)
    assert webhooks.destination_problem("https://hooks.example/h") is None
