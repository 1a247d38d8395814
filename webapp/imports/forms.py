from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField

MERGE_MODES = [
    SelectChoice("overwrite", "Overwrite: values in the file replace stored ones"),
    SelectChoice("fill-empty", "Fill only empty fields: stored values are kept"),
]


class FileForm(FlaskForm):
    """A file of fixed rows, uploaded from the import whose refused rows they are: it is
    read as that import's file was (merge mode, duplicates)."""

    file = FileField(
        "Customer file",
        validators=[
            FileRequired("Choose a CSV or XLSX file."),
            FileAllowed(["csv", "txt", "xlsx"], "Upload a .csv or .xlsx file."),
        ],
    )


class UploadForm(FileForm):
    merge_mode = SelectField("Update rows", choices=MERGE_MODES, default="overwrite")
    has_header = BooleanField("The first row holds the column names", default=True)
    refuse_duplicates = BooleanField(
        "Refuse rows with possible duplicates",
        description="Rows whose SSN, tax ID, email, phone or primary address another "
        "customer has are refused instead of imported with a warning.",
    )
