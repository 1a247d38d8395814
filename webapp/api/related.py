"""A customer's related records as LoanPro's customer navigations show them: custom field
values, payment accounts (tokens never leave; only the last four digits), the credit
scores on file, documents (their facts; the file is read in the UI), notes and social
profiles."""

from webapp.api.fields import odata_date

ACCOUNT_TYPES = {"card": "paymentAccount.type.credit", "bank": "paymentAccount.type.checking"}


def custom_value_entity(value) -> dict:
    return {"customFieldId": value.definition_id, "customFieldValue": value.value}


def credit_score_entity(customer) -> dict:
    return {
        "id": customer.id,
        "customerId": customer.id,
        "experianScore": customer.credit_score_experian,
        "equifaxScore": customer.credit_score_equifax,
        "transunionScore": customer.credit_score_transunion,
    }


def payment_account_entity(profile, expand=frozenset()) -> dict:
    """A payment profile; CreditCard / CheckingAccount hold the masked details, deferred
    unless expanded."""
    card = profile.kind == "card"
    name = "CreditCard" if card else "CheckingAccount"
    details = (
        {
            "cardType": profile.brand,
            "cardNumber": f"XXXXXXXXXXXX{profile.last4}",
            "cardExpiration": profile.expiry,
            "cardHolderName": profile.holder_name,
        }
        if card
        else {
            "accountNumber": f"XXXXX{profile.last4}",
            "bankName": profile.brand,
            "accountHolderName": profile.holder_name,
        }
    )
    other = "CheckingAccount" if card else "CreditCard"
    return {
        "id": profile.id,
        "title": f"{profile.brand or ('Card' if card else 'Bank account')} ending {profile.last4}",
        "type": ACCOUNT_TYPES.get(profile.kind, profile.kind),
        "active": int(profile.active),
        "isPrimary": 0,
        "created": odata_date(profile.created_at),
        name: {"__metadata": {"type": f"Entity.{name}"}, "id": profile.id, **details}
        if name in expand
        else {"__deferred": {"uri": f"PaymentAccounts(id={profile.id})/{name}"}},
        other: None,
    }


def document_entity(document) -> dict:
    return {
        "id": document.id,
        "fileName": document.original_filename,
        "description": document.name,
        "mime": document.content_type,
        "size": document.size,
        "sectionId": document.section_id,
        "active": int(document.active),
        "created": odata_date(document.created_at),
    }


def note_entity(note) -> dict:
    return {
        "id": note.id,
        "categoryId": note.category_id,
        "subject": note.title,
        "body": note.body,
        "created": odata_date(note.created_at),
    }


def social_profile_entity(profile) -> dict:
    return {
        "id": profile.id,
        "type": profile.network,
        "url": profile.address,
        "created": odata_date(profile.created_at),
    }
