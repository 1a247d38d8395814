"""The one table of customer field rules (the import contract of seeds/000).

Forms, the importer, the API, the instructions page and the sample file all read it.
"""

from webapp.models import PHONE_TYPES
from webapp.rules.spec import FieldSpec

CUSTOMER_TYPES = ("individual", "company", "flooringCustomer")
COMPANY_TYPES = ("company", "flooringCustomer")
GENERATION_CODES = ("none", "ii", "iii", "iv", "ix", "jr", "sr", "v", "vi", "vii", "viii")
FREQUENCIES = ("monthly", "semimonthly", "biweekly", "weekly")
FREQUENCY_ALIASES = {"semi-monthly": "semimonthly", "bi-weekly": "biweekly"}
PHONE_TYPE_LABELS = {
    "cell": "Cell",
    "fax": "Fax",
    "home": "Home",
    "office": "Office",
    "other": "Other",
    "cellSmartPhone": "Cell (smartphone)",
}
DATE_FORMAT = "Date: YYYY-MM-DD or MM/DD/YYYY"


def _is_company(values: dict) -> bool:
    return values.get("customerType") in COMPANY_TYPES


def _given(name: str):
    return lambda values: values.get(name) not in (None, "", [])


ACTION = FieldSpec(
    "action",
    "Action",
    "choice",
    "import",
    "What to do with the row: add a new customer, update one, or remove one.",
    expected="add, update, remove",
    required=True,
    choices=("add", "update", "remove"),
)
CUSTOMER_ID = FieldSpec(
    "customerId",
    "Customer ID",
    "identifier",
    "import",
    "Which customer an update or remove row is about: the ID the system gave the customer, "
    "or the customer's import ID. Ignored on add, where the system assigns the ID.",
    expected="a system ID or an import ID",
    required_text="Required on update and remove; ignored on add",
    max_length=64,
)

CUSTOMER_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "importId",
        "Import ID",
        "identifier",
        "general",
        "Your own ID for the customer. It must be unique; later files can then name the "
        "customer by it instead of the system ID.",
        expected="letters, digits, . _ -",
        required_text="Recommended on add",
        max_length=64,
    ),
    FieldSpec(
        "status",
        "Status",
        "status",
        "general",
        "The customer status, by its ID or its exact name (Settings › Customer statuses "
        "lists both). Left blank, a new customer gets the default status.",
        expected="a status ID or name",
        required_text="Optional (blank: the default status)",
    ),
    FieldSpec(
        "customerType",
        "Customer type",
        "choice",
        "general",
        "Whether the customer is a person, a company, or a company with a flooring line.",
        expected="individual, company, flooringCustomer",
        choices=CUSTOMER_TYPES,
        choice_labels={
            "individual": "Individual",
            "company": "Company",
            "flooringCustomer": "Flooring customer",
        },
        aliases={
            "flooring": "flooringCustomer",
            "flooring customer": "flooringCustomer",
            "person": "individual",
        },
        required_text="Optional (blank: individual)",
    ),
    FieldSpec(
        "firstName", "First name", "text", "general", "The customer's first name.", required=True
    ),
    FieldSpec("middleName", "Middle name", "text", "general", "The customer's middle name."),
    FieldSpec(
        "lastName",
        "Last name",
        "text",
        "general",
        "The customer's last name. It is stored with a capital first letter unless it "
        "was typed in mixed case (McDonald) or marked not to be case-formatted.",
        required=True,
    ),
    FieldSpec(
        "companyContact",
        "Company contact",
        "text",
        "general",
        "The person to talk to at a company or flooring customer.",
        required_when=_is_company,
        required_text="Required for company and flooringCustomer",
    ),
    FieldSpec(
        "companyName",
        "Company name",
        "text",
        "general",
        "The name of a company or flooring customer.",
        max_length=200,
        required_when=_is_company,
        required_text="Required for company and flooringCustomer",
    ),
    FieldSpec(
        "ssn",
        "SSN / SIN",
        "nine_digits",
        "general",
        "Social Security Number (US) or Social Insurance Number (Canada). Companies may "
        "give an EIN here instead.",
        expected="9 digits; dashes and spaces are removed",
        mask="last4",
    ),
    FieldSpec(
        "driversLicense",
        "Driver's license",
        "license",
        "general",
        "The number on the customer's driver's license or photo ID.",
        max_length=30,
    ),
    FieldSpec(
        "idType",
        "ID number type",
        "choice",
        "general",
        "Which kind of number the ID number is: a Social Security Number or an "
        "Employer Identification Number.",
        expected="ssn, employerNumber",
        choices=("ssn", "employerNumber"),
        choice_labels={"ssn": "SSN / SIN", "employerNumber": "EIN"},
        aliases={"ein": "employerNumber", "employer number": "employerNumber"},
        required=True,
    ),
    FieldSpec(
        "idNumber",
        "ID number (SSN or EIN)",
        "nine_digits",
        "general",
        "The SSN or EIN, as the ID number type says.",
        expected="9 digits; dashes and spaces are removed",
        mask="last4",
    ),
    FieldSpec(
        "creditLimit",
        "Credit limit",
        "money",
        "general",
        "The credit limit of a flooring customer.",
        expected="an amount, e.g. 100000",
        required_when=lambda v: v.get("customerType") == "flooringCustomer",
        required_text="Required for flooringCustomer",
    ),
    FieldSpec(
        "birthday",
        "Date of birth",
        "past_date",
        "general",
        "The customer's date of birth.",
        expected=DATE_FORMAT,
    ),
    FieldSpec(
        "gender",
        "Gender",
        "choice",
        "general",
        "The customer's gender.",
        expected="male, female, unknown, other",
        choices=("male", "female", "unknown", "other"),
        choice_labels={"male": "Male", "female": "Female", "unknown": "N/A", "other": "Other"},
        aliases={"m": "male", "f": "female", "n/a": "unknown", "na": "unknown"},
        required_when=lambda v: not _is_company(v),
        required_text="Required for individuals",
    ),
    FieldSpec(
        "gencode",
        "Generation code",
        "choice",
        "general",
        "A generation suffix such as Jr. or III.",
        expected=", ".join(GENERATION_CODES),
        choices=GENERATION_CODES,
        choice_labels={
            c: (
                "None"
                if c == "none"
                else c.upper()
                if len(c) <= 4 and c not in ("jr", "sr")
                else c.capitalize() + "."
            )
            for c in GENERATION_CODES
        },
        aliases={"jr.": "jr", "sr.": "sr"},
        required_text="Optional (blank: none)",
        default="none",
    ),
    FieldSpec(
        "saleTransferPii",
        "May sell or transfer personal information",
        "flag",
        "general",
        "Whether the customer's personal information may be sold or passed to "
        "other companies (CCPA). 0 records that the customer opted out.",
        expected="1 (yes), 0 (no)",
        required_text="Optional (blank: 1)",
        default=True,
    ),
    FieldSpec(
        "email", "Email", "email", "contact", "The customer's email address.", max_length=254
    ),
    FieldSpec(
        "priPhone",
        "Primary phone",
        "phone",
        "contact",
        "The customer's main phone number.",
        expected="10 digits",
        required=True,
    ),
    FieldSpec(
        "priPhoneType",
        "Primary phone type",
        "choice",
        "contact",
        "What kind of line the primary phone is.",
        expected=", ".join(PHONE_TYPES),
        choices=PHONE_TYPES,
        choice_labels=PHONE_TYPE_LABELS,
        required=True,
    ),
    FieldSpec(
        "secPhone",
        "Secondary phone",
        "phone",
        "contact",
        "A second phone number.",
        expected="10 digits",
    ),
    FieldSpec(
        "secPhoneType",
        "Secondary phone type",
        "choice",
        "contact",
        "What kind of line the secondary phone is.",
        expected=", ".join(PHONE_TYPES),
        choices=PHONE_TYPES,
        choice_labels=PHONE_TYPE_LABELS,
        required_when=_given("secPhone"),
        required_text="Required with a secondary phone",
    ),
    FieldSpec(
        "additionalPhone",
        "Additional phones",
        "phone_list",
        "contact",
        "More phone numbers, separated by semicolons, e.g. 2031235254;8016300000.",
        expected="10-digit numbers separated by ;",
    ),
    FieldSpec(
        "additionalPhoneType",
        "Additional phone types",
        "choice_list",
        "contact",
        "The type of each additional phone, in the same order, separated by semicolons, "
        "e.g. cell;home.",
        expected=", ".join(PHONE_TYPES) + " separated by ;",
        choices=PHONE_TYPES,
        choice_labels=PHONE_TYPE_LABELS,
        required_when=_given("additionalPhone"),
        required_text="Required with additional phones",
    ),
    FieldSpec(
        "password",
        "Web password",
        "password",
        "web",
        "The password for the customer website. It is stored scrambled and never shown again.",
        expected="6+ characters with an upper-case letter, a lower-case letter and a digit",
        mask="secret",
    ),
    FieldSpec(
        "username",
        "Web username",
        "username",
        "web",
        "The customer's sign-in name for the customer website; it must be unique. Left "
        "blank, it becomes the email address, or else the first and last name as one "
        "word.",
        required_text="Optional (blank: set automatically)",
    ),
    FieldSpec(
        "creditScoreExperian",
        "Experian score",
        "score",
        "scores",
        "The customer's Experian credit score.",
        expected="300 to 850",
        min_value=300,
        max_value=850,
    ),
    FieldSpec(
        "creditScoreEquifax",
        "Equifax score",
        "score",
        "scores",
        "The customer's Equifax credit score.",
        expected="300 to 850",
        min_value=300,
        max_value=850,
    ),
    FieldSpec(
        "creditScoreTransunion",
        "TransUnion score",
        "score",
        "scores",
        "The customer's TransUnion credit score.",
        expected="300 to 850",
        min_value=300,
        max_value=850,
    ),
    FieldSpec(
        "priAddress",
        "Street address",
        "text",
        "contact",
        "The street line of the customer's primary address.",
        max_length=200,
        required=True,
    ),
    FieldSpec(
        "priCity", "City", "text", "contact", "The city of the primary address.", required=True
    ),
    FieldSpec(
        "priState",
        "State / province",
        "state",
        "contact",
        "The two-letter state or province code of the primary address.",
        expected="e.g. NY, UT, ON",
        required=True,
    ),
    FieldSpec(
        "priZipcode",
        "ZIP / postal code",
        "zipcode",
        "contact",
        "The ZIP or postal code of the primary address.",
        expected="12345, 12345-6789 or A1A 1A1",
        required=True,
    ),
    FieldSpec(
        "priCountry",
        "Country",
        "country",
        "contact",
        "The country of the primary address.",
        expected="usa, can",
        choices=("usa", "can"),
        choice_labels={"usa": "United States", "can": "Canada"},
        required=True,
    ),
    FieldSpec(
        "mailAddress",
        "Mailing street address",
        "text",
        "mailing",
        "The street line of the mailing address. Leave all mailing columns blank to "
        "mail to the primary address.",
        max_length=200,
        required_text="Required when any mailing column is filled",
    ),
    FieldSpec(
        "mailCity",
        "Mailing city",
        "text",
        "mailing",
        "The city of the mailing address.",
        required_text="Required when any mailing column is filled",
    ),
    FieldSpec(
        "mailState",
        "Mailing state / province",
        "state",
        "mailing",
        "The two-letter state or province code of the mailing address.",
        expected="e.g. NY, UT, ON",
        required_text="Required when any mailing column is filled",
    ),
    FieldSpec(
        "mailZipcode",
        "Mailing ZIP / postal code",
        "zipcode",
        "mailing",
        "The ZIP or postal code of the mailing address.",
        expected="12345, 12345-6789 or A1A 1A1",
        required_text="Required when any mailing column is filled",
    ),
    FieldSpec(
        "mailCountry",
        "Mailing country",
        "country",
        "mailing",
        "The country of the mailing address.",
        expected="usa, can",
        choices=("usa", "can"),
        choice_labels={"usa": "United States", "can": "Canada"},
        required_text="Required when any mailing column is filled",
    ),
    FieldSpec(
        "employerName",
        "Employer",
        "text",
        "employer",
        "The name of the customer's employer.",
        max_length=200,
    ),
    FieldSpec("employerTitle", "Job title", "text", "employer", "The customer's job title."),
    FieldSpec(
        "employerPhone",
        "Employer phone",
        "phone",
        "employer",
        "The employer's phone number, ideally the customer's supervisor.",
        expected="10 digits",
    ),
    FieldSpec(
        "employerIncome",
        "Income",
        "money",
        "employer",
        "What the customer earns per income period, e.g. 3000.00 a month.",
        expected="an amount, e.g. 36000.00",
    ),
    FieldSpec(
        "employerIncomeFreq",
        "Income frequency",
        "choice",
        "employer",
        "The period the income is earned over.",
        expected=", ".join(FREQUENCIES),
        choices=FREQUENCIES,
        aliases=FREQUENCY_ALIASES,
        choice_labels={f: f.capitalize() for f in FREQUENCIES},
        required_when=_given("employerIncome"),
        required_text="Required with an income",
    ),
    FieldSpec(
        "employerHireDate",
        "Hire date",
        "date",
        "employer",
        "When the customer started at the employer.",
        expected=DATE_FORMAT,
    ),
    FieldSpec(
        "employerPaydayFreq",
        "Pay date frequency",
        "choice",
        "employer",
        "How often the customer is paid.",
        expected=", ".join(FREQUENCIES),
        choices=FREQUENCIES,
        aliases=FREQUENCY_ALIASES,
        choice_labels={f: f.capitalize() for f in FREQUENCIES},
    ),
    FieldSpec(
        "employerNextPayday",
        "Next pay date",
        "date",
        "employer",
        "The customer's next payday.",
        expected=DATE_FORMAT,
    ),
    FieldSpec(
        "employerAddress",
        "Employer street address",
        "text",
        "employer",
        "The street line of the employer's address.",
        max_length=200,
    ),
    FieldSpec("employerCity", "Employer city", "text", "employer", "The employer's city."),
    FieldSpec(
        "employerState",
        "Employer state / province",
        "state",
        "employer",
        "The two-letter state or province code of the employer.",
        expected="e.g. NY, UT, ON",
    ),
    FieldSpec(
        "employerZipcode",
        "Employer ZIP / postal code",
        "zipcode",
        "employer",
        "The employer's ZIP or postal code.",
        expected="12345, 12345-6789 or A1A 1A1",
    ),
    FieldSpec(
        "employerCountry",
        "Employer country",
        "country",
        "employer",
        "The employer's country.",
        expected="usa, can",
        choices=("usa", "can"),
        choice_labels={"usa": "United States", "can": "Canada"},
    ),
)

FIELDS_BY_NAME = {spec.name: spec for spec in (ACTION, CUSTOMER_ID, *CUSTOMER_FIELDS)}
IMPORT_COLUMNS = ("action", "customerId", *(spec.name for spec in CUSTOMER_FIELDS))
# What adding a customer starts with, on the form and through the API (the importer
# takes the file as it is).
ADD_DEFAULTS = {
    "customerType": "individual",
    "idType": "ssn",
    "gencode": "none",
    "saleTransferPii": "1",
    "priCountry": "usa",
}
MAILING_FIELDS = ("mailAddress", "mailCity", "mailState", "mailZipcode", "mailCountry")
PRIMARY_ADDRESS_FIELDS = ("priAddress", "priCity", "priState", "priZipcode", "priCountry")
