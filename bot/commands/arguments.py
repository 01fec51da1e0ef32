"""Typed command arguments: declared once, converted and validated the same on every platform.

Slack and the console hand in text; Discord hands in native values (ints, bools, user ids).
Both go through ``Argument.convert``, so a value is checked the same way wherever it came from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.errors import UserError

_TRUE = {"yes", "y", "true", "on", "1"}
_FALSE = {"no", "n", "false", "off", "0"}
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_USER_MENTION = re.compile(r"^<@!?([A-Za-z0-9]+)(?:\|([^>]*))?>$")
_WHITESPACE_CONTROLS = {"\t", "\n", "\r"}


class ArgType(StrEnum):
    """The kinds of value an argument takes; adapters map them to native option types."""

    TEXT = "text"
    INTEGER = "integer"
    CHOICE = "choice"
    DATE = "date"
    USER = "user"
    BOOLEAN = "yes/no"


@dataclass(frozen=True)
class UserRef:
    """A user named in an argument: the platform id, and a name to show."""

    user_id: str
    display_name: str


def clean_text(value: str, what: str) -> str:
    """Trim, fold tabs and newlines into spaces, and refuse other control characters."""
    chars = []
    for char in value:
        if char in _WHITESPACE_CONTROLS:
            chars.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cs"):
            raise UserError(
                f"The {what} contains a control character (such as a NUL byte) that I can't "
                "store. Retype it with ordinary letters, digits and punctuation."
            )
        else:
            chars.append(char)
    return " ".join("".join(chars).split())


def clean_lines(value: str, what: str) -> str:
    """Text whose lines matter (a CSV file): kept as it is, other control characters refused."""
    if any(
        c not in _WHITESPACE_CONTROLS and unicodedata.category(c) in ("Cc", "Cs") for c in value
    ):
        raise UserError(
            f"The {what} contains a control character (such as a NUL byte); save it as plain "
            "text (CSV, UTF-8) and try again."
        )
    return value


@dataclass(frozen=True)
class Argument:
    """One named argument of a command; ``multiline`` text keeps its line breaks.

    ``upload`` lists the file types (extensions such as ``csv``) the text may also come in
    as a file: Discord adds an attachment option beside it, Slack opens a form with a file
    field, the console reads a path. The file's text is checked like typed text.
    """

    name: str
    type: ArgType
    description: str
    required: bool = False
    max_length: int = 100
    min_value: int = 0
    max_value: int = 0
    choices: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    example: str = ""
    multiline: bool = False
    upload: tuple[str, ...] = ()

    @property
    def hint(self) -> str:
        """A short usage hint such as ``count:1-20`` or ``status:done|scheduled``."""
        if self.type is ArgType.CHOICE:
            return "|".join(self.choices)
        if self.type is ArgType.INTEGER:
            return f"{self.min_value}-{self.max_value}"
        if self.type is ArgType.DATE:
            return "YYYY-MM-DD" + "".join(f"|{k}" for k in self.keywords)
        if self.type is ArgType.BOOLEAN:
            return "yes|no"
        if self.type is ArgType.USER:
            return "@someone"
        return "text"

    def convert(self, raw: object) -> object:
        """The typed value for ``raw``, or a ``UserError`` saying what would work."""
        if isinstance(raw, str):
            raw = clean_lines(raw, self.name) if self.multiline else clean_text(raw, self.name)
        if self.type is ArgType.TEXT:
            return self._text(raw)
        if self.type is ArgType.INTEGER:
            return self._integer(raw)
        if self.type is ArgType.CHOICE:
            return self._choice(raw)
        if self.type is ArgType.DATE:
            return self._date(raw)
        if self.type is ArgType.BOOLEAN:
            return self._boolean(raw)
        return self._user(raw)

    def _text(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise UserError(f"`{self.name}` should be text.")
        if len(raw) > self.max_length:
            raise UserError(
                f"`{self.name}` can be at most {self.max_length} characters "
                f"(this one has {len(raw):,}). Shorten it and try again."
            )
        return raw

    def _integer(self, raw: object) -> int:
        if isinstance(raw, bool):
            raise UserError(self._range_message())
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, str) and re.fullmatch(r"[+-]?\d{1,40}", raw):
            value = int(raw)
        else:
            raise UserError(
                f"`{self.name}` should be a whole number from {self.min_value} to "
                f"{self.max_value}, e.g. `{self.name}:{self.example or self.min_value}`."
            )
        if not self.min_value <= value <= self.max_value:
            raise UserError(self._range_message())
        return value

    def _range_message(self) -> str:
        return (
            f"`{self.name}` must be a whole number from {self.min_value} to {self.max_value}, "
            f"e.g. `{self.name}:{self.example or self.min_value}`."
        )

    def _choice(self, raw: object) -> str:
        """A choice in any case, or an unambiguous start of one (``wed``, ``sched``)."""
        value = " ".join(str(raw).split()).casefold()
        if value in self.choices:
            return value
        starting = [c for c in self.choices if value and c.startswith(value)]
        if len(starting) == 1:
            return starting[0]
        options = ", ".join(f"`{c}`" for c in starting or self.choices)
        if len(starting) > 1:
            raise UserError(f"`{value}` could be {options}: type a little more of it.")
        raise UserError(f"`{self.name}` can be {options}.")

    def _date(self, raw: object) -> date | str:
        text = str(raw).casefold()
        if text in self.keywords:
            return text
        match = _DATE.match(text)
        if not match:
            raise UserError(
                f"`{self.name}` should be a date like `2026-12-31` (year-month-day)"
                + "".join(f" or `{k}`" for k in self.keywords)
                + "."
            )
        year, month, day = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            raise UserError(
                f"{text} is not a real date. Check the month and day, e.g. `2026-12-31`."
            ) from None

    def _boolean(self, raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise UserError(f"`{self.name}` should be `yes` or `no`.")

    def _user(self, raw: object) -> UserRef:
        if isinstance(raw, UserRef):
            return raw
        text = str(raw)
        match = _USER_MENTION.match(text)
        if match:
            return UserRef(match.group(1), match.group(2) or match.group(1))
        name = text.removeprefix("@").strip()
        if not name or len(name) > 80:
            raise UserError(f"`{self.name}` should name one person, e.g. `{self.name}:@Sam`.")
        return UserRef(name.casefold(), name)
