"""Demo data: believable customers made through the same rules and services as real ones."""

import random
import secrets
from datetime import date, timedelta
from decimal import Decimal

from webapp.models import CustomerLoan, DocumentSection, Loan, NoteCategory
from webapp.rules.compiled import CompiledRules
from webapp.rules.context import RuleContext
from webapp.services import ofac
from webapp.services.actor import Actor
from webapp.services.customers import create_customer
from webapp.services.statuses import ensure_standard_statuses
from webapp.services.users import create_user

NOTE_CATEGORIES = ("General", "Collections", "Customer service", "Compliance")
DOCUMENT_SECTIONS = ("Identification", "Income", "Correspondence", "Legal")
FIRST = (
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Karen",
    "Renée",
    "José",
    "Zoë",
    "Ahmed",
    "Mei",
)
LAST = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "McDonald",
    "O'Brien",
    "Nguyen",
)
PLACES = (
    ("Schenectady", "NY", "12305"),
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Provo", "UT", "84601"),
    ("Miami", "FL", "33101"),
    ("Seattle", "WA", "98101"),
    ("Toronto", "ON", "M5V 2T6", "can"),
)
STREETS = ["Oak", "Elm", "Maple", "Pine", "Cedar", "Main", "Park", "Lake", "Hill", "Washington"]


def seed(customer_count: int, rng: random.Random | None = None) -> dict[str, str]:
    """Create the demo tenant; returns the demo users' passwords."""
    rng = rng or random.Random(7)
    passwords = {}
    for role in ("agent", "manager", "admin"):
        passwords[role] = secrets.token_urlsafe(9)
        create_user(role, passwords[role], role, f"Demo {role}", is_demo=True)
    ensure_standard_statuses()
    for title in NOTE_CATEGORIES:
        NoteCategory.create(title=title)
    for title in DOCUMENT_SECTIONS:
        DocumentSection.create(title=title)
    ofac.load_sdn_file(ofac.SAMPLE_FILE.read_bytes())  # fictional names: try the OFAC check
    loans = [
        Loan.create(
            display_id=f"LN-{1000 + i}",
            principal_balance=Decimal(5000 + i * 750),
            payoff=Decimal(5200 + i * 760),
            next_due_date=date.today() + timedelta(days=5 + i),
            next_due_amount=Decimal("245.10"),
            days_past_due=(i % 3) * 15,
            amount_past_due=Decimal((i % 3) * 120),
        )
        for i in range(8)
    ]
    rules = CompiledRules(RuleContext.load())
    actor = Actor.system("demo")
    for number in range(1, customer_count + 1):
        verdict = rules.check_new(demo_cells(number, rng))
        # Random phones and streets may repeat: demo customers are confirmed as they are.
        customer = create_customer(verdict.record, actor, confirmed=True)
        if number <= len(loans):
            CustomerLoan.create(customer=customer, loan=loans[number - 1], role="primary")
            demo_communications(customer)
    return passwords


def demo_cells(number: int, rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, zipcode, *country = rng.choice(PLACES)
    kind = rng.choices(("individual", "company", "flooringCustomer"), (88, 8, 4))[0]
    cells = {
        "importId": f"DEMO-{number:05d}",
        "customerType": kind,
        "firstName": first,
        "lastName": last,
        "ssn": f"{rng.randint(100, 899)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}",
        "idType": "ssn",
        "gender": rng.choice(("male", "female", "unknown")),
        "birthday": f"{rng.randint(1950, 2003)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "email": f"{first.lower()}.{last.lower().replace(chr(39), '')}{number}@example.com",
        "priPhone": f"{rng.randint(201, 989)}555{rng.randint(1000, 9999)}",
        "priPhoneType": rng.choice(("cell", "home", "cellSmartPhone")),
        "priAddress": f"{rng.randint(1, 9999)} {rng.choice(STREETS)} St",
        "priCity": city,
        "priState": state,
        "priZipcode": zipcode,
        "priCountry": country[0] if country else "usa",
        "creditScoreExperian": str(rng.randint(520, 820)),
    }
    if kind != "individual":
        cells.update(
            companyName=f"{last} {rng.choice(('Supply', 'Motors', 'Farms'))}",
            companyContact=f"{first} {last}",
            idType="employerNumber",
        )
    if kind == "flooringCustomer":
        cells["creditLimit"] = str(rng.randint(5, 50) * 10_000)
    return cells


def demo_communications(customer) -> None:
    from webapp.services import communications

    communications.record(customer, "sms", "Your payment of $245.10 is due on the 15th.")
    communications.record(customer, "sms", "Can I pay on the 20th instead?", direction="inbound")
    communications.record(
        customer,
        "email",
        "<h1>Statement ready</h1><p>Your monthly "
        "statement is ready to view in the customer portal.</p>",
        subject="Your statement is ready",
    )
    communications.record(
        customer,
        "mail",
        "Annual privacy notice",
        subject="Annual privacy notice",
        tracking_status="Delivered",
    )
