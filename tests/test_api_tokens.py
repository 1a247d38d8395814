"""Settings › API tokens: admins create a token (shown once, stored hashed), and revoke it."""

import re

from webapp.models import ApiToken

BASE = "/api/public/api/1/odata.svc"


def test_admin_creates_a_token_that_works_once_shown_and_revokes_it(client, login, statuses):
    login("manager")
    assert client.get("/settings/api-tokens").status_code == 403
    login("admin")
    refused = client.post("/settings/api-tokens", data={"name": "", "role": "boss"})
    page = refused.get_data(as_text=True)
    assert "Name the token" in page and "Choose a role." in page
    created = client.post(
        "/settings/api-tokens", data={"name": "Dialer", "role": "agent"}, follow_redirects=True
    )
    token = re.search(
        r'<code id="new-token" class="mono">([^<]+)</code>', created.get_data(as_text=True)
    ).group(1)
    stored = ApiToken.get()
    assert token.startswith(stored.prefix) and token not in stored.token_hash
    assert token not in client.get("/settings/api-tokens").get_data(as_text=True)
    assert token not in client.get(created.request.full_path).get_data(as_text=True)  # once
    headers = {"Authorization": f"Bearer {token}", "Autopal-Instance-ID": "5200001"}
    assert client.get(f"{BASE}/CustomerStatuses()", headers=headers).status_code == 200
    assert ApiToken.get().last_used_at is not None
    client.post(f"/settings/api-tokens/{stored.id}/revoke")
    assert client.get(f"{BASE}/CustomerStatuses()", headers=headers).status_code == 401
    assert "Revoked" in client.get("/settings/api-tokens").get_data(as_text=True)
