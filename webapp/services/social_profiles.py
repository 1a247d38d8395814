"""Social profiles on Contact information: where the customer can be found online."""

from webapp.db import db
from webapp.models import SOCIAL_NETWORKS, Customer, SocialProfile
from webapp.rules.spec import FieldError
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.refusal import Refused


class SocialProfileRefused(Refused):
    """A profile without a network or an address."""


def add_profile(customer: Customer, network: str, address: str, actor: Actor) -> SocialProfile:
    address = (address or "").strip()
    errors = []
    if network not in SOCIAL_NETWORKS:
        errors.append(FieldError("network", "Choose the network."))
    if not address:
        errors.append(FieldError("address", "Give the profile's web address or handle."))
    elif len(address) > 255 or any(c.isspace() for c in address):
        errors.append(
            FieldError(
                "address",
                "A profile address is one word of up to 255 characters (a link or an @handle).",
            )
        )
    if errors:
        raise SocialProfileRefused(errors)
    with db.atomic():
        profile = SocialProfile.create(customer=customer, network=network, address=address)
        history.record_section_change(
            customer.id, actor, "contact", "Social profile added", "", describe(profile)
        )
    return profile


def remove_profile(profile: SocialProfile, actor: Actor) -> None:
    with db.atomic():
        profile.delete_instance()
        history.record_section_change(
            profile.customer_id, actor, "contact", "Social profile removed", describe(profile), ""
        )


def describe(profile: SocialProfile) -> str:
    return f"{SOCIAL_NETWORKS[profile.network]}: {profile.address}"


def link(profile: SocialProfile) -> str | None:
    """A link worth rendering as <a href>: only http(s) addresses (never javascript:)."""
    return profile.address if profile.address.startswith(("https://", "http://")) else None
