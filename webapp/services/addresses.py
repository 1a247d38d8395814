"""Address checks that run offline: US ZIP codes from the packaged `zipcodes` data set,
Canadian postal codes by shape and by the province their first letter belongs to."""

import re

import zipcodes

from webapp.db import db
from webapp.models import Address
from webapp.services import history
from webapp.services.actor import Actor

NOT_FOUND = "Error: Address Not Found"
# The first letter of a Canadian postal code names its province or territory.
_CA_FIRST_LETTER = {
    "A": ("NL",),
    "B": ("NS",),
    "C": ("PE",),
    "E": ("NB",),
    "G": ("QC",),
    "H": ("QC",),
    "J": ("QC",),
    "K": ("ON",),
    "L": ("ON",),
    "M": ("ON",),
    "N": ("ON",),
    "P": ("ON",),
    "R": ("MB",),
    "S": ("SK",),
    "T": ("AB",),
    "V": ("BC",),
    "X": ("NT", "NU"),
    "Y": ("YT",),
}
_CA_POSTAL = re.compile(r"([A-Z]\d[A-Z]) ?(\d[A-Z]\d)")


def decode(code: str) -> dict | None:
    """{"city", "state", "country"} for a ZIP or postal code, or None when unknown."""
    code = (code or "").strip().upper()
    if re.fullmatch(r"\d{5}(-\d{4})?", code):
        found = [z for z in zipcodes.matching(code[:5]) if z["active"]]
        if found:
            return {"city": found[0]["city"], "state": found[0]["state"], "country": "usa"}
        return None
    match = _CA_POSTAL.fullmatch(code)
    if match and match[1][0] in _CA_FIRST_LETTER:
        return {"city": None, "state": _CA_FIRST_LETTER[match[1][0]][0], "country": "can"}
    return None


def problem_with(address: Address) -> str | None:
    """Why the state, ZIP and city do not agree, or None when they do."""
    if address.country == "can":
        match = _CA_POSTAL.fullmatch(address.zipcode or "")
        if not match or address.state not in _CA_FIRST_LETTER.get(match[1][0], ()):
            return f"{NOT_FOUND}: postal code {address.zipcode} is not in {address.state}."
        return None
    found = [z for z in zipcodes.matching((address.zipcode or "")[:5]) if z["active"]]
    if not found:
        return f"{NOT_FOUND}: there is no ZIP code {address.zipcode}."
    places = [z for z in found if z["state"] == address.state]
    if not places:
        return (
            f"{NOT_FOUND}: ZIP code {address.zipcode} is in {found[0]['state']}, "
            f"not {address.state}."
        )
    city = (address.city or "").casefold()
    names = {n.casefold() for z in places for n in [z["city"], *z["acceptable_cities"]]}
    if city not in names:
        return (
            f"{NOT_FOUND}: ZIP code {address.zipcode} belongs to {places[0]['city']}, "
            f"not {address.city}."
        )
    return None


def verify(address: Address, actor: Actor) -> str | None:
    """Mark the address verified and validated, or return why it cannot be."""
    problem = problem_with(address)
    if problem is None and not (address.verified and address.validated):
        with db.atomic():
            address.verified = address.validated = True
            address.save()
            history.record_section_change(
                address.customer_id,
                actor,
                "addresses",
                f"{address.kind.capitalize()} address verified",
                "Not verified",
                "Verified",
            )
    return problem
