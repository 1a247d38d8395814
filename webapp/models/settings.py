"""Tenant-wide lists that managers maintain."""

from peewee import BooleanField, CharField, IntegerField, TextField

from webapp.models.base import BaseModel

# The colours a manager may give a status: a small palette whose badges all read at WCAG
# AA contrast (static/app.css, .badge.status-*), so Bankruptcy never looks like Active.
STATUS_COLOURS = {
    "grey": "Grey",
    "green": "Green",
    "blue": "Blue",
    "amber": "Amber",
    "red": "Red",
    "purple": "Purple",
}


class CustomerStatus(BaseModel):
    title = CharField(unique=True)
    is_default = BooleanField(default=False)
    colour = CharField(default="grey")
    active = BooleanField(default=True)

    @classmethod
    def default(cls) -> "CustomerStatus":
        return cls.get(cls.is_default == True)  # noqa: E712

    @classmethod
    def ordered(cls):
        return cls.select().order_by(cls.id)


class NoteCategory(BaseModel):
    title = CharField(unique=True)
    active = BooleanField(default=True)


class DocumentSection(BaseModel):
    title = CharField(unique=True)
    active = BooleanField(default=True)


CUSTOM_FIELD_KINDS = ("text", "number", "date", "yesno", "choice")


class CustomFieldDefinition(BaseModel):
    name = CharField(unique=True)
    label = CharField()
    kind = CharField(choices=[(k, k) for k in CUSTOM_FIELD_KINDS])
    choices = TextField(default="")  # one choice a line, for kind "choice"
    position = IntegerField(default=0)
    active = BooleanField(default=True)
