from webapp.rules.spec import FieldError


class Refused(Exception):
    """A service would not write: each FieldError says which field and why, so a page can
    show it beside that field."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors
