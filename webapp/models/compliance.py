"""Compliance lists: the OFAC Specially Designated Nationals list as last loaded."""

from peewee import CharField, DateTimeField, IntegerField, TextField

from webapp.models.base import BaseModel, utcnow


class SdnEntry(BaseModel):
    entry_number = IntegerField(index=True)
    name = CharField()
    name_key = CharField()  # the name folded for matching: see services/ofac.py
    entry_type = CharField(null=True)  # individual, vessel, aircraft, blank for entities
    programs = CharField(null=True)
    remarks = TextField(null=True)
    loaded_at = DateTimeField(default=utcnow)
