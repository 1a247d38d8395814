"""Payment profiles: checks on the numbers, and the number kept out of the database file,
its WAL, the history and the logs."""

import logging
from datetime import date
from pathlib import Path

import pytest

from webapp.models import ChangeEntry, PaymentProfile
from webapp.services.payment_numbers import card_brand, luhn_ok, routing_problem

HX = {"HX-Request": "true"}
CARD = "4111 1111 1111 1111"


@pytest.mark.parametrize(
    "number,ok,brand",
    [
        ("4111111111111111", True, "Visa"),
        ("5555555555554444", True, "Mastercard"),
        ("2223003122003222", True, "Mastercard"),
        ("378282246310005", True, "Amex"),
        ("6011111111111117", True, "Discover"),
        ("4111111111111112", False, "Visa"),
    ],
)
def test_luhn_and_brands(number, ok, brand):
    assert luhn_ok(number) is ok and card_brand(number) == brand


def test_routing_numbers_have_a_check_digit():
    assert routing_problem("021000021") is None  # a published routing number
    assert "mistyped" in routing_problem("021000022")
    assert "9 digits" in routing_problem("12345")


def test_a_card_number_is_kept_nowhere(client, login, make_customer, database_url, caplog):
    caplog.set_level(logging.DEBUG)
    login("agent")
    customer = make_customer()
    url = f"/customers/{customer.id}/payments/card"
    refused = client.post(
        url, data={"number": CARD, "expiry": "01/20", "holder": "D Hicks"}, headers=HX
    ).get_data(as_text=True)
    assert "This card has expired." in refused and "retype the card number" in refused
    assert CARD not in refused and CARD.replace(" ", "") not in refused
    client.post(
        url,
        data={"number": CARD, "expiry": f"12/{date.today().year % 100 + 2}", "holder": "D Hicks"},
        headers=HX,
    )
    profile = PaymentProfile.get()
    assert (profile.kind, profile.brand, profile.last4) == ("card", "Visa", "1111")
    assert profile.token.startswith("tok_card_")
    page = client.get(f"/customers/{customer.id}/payments").get_data(as_text=True)
    assert "Visa ending 1111" in page and "4111111111111111" not in page
    entry = ChangeEntry.get(ChangeEntry.section == "payment profiles")
    assert entry.new_value.startswith("Visa ending 1111")

    digits = CARD.replace(" ", "").encode()
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for stored in (path, path.with_name(path.name + "-wal")):
            if stored.exists():
                assert digits not in stored.read_bytes(), stored
    else:  # PostgreSQL: every text column of every row, as the server returns it
        from webapp.models import ALL_MODELS

        for model in ALL_MODELS:
            for row in model.select().tuples():
                assert CARD.replace(" ", "") not in repr(row)
    assert CARD.replace(" ", "") not in caplog.text and CARD not in caplog.text


def test_bank_account_and_deactivation(client, login, make_customer):
    login("agent")
    customer = make_customer()
    url = f"/customers/{customer.id}/payments/bank"
    text = client.post(
        url,
        data={"routing": "021000022", "account": "12", "account_type": "checking", "holder": ""},
        headers=HX,
    ).get_data(as_text=True)
    for words in ("routing number is mistyped", "4 to 17 digits", "name is needed"):
        assert words in text
    assert 'value="021000022"' in text  # the routing number comes back; the account not
    client.post(
        url,
        data={
            "routing": "021000021",
            "account": "000123456789",
            "account_type": "savings",
            "holder": "David Hicks",
        },
        headers=HX,
    )
    profile = PaymentProfile.get()
    assert profile.last4 == "6789" and "Savings" in profile.brand
    client.post(
        f"/customers/{customer.id}/payments/{profile.id}/active", data={"on": "0"}, headers=HX
    )
    assert not PaymentProfile.get_by_id(profile.id).active
    fields = [
        e.field
        for e in ChangeEntry.select()
        .where(ChangeEntry.section == "payment profiles")
        .order_by(ChangeEntry.id)
    ]
    assert fields == ["Payment profile added", "State · Savings account ending 6789"]
