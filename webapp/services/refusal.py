"""The one shape of a refusal. A service (or the importer, or the API's readers) that will
not do what it was asked raises a subclass of Refused; every page and the API handle any
of them the same way: `str(refused)` is the sentence to show, `refused.errors` says which
field each part is about (FieldError.field "" when it is about the request as a whole)."""

from webapp.rules.spec import FieldError


class Refused(Exception):
    """A service would not write: each FieldError says which field and why, so a page can
    show it beside that field. A single message (a str) is one error about no field in
    particular, or about `field`."""

    def __init__(self, errors: list[FieldError] | str, field: str = ""):
        if isinstance(errors, str):
            errors = [FieldError(field, errors)]
        self.errors: list[FieldError] = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "; ".join(e.message for e in self.errors)

    @property
    def messages(self) -> list[str]:
        return [e.message for e in self.errors]
