from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from webapp.models.base import BaseModel, utcnow
from webapp.models.users import User


class ChangeEntry(BaseModel):
    """One recorded write. customer_id is a plain column, not a foreign key, so the
    tombstone of a deleted customer outlives the customer."""

    customer_id = IntegerField(index=True)
    at = DateTimeField(default=utcnow)
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor = CharField()  # who, as it read at the time (user name, "import #3", "system")
    source = CharField()  # ui | api | import #N | cli | demo
    action = CharField()  # create | update | delete
    section = CharField(default="customer")
    field = CharField(null=True)
    old_value = TextField(null=True)
    new_value = TextField(null=True)
    version = IntegerField(null=True)  # the customer's version this write produced

    class Meta:
        indexes = ((("customer_id", "at"), False),)
