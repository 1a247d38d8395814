"""The schema of the release before migrations (2026-11-23), frozen: every table and index.

On an empty database this creates everything. A database made by a release before
migrations existed has these tables already: creating them is skipped (IF NOT EXISTS),
and what the releases of that time changed without a migration is brought up to date
first, from the explicit list below (taken from the models' git history).

The models here are copies, independent of webapp.models: later changes to the app's
models come as new migration files, never as edits to this one. Python-side defaults
(timestamps) are left out; they are not part of the schema.
"""

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    NodeList,
    SmallIntegerField,
    SqliteDatabase,
    TextField,
)


class FrozenModel(Model):
    class Meta:
        legacy_table_names = False  # index names as the app's models make them


class NeverReusedIdField(AutoField):
    """AUTOINCREMENT on SQLite, so a deleted customer's ID is never handed out again."""

    def ddl(self, ctx):
        node_list = super().ddl(ctx)
        if isinstance(self.model._meta.database, SqliteDatabase):
            return NodeList((node_list, SQL("AUTOINCREMENT")))
        return node_list


# (table, column, field): columns that releases before migrations added to existing tables.
def _columns_added_before_migrations():
    return (
        ("customer", "version", IntegerField(default=1)),
        ("change_entry", "version", IntegerField(null=True)),
        ("import_job", "id_ceiling", IntegerField(null=True)),
        ("import_job", "refuse_duplicates", BooleanField(default=False)),
        ("address", "street_key", CharField(null=True)),
    )


# Columns those releases dropped from a model but not from the database. A NOT NULL one
# without a default fails every insert (import_job.cancel_requested did).
COLUMNS_DROPPED_BEFORE_MIGRATIONS = (("import_job", "cancel_requested"),)


def _bring_up_to_date(migrator, db):
    tables = set(db.get_tables())
    for table, column, field in _columns_added_before_migrations():
        if table in tables and column not in {c.name for c in db.get_columns(table)}:
            migrator.migrate(migrator.add_column(table, column, field))
            if (table, column) == ("address", "street_key"):
                _fill_street_keys(db)
    for table, column in COLUMNS_DROPPED_BEFORE_MIGRATIONS:
        if table in tables and column in {c.name for c in db.get_columns(table)}:
            migrator.migrate(migrator.drop_column(table, column))


def _fill_street_keys(db):
    from webapp.services.directory import street_key

    # A page of addresses at a time, each with one executemany: a million addresses fit
    # neither in memory at once nor in a million round trips.
    update = f"UPDATE address SET street_key = {db.param} WHERE id = {db.param}"
    select = f"SELECT id, street FROM address WHERE id > {db.param} ORDER BY id LIMIT 5000"
    last = 0
    while page := db.execute_sql(select, (last,)).fetchall():
        db.cursor().executemany(update, [(street_key(street), i) for i, street in page])
        last = page[-1][0]


def up(migrator, db):
    _bring_up_to_date(migrator, db)

    class CustomerStatus(FrozenModel):
        title = CharField(unique=True)
        is_default = BooleanField(default=False)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "customer_status"

    db.create_tables([CustomerStatus])

    class Customer(FrozenModel):
        id = NeverReusedIdField()
        import_id = CharField(unique=True, null=True)
        status = ForeignKeyField(CustomerStatus, on_delete="RESTRICT")
        customer_type = CharField(index=True)
        first_name = CharField()
        middle_name = CharField(null=True)
        last_name = CharField()
        do_not_case_format = BooleanField(default=False)
        company_contact = CharField(null=True)
        company_name = CharField(null=True)
        ssn = CharField(index=True, null=True)
        ssn_last4 = CharField(index=True, null=True)
        drivers_license = CharField(null=True)
        id_type = CharField(default="ssn")
        id_number = CharField(index=True, null=True)
        credit_limit = DecimalField(null=True, max_digits=14, decimal_places=2)
        birth_date = DateField(null=True)
        gender = CharField(null=True)
        generation_code = CharField(default="none")
        sale_transfer_pii = BooleanField(default=True)
        email = CharField(null=True)
        username = CharField(unique=True, null=True)
        password_hash = CharField(null=True)
        credit_score_experian = SmallIntegerField(null=True)
        credit_score_equifax = SmallIntegerField(null=True)
        credit_score_transunion = SmallIntegerField(null=True)
        mail_same_as_primary = BooleanField(default=True)
        version = IntegerField(default=1)
        first_name_key = CharField(default="")
        last_name_key = CharField(default="")
        company_name_key = CharField(null=True)
        email_key = CharField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "customer"
            indexes = (
                (("last_name_key", "first_name_key"), False),
                (("first_name_key",), False),
                (("company_name_key",), False),
                (("email_key",), False),
            )

    db.create_tables([Customer])

    class Address(FrozenModel):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        kind = CharField()
        street = CharField()
        city = CharField()
        state = CharField()
        zipcode = CharField()
        country = CharField()
        verified = BooleanField(default=False)
        validated = BooleanField(default=False)
        street_key = CharField(null=True)

        class Meta:
            database = db
            table_name = "address"
            indexes = ((("customer", "kind"), True), (("zipcode", "street_key"), False))

    db.create_tables([Address])

    class User(FrozenModel):
        username = CharField(unique=True)
        display_name = CharField(default="")
        password_hash = CharField()
        role = CharField()
        active = BooleanField(default=True)
        is_demo = BooleanField(default=False)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "user"

    db.create_tables([User])

    class ApiToken(FrozenModel):
        name = CharField()
        token_hash = CharField(unique=True)
        prefix = CharField()
        role = CharField()
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "api_token"

    db.create_tables([ApiToken])

    class ChangeEntry(FrozenModel):
        customer_id = IntegerField(index=True)
        at = DateTimeField()
        user = ForeignKeyField(User, null=True, on_delete="SET NULL")
        actor = CharField()
        source = CharField()
        action = CharField()
        section = CharField(default="customer")
        field = CharField(null=True)
        old_value = TextField(null=True)
        new_value = TextField(null=True)
        version = IntegerField(null=True)

        class Meta:
            database = db
            table_name = "change_entry"
            indexes = ((("customer_id", "at"), False),)

    db.create_tables([ChangeEntry])

    class Communication(FrozenModel):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        channel = CharField()
        direction = CharField(default="outbound")
        subject = CharField(null=True)
        body_excerpt = TextField(default="")
        tracking_status = CharField(null=True)
        occurred_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "communication"

    db.create_tables([Communication])

    class Loan(FrozenModel):
        display_id = CharField(unique=True)
        status = CharField(default="Open")
        payoff = DecimalField(max_digits=14, decimal_places=2, default=0)
        principal_balance = DecimalField(max_digits=14, decimal_places=2, default=0)
        next_due_date = DateField(null=True)
        next_due_amount = DecimalField(max_digits=14, decimal_places=2, default=0)
        days_past_due = IntegerField(default=0)
        amount_past_due = DecimalField(max_digits=14, decimal_places=2, default=0)

        class Meta:
            database = db
            table_name = "loan"

    db.create_tables([Loan])

    class CustomerLoan(FrozenModel):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        loan = ForeignKeyField(Loan, on_delete="CASCADE")
        role = CharField(default="primary")
        email_access = BooleanField(default=True)
        web_access = BooleanField(default=True)
        sms_access = BooleanField(default=False)

        class Meta:
            database = db
            table_name = "customer_loan"
            indexes = ((("customer", "loan"), True),)

    db.create_tables([CustomerLoan])

    class CustomerPhoto(FrozenModel):
        customer = ForeignKeyField(Customer, unique=True, on_delete="CASCADE")
        content_type = CharField()
        size = IntegerField()
        uploaded_at = DateTimeField()

        class Meta:
            database = db
            table_name = "customer_photo"

    db.create_tables([CustomerPhoto])

    class CustomFieldDefinition(FrozenModel):
        name = CharField(unique=True)
        label = CharField()
        kind = CharField()
        choices = TextField(default="")
        position = IntegerField(default=0)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "custom_field_definition"

    db.create_tables([CustomFieldDefinition])

    class CustomFieldValue(FrozenModel):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        definition = ForeignKeyField(CustomFieldDefinition, on_delete="CASCADE")
        value = TextField(null=True)

        class Meta:
            database = db
            table_name = "custom_field_value"
            indexes = ((("customer", "definition"), True),)

    db.create_tables([CustomFieldValue])

    class DocumentSection(FrozenModel):
        title = CharField(unique=True)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "document_section"

    db.create_tables([DocumentSection])

    class Document(FrozenModel):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        section = ForeignKeyField(DocumentSection, null=True, on_delete="SET NULL")
        name = CharField()
        original_filename = CharField()
        content_type = CharField()
        size = IntegerField()
        active = BooleanField(default=True)
        uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "document"

    db.create_tables([Document])

    class Employer(FrozenModel):
        customer = ForeignKeyField(Customer, unique=True, on_delete="CASCADE")
        name = CharField(null=True)
        title = CharField(null=True)
        phone = CharField(null=True)
        income = DecimalField(null=True, max_digits=14, decimal_places=2)
        income_frequency = CharField(null=True)
        hire_date = DateField(null=True)
        payday_frequency = CharField(null=True)
        next_payday = DateField(null=True)
        street = CharField(null=True)
        city = CharField(null=True)
        state = CharField(null=True)
        zipcode = CharField(null=True)
        country = CharField(null=True)

        class Meta:
            database = db
            table_name = "employer"

    db.create_tables([Employer])

    class ImportJob(FrozenModel):
        original_name = CharField()
        size = IntegerField()
        file_format = CharField()
        encoding = CharField(null=True)
        delimiter = CharField(null=True)
        has_header = BooleanField(default=True)
        merge_mode = CharField(default="overwrite")
        refuse_duplicates = BooleanField(default=False)
        column_map = TextField(default="[]")
        headers = TextField(default="[]")
        uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(index=True)
        state = CharField(default="uploaded")
        phase = CharField(null=True)
        rq_job_id = CharField(null=True)
        rows_total = IntegerField(default=0)
        rows_done = IntegerField(default=0)
        would_add = IntegerField(default=0)
        would_update = IntegerField(default=0)
        would_remove = IntegerField(default=0)
        added = IntegerField(default=0)
        updated = IntegerField(default=0)
        removed = IntegerField(default=0)
        failed = IntegerField(default=0)
        warnings = IntegerField(default=0)
        checkpoint_line = IntegerField(default=0)
        id_ceiling = IntegerField(null=True)
        started_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True)
        message = TextField(null=True)

        class Meta:
            database = db
            table_name = "import_job"

    db.create_tables([ImportJob])

    class ImportProblem(FrozenModel):
        job = ForeignKeyField(ImportJob, on_delete="CASCADE")
        phase = CharField()
        severity = CharField()
        line = IntegerField()
        column = CharField()
        value = TextField(default="")
        message = TextField()

        class Meta:
            database = db
            table_name = "import_problem"
            indexes = ((("job", "phase", "severity", "line"), False),)

    db.create_tables([ImportProblem])

    class NoteCategory(FrozenModel):
        title = CharField(unique=True)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "note_category"

    db.create_tables([NoteCategory])

    class Note(FrozenModel):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        category = ForeignKeyField(NoteCategory, null=True, on_delete="SET NULL")
        title = CharField()
        body = TextField()
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "note"

    db.create_tables([Note])

    class OutboundEvent(FrozenModel):
        event_id = CharField(unique=True)
        event = CharField()
        customer_id = IntegerField(index=True)
        payload = TextField()
        created_at = DateTimeField()
        claimed_by = CharField(index=True, null=True)

        class Meta:
            database = db
            table_name = "outbound_event"

    db.create_tables([OutboundEvent])

    class PaymentProfile(FrozenModel):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        kind = CharField()
        token = CharField(unique=True)
        last4 = CharField()
        brand = CharField(null=True)
        holder_name = CharField()
        expiry = CharField(null=True)
        active = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "payment_profile"

    db.create_tables([PaymentProfile])

    class Phone(FrozenModel):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        number = CharField(index=True)
        phone_type = CharField()
        position = IntegerField(default=0)
        is_primary = BooleanField(default=False)
        is_secondary = BooleanField(default=False)
        do_not_call = BooleanField(default=False)
        verified = BooleanField(default=False)

        class Meta:
            database = db
            table_name = "phone"

    db.create_tables([Phone])

    class Reference(FrozenModel):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        name = CharField()
        relationship = CharField(null=True)
        primary_phone = CharField(null=True)
        secondary_phone = CharField(null=True)
        street = CharField(null=True)
        city = CharField(null=True)
        state = CharField(null=True)
        zipcode = CharField(null=True)
        country = CharField(null=True)

        class Meta:
            database = db
            table_name = "reference"

    db.create_tables([Reference])

    class SdnEntry(FrozenModel):
        entry_number = IntegerField(index=True)
        name = CharField()
        name_key = CharField()
        entry_type = CharField(null=True)
        programs = CharField(null=True)
        remarks = TextField(null=True)
        loaded_at = DateTimeField()

        class Meta:
            database = db
            table_name = "sdn_entry"

    db.create_tables([SdnEntry])

    class SocialProfile(FrozenModel):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        network = CharField()
        address = CharField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "social_profile"

    db.create_tables([SocialProfile])

    class Webhook(FrozenModel):
        url = CharField()
        secret = CharField()
        events = CharField()
        active = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "webhook"

    db.create_tables([Webhook])

    class WebhookDelivery(FrozenModel):
        webhook = ForeignKeyField(Webhook, on_delete="CASCADE")
        event_id = CharField(index=True)
        event = CharField()
        payload = TextField()
        attempt = IntegerField(default=1)
        status_code = IntegerField(null=True)
        duration_ms = IntegerField(null=True)
        response_excerpt = TextField(default="")
        error = TextField(null=True)
        delivered_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "webhook_delivery"

    db.create_tables([WebhookDelivery])
