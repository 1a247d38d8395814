"""Customer statuses: exactly one default, in-use ones only deactivated, htmx table."""

import pytest

from webapp.models import CustomerStatus
from webapp.services import statuses as service

HTMX = {"HX-Request": "true"}


def default_titles():
    return [s.title for s in CustomerStatus.select().where(CustomerStatus.is_default == True)]  # noqa: E712


def test_first_status_becomes_default_and_there_is_only_ever_one(app):
    first = service.create_status("Active")
    second = service.create_status("SCRA")
    assert default_titles() == ["Active"]
    service.set_default(second)
    assert default_titles() == ["SCRA"]
    service.create_status("Bankruptcy", make_default=True)
    assert default_titles() == ["Bankruptcy"]
    assert first.id < second.id


def test_names_are_unique_without_case_and_not_blank(statuses):
    with pytest.raises(service.StatusRefused, match="already a status called"):
        service.create_status("active")
    with pytest.raises(service.StatusRefused, match="needs a name"):
        service.create_status("   ")
    with pytest.raises(service.StatusRefused, match="already a status"):
        service.rename_status(statuses["Inactive"], "BANKRUPTCY")
    assert service.rename_status(statuses["Inactive"], "  Closed   out ").title == "Closed out"


def test_in_use_status_cannot_be_deleted_only_deactivated(statuses, make_customer):
    make_customer(status="Bankruptcy")
    with pytest.raises(service.StatusRefused, match="held by 1 customer; deactivate"):
        service.delete_status(statuses["Bankruptcy"])
    service.set_active(statuses["Bankruptcy"], False)
    assert not CustomerStatus.get_by_id(statuses["Bankruptcy"].id).active
    service.delete_status(statuses["Inactive"])
    assert CustomerStatus.get_or_none(CustomerStatus.title == "Inactive") is None


def test_default_cannot_be_deactivated_or_deleted_and_inactive_cannot_be_default(statuses):
    with pytest.raises(service.StatusRefused, match="make another status the default"):
        service.set_active(statuses["Active"], False)
    with pytest.raises(service.StatusRefused, match="default status"):
        service.delete_status(statuses["Active"])
    service.set_active(statuses["Inactive"], False)
    with pytest.raises(service.StatusRefused, match="reactivate it"):
        service.set_default(statuses["Inactive"])


def test_page_lists_ids_and_htmx_actions_return_the_table(client, login, statuses, make_customer):
    make_customer()
    login("manager")
    page = client.get("/settings/statuses").get_data(as_text=True)
    assert f'<td class="mono">{statuses["Bankruptcy"].id}</td>' in page
    partial = client.post(
        f"/settings/statuses/{statuses['Active'].id}/delete", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in partial and 'id="statuses"' in partial
    assert "is held by 1 customer" in partial
    partial = client.post(
        "/settings/statuses",
        data={"title": "SCRA", "make_default": "1"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "Added “SCRA”" in partial and default_titles() == ["SCRA"]


def test_plain_posts_redirect_back_with_a_message(client, login, statuses):
    login("manager")
    response = client.post(
        f"/settings/statuses/{statuses['Inactive'].id}/active", data={"active": "0"}
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "“Inactive” is inactive" in page


def test_a_status_named_with_braces_can_be_renamed(client, login, statuses):
    """The rename message is a template; a name with { } in it is text in it."""
    login("manager")
    status = statuses["Inactive"]
    assert (
        client.post(f"/settings/statuses/{status.id}/rename", data={"title": "{x} }"}).status_code
        < 400
    )
    renamed = client.post(f"/settings/statuses/{status.id}/rename", data={"title": "Closed"})
    assert renamed.status_code < 400
    page = client.get("/settings/statuses", follow_redirects=True).get_data(as_text=True)
    assert "Renamed “{x} }” to “Closed”." in page


def test_a_new_tenant_starts_with_the_standard_statuses_in_their_colours(app):
    service.ensure_standard_statuses()
    colours = {s.title: s.colour for s in CustomerStatus.select()}
    assert colours == service.STANDARD_STATUSES
    assert colours["Bankruptcy"] != colours["Active"]


def test_each_status_has_a_colour_from_the_palette(client, login, statuses, make_customer):
    """Bankruptcy must not look like Active: the standard list comes coloured, a manager
    recolours from the palette (and nothing else), and every badge shows it."""
    from webapp.models import STATUS_COLOURS

    customer = make_customer()
    login("manager")
    scra = service.create_status("Military leave", colour="blue")
    assert scra.colour == "blue"
    with pytest.raises(service.StatusRefused, match="Choose one of the colours"):
        service.create_status("Odd", colour="#ff00ff")
    answer = client.post(
        f"/settings/statuses/{scra.id}/colour", data={"colour": "red"}, headers=HTMX
    ).get_data(as_text=True)
    assert "is now red" in answer and 'class="badge status-red">Military leave' in answer
    refused = client.post(
        f"/settings/statuses/{scra.id}/colour", data={"colour": "chartreuse"}, headers=HTMX
    ).get_data(as_text=True)
    assert "Choose one of the colours" in refused
    assert CustomerStatus.get_by_id(scra.id).colour == "red"
    status = CustomerStatus.get_by_id(customer.status_id)
    assert status.colour in STATUS_COLOURS
    badge = f'class="badge status-{status.colour}">{status.title}'
    assert badge in client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert badge in client.get("/customers").get_data(as_text=True)
