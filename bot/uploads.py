"""Files uploaded for a text argument (a CSV on Discord or Slack): what may be read, and how.

Both platforms say a file's size and type before it is downloaded, so an oversized or
non-text file is refused in one sentence without fetching a byte. What is read must be
UTF-8 (a byte-order mark is allowed, as spreadsheets write one); the text then goes through
the same checks as typed text, so a file can do nothing the command line could not.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.arguments import Argument
from bot.errors import UserError

BOM = "\ufeff"
UTF8_MAX_BYTES = 4
"""The most bytes one character takes in UTF-8."""


@dataclass(frozen=True)
class Upload:
    """A file as the platform describes it before download: name, size in bytes, and the
    content type it reports (None if it reports none)."""

    filename: str
    size: int
    content_type: str | None = None


def upload_limit(argument: Argument) -> int:
    """The largest file, in bytes, that could hold the argument's most characters (each
    character at its longest in UTF-8, and a byte-order mark): anything bigger is refused
    unread, anything smaller is read and its text measured as typed text is."""
    return argument.max_length * UTF8_MAX_BYTES + len(BOM.encode())


def _size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, round(size / 1000))} KB"


def _is_text(argument: Argument, upload: Upload) -> bool:
    extension = upload.filename.rpartition(".")[2].casefold() if "." in upload.filename else ""
    media = (upload.content_type or "").partition(";")[0].strip().casefold()
    return extension in argument.upload or media.startswith("text/") or media == "application/csv"


def check_upload(argument: Argument, upload: Upload) -> None:
    """Raise a ``UserError`` (one sentence) for a file too big or not text; else nothing."""
    types = " or ".join(t.upper() for t in argument.upload) or "text"
    if not _is_text(argument, upload):
        raise UserError(
            f"{upload.filename} isn't a {types} file: save it as CSV (UTF-8) and upload that."
        )
    limit = upload_limit(argument)
    if upload.size > limit:
        raise UserError(
            f"That file is {_size(upload.size)} and I read at most {_size(limit)}: keep the "
            "rows you need and upload it again."
        )


def read_upload(argument: Argument, content: bytes) -> str:
    """The file's text: UTF-8, a leading byte-order mark dropped; a ``UserError`` if it is
    longer than ``upload_limit`` (a platform that misreported its size) or not UTF-8."""
    if len(content) > upload_limit(argument):
        raise UserError(
            f"That file is more than {_size(upload_limit(argument))}, which is all I read: keep "
            "the rows you need and upload it again."
        )
    try:
        return content.decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError:
        raise UserError(
            "That file isn't UTF-8 text: save it as CSV (UTF-8) in your spreadsheet and "
            "upload it again."
        ) from None
