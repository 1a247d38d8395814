from flask_login import UserMixin
from peewee import BooleanField, CharField, DateTimeField, IntegerField

from webapp.models.base import BaseModel, utcnow

ROLES = ("agent", "manager", "admin")


class User(UserMixin, BaseModel):
    """A person who signs in to the back office (not a customer's web login)."""

    username = CharField(unique=True)
    display_name = CharField(default="")
    password_hash = CharField()
    role = CharField(choices=[(r, r) for r in ROLES])
    active = BooleanField(default=True)
    is_demo = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    # Sessions signed in under another generation are over (services.sessions).
    session_generation = IntegerField(default=0)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def has_role(self, role: str) -> bool:
        """Roles are ranked: a manager may do what an agent may, an admin everything."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def name(self) -> str:
        return self.display_name or self.username
