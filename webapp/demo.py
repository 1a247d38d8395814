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
from webapp.services.notes import add_note
from webapp.services.references import add_reference
from webapp.services.statuses import STANDARD_STATUSES, ensure_standard_statuses
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
# Most of a book is Active; the rest is what collectors must notice before they call.
STATUS_WEIGHTS = (78, 8, 5, 3, 1, 5)  # in the order of STANDARD_STATUSES
EMPLOYERS = ("Acme Logistics", "St. Mary's Hospital", "City of Austin", "Northwind Foods")
NOTES = (
    ("Promise to pay", "Promised $250 on Friday by debit card; reminder set."),
    ("Hardship", "Hours cut at work since March. Asked about a payment plan."),
    ("Address confirmed", "Confirmed the mailing address on file by phone."),
    ("Wrong number", "Secondary phone reached someone else; marked for review."),
    ("Dispute", "Disputes the late fee from last month; sent to the supervisor."),
    ("Callback", "Asked for a call back after 5 pm on weekdays."),
)
STREETS = ["Oak", "Elm", "Maple", "Pine", "Cedar", "Main", "Park", "Lake", "Hill", "Washington"]


def seed(customer_count: int, rng: random.Random | None = None) -> dict[str, str]:
    """Create the demo tenant; returns the demo users' passwords."""
    passwords = {}
    for role in ("agent", "manager", "admin"):
        passwords[role] = secrets.token_urlsafe(9)
        create_user(role, passwords[role], role, f"Demo {role}", is_demo=True)
    seed_book(customer_count, rng or random.Random(7))
    return passwords


def seed_book(customer_count: int, rng: random.Random) -> None:
    """Settings and a book of customers that looks like a lender's: most Active, some in
    Bankruptcy, SCRA or with an attorney; loans, co-borrowers, notes, messages, second
    phones, employers and references spread over many customers, not the first few."""
    ensure_standard_statuses()
    for title in NOTE_CATEGORIES:
        NoteCategory.create(title=title)
    for title in DOCUMENT_SECTIONS:
        DocumentSection.create(title=title)
    ofac.load_sdn_file(ofac.SAMPLE_FILE.read_bytes())  # fictional names: try the OFAC check
    rules = CompiledRules(RuleContext.load())
    actor = Actor.system("demo")
    categories = list(NoteCategory.select())
    previous = None
    for number in range(1, customer_count + 1):
        cells = demo_cells(number, rng)
        cells.update(book_cells(rng, cells["customerType"] == "individual"))
        verdict = rules.check_new(cells)
        # Random phones and streets may repeat: demo customers are confirmed as they are.
        customer = create_customer(verdict.record, actor, confirmed=True)
        if rng.random() < 0.7:
            demo_loan(customer, number, rng, previous)
        for _ in range(rng.choices((0, 1, 2, 3), (35, 35, 20, 10))[0]):
            title, body = rng.choice(NOTES)
            add_note(customer, title, rng.choice(categories).id, body, actor)
        if rng.random() < 0.4:
            demo_communications(customer, rng)
        if rng.random() < 0.2:
            add_reference(customer, demo_reference(rng), actor)
        previous = customer


def demo_loan(customer, number: int, rng: random.Random, previous) -> None:
    """A loan with the customer as primary; now and then the customer made before is its
    co-borrower, so some loans have two people and some people two loans."""
    days_late = rng.choices((0, 0, 0, 5, 15, 35, 65, 95), k=1)[0]
    principal = Decimal(rng.randint(20, 400) * 100)
    loan = Loan.create(
        display_id=f"LN-{10000 + number}",
        status=rng.choices(("Open", "Paid off", "Charged off"), (85, 10, 5))[0],
        principal_balance=principal,
        payoff=principal * Decimal("1.04"),
        next_due_date=date.today() + timedelta(days=rng.randint(-days_late or 1, 28)),
        next_due_amount=(principal / 36).quantize(Decimal("0.01")),
        days_past_due=days_late,
        amount_past_due=(principal / 36 * (days_late // 30)).quantize(Decimal("0.01")),
    )
    CustomerLoan.create(customer=customer, loan=loan, role="primary")
    if previous is not None and rng.random() < 0.15:
        CustomerLoan.create(customer=previous, loan=loan, role="secondary")


def demo_reference(rng: random.Random) -> dict:
    return {
        "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "relationship": rng.choice(("Parent", "Sister", "Friend", "Coworker", "Landlord")),
        "primaryPhone": demo_phone(rng),
    }


def book_cells(rng: random.Random, individual: bool) -> dict[str, str]:
    """What a real book has beyond the import tests' rows: statuses other than Active,
    second phones, employers."""
    cells = {"status": rng.choices(list(STANDARD_STATUSES), STATUS_WEIGHTS)[0]}
    if rng.random() < 0.3:
        cells.update(secPhone=demo_phone(rng))
        cells.update(secPhoneType=rng.choice(("home", "office")))
    if individual and rng.random() < 0.6:
        cells.update(
            employerName=rng.choice(EMPLOYERS),
            employerTitle=rng.choice(("Clerk", "Driver", "Nurse", "Technician", "Manager")),
            employerIncome=str(rng.randint(24, 140) * 1000),
            employerIncomeFreq="annually",
        )
    return cells


def demo_phone(rng: random.Random) -> str:
    """A number in the 555 exchange, kept for fiction."""
    return f"{rng.randint(201, 989)}555{rng.randint(1000, 9999)}"


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
        "priPhone": demo_phone(rng),
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


def demo_communications(customer, rng: random.Random) -> None:
    """One to four of the messages a servicer sends and gets, in a random order."""
    from webapp.services import communications

    messages = (
        ("sms", "Your payment is due on the 15th. Reply HELP for help.", {}),
        ("sms", "Can I pay on the 20th instead?", {"direction": "inbound"}),
        (
            "email",
            "<h1>Statement ready</h1><p>Your monthly "
            "statement is ready to view in the customer portal.</p>",
            {"subject": "Your statement is ready"},
        ),
        ("email", "<p>We received your payment. Thank you.</p>", {"subject": "Payment received"}),
        (
            "mail",
            "Annual privacy notice",
            {"subject": "Annual privacy notice", "tracking_status": "Delivered"},
        ),
    )
    for channel, body, extra in rng.sample(messages, rng.randint(1, 4)):
        communications.record(customer, channel, body, **extra)
