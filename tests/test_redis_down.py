"""With Redis not answering, the pages that need it say so plainly (503), and creating
an API token writes nothing it could not show."""

import pytest
from redis import Redis

from webapp.models import ApiToken


@pytest.fixture
def redis_down(app, monkeypatch):
    """The app's Redis is a port where nothing listens."""
    monkeypatch.setitem(
        app.extensions, "redis", Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    )


def test_pages_that_need_redis_say_it_is_not_answering(admin, redis_down):
    page = admin.get("/admin/queue")
    assert page.status_code == 503
    assert "job queue (Redis), which is not answering" in page.get_data(as_text=True)


def test_a_token_is_not_created_when_it_could_not_be_shown(admin, redis_down):
    response = admin.post("/settings/api-tokens", data={"name": "Dialer", "role": "agent"})
    assert response.status_code == 503
    assert ApiToken.select().count() == 0
