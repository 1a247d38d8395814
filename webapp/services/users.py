"""Back-office users: create, authenticate."""

from webapp.models import ROLES, User
from webapp.services import sessions
from webapp.services.password_policy import password_problem
from webapp.services.passwords import hash_password, password_matches
from webapp.services.refusal import Refused


class UserRefused(Refused):
    """A user that cannot be created; the message says why."""


def create_user(
    username: str, password: str, role: str, display_name: str = "", is_demo: bool = False
) -> User:
    username = username.strip().lower()
    if role not in ROLES:
        raise UserRefused(f"Role must be one of {', '.join(ROLES)}.")
    if problem := password_problem(password, username, display_name):
        raise UserRefused(problem)
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
    """A new password (refused if it is easy to guess); every session of the user ends."""
    if problem := password_problem(password, user.username, user.display_name):
        raise UserRefused(problem)
    user.password_hash = hash_password(password)
    user.save()
    sessions.end_everywhere(user)


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None. One Argon2 check in
    every case, so an unknown, a deactivated and a wrong-password sign-in take the same
    time and tell nothing apart."""
    user = User.get_or_none(User.username == (username or "").strip().lower())
    matches = password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not user.active or not matches:
        return None
    return user


_DUMMY_HASH = hash_password("not a real password")
