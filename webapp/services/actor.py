from dataclasses import dataclass

from webapp.models import User


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and through which door: every service write takes one."""

    user: User | None
    source: str  # ui | api | import #N | cli | demo

    @property
    def name(self) -> str:
        return self.user.name if self.user else self.source

    @classmethod
    def system(cls, source: str) -> "Actor":
        return cls(None, source)
