"""How large a customer file's parts may be: past these, a file is refused with a message
that says which limit and what to do, before it can use up the server's memory."""

from webapp.services.refusal import Refused

MAX_COLUMNS = 500  # the import has about a hundred columns; room for ignored extras
MAX_CELL_CHARS = 32_767  # the most a spreadsheet cell holds
MAX_LINE_CHARS = 1_000_000  # one line of a CSV file, quoted line breaks aside
EXCEL_MAX_ROWS = 1_048_576  # a sheet cannot hold more; a workbook that says so is forged


class FileProblem(Refused):
    """The file as a whole cannot be read; the message says why and what to do."""


def too_many_columns(where: str) -> FileProblem:
    return FileProblem(
        f"{where} has more than {MAX_COLUMNS} columns, the most a customer file has. "
        "Delete the extra columns and upload again."
    )
