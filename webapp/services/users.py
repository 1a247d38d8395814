"""Back-office users: create, authenticate."""

from webapp.models import ROLES, User
from webapp.services.passwords import hash_password, password_matches
from webapp.services.refusal import Refused

MIN_STAFF_PASSWORD = 10


class UserRefused(Refused):
    """A user that cannot be created; the message says why."""


def create_user(
    username: str, password: str, role: str, display_name: str = "", is_demo: bool = False
) -> User:
    username = username.strip().lower()
    if role not in ROLES:
        raise UserRefused(f"Role must be one of {', '.join(ROLES)}.")
    if len(password) < MIN_STAFF_PASSWORD:
        raise UserRefused(f"Staff passwords need at least {MIN_STAFF_PASSWORD} characters.")
    if User.select().where(User.username == username).exists():
        raise UserRefused(f"There is already a user called {username!r}.")
    return User.create(
        username=username,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name,
        is_demo=is_demo,
    )


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.save()


def authenticate(username: str, password: str) -> User | None:
    user = User.get_or_none(User.username == (username or "").strip().lower())
    if user is None:
        password_matches(_DUMMY_HASH, password)  # same time whether or not the user exists
        return None
    if not user.active or not password_matches(user.password_hash, password):
        return None
    return user


_DUMMY_HASH = hash_password("not a real password")
