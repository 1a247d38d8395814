"""Uploaded files checked one way everywhere: a file was chosen, its kind is accepted,
it fits the size limit, and its first bytes are what its kind says (a name proves
nothing)."""

from dataclasses import dataclass

# extension -> (content type, does the file's head look like it)
KINDS = {
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    "png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "gif": ("image/gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    "txt": ("text/plain", lambda head: b"\x00" not in head),
    "csv": ("text/csv", lambda head: b"\x00" not in head),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda head: head.startswith(b"PK\x03\x04"),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda head: head.startswith(b"PK\x03\x04"),
    ),
}


@dataclass(frozen=True)
class CheckedUpload:
    filename: str  # the name it had on the user's machine, without folders
    content_type: str
    content: bytes


def read_upload(
    upload, accepted, max_bytes: int, *, noun: str, missing: str, not_accepted: str, too_big: str
) -> tuple[CheckedUpload | None, str | None]:
    """(the checked file, None) or (None, what is wrong in words for the user).
    `upload` is a werkzeug FileStorage (or anything with .filename and .stream)."""
    filename = (getattr(upload, "filename", "") or "").rsplit("/", 1)[-1]
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    content = upload.stream.read(max_bytes + 1) if upload else b""
    if not filename or not content:
        return None, missing
    if extension not in accepted:
        return None, not_accepted
    if len(content) > max_bytes:
        return None, too_big
    content_type, looks_right = KINDS[extension]
    if not looks_right(content[:8192]):
        return None, f"This file is not really a .{extension} {noun}."
    return CheckedUpload(filename, content_type, content), None
