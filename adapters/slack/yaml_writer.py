"""A small YAML writer for the app manifest: block style, strings quoted whenever in doubt.

The manifest holds only mappings, lists, strings, booleans and integers, so a few lines here
spare the project a YAML dependency. Double-quoted strings use YAML's escapes for anything
that is not printable, so every string reads back exactly as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

Value = str | int | bool | None | Mapping[str, "Value"] | Sequence["Value"]

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLAIN = re.compile(r"[A-Za-z/][A-Za-z0-9 _./;:,|()'!?+=-]*")
_RESERVED = re.compile(r"(?i)y|n|yes|no|true|false|on|off|null")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}


def to_yaml(value: Mapping[str, Value]) -> str:
    """A YAML document for a mapping, ending in a newline."""
    return "\n".join(_mapping(value, 0)) + "\n"


def scalar(value: str | int | bool | None) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return value if _is_plain(value) else _quoted(value)


def _is_plain(text: str) -> bool:
    return (
        bool(_PLAIN.fullmatch(text))
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
        and not _RESERVED.fullmatch(text)
    )


def _quoted(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def _key(name: str) -> str:
    if not _KEY.fullmatch(name):
        raise ValueError(f"manifest keys are identifiers, not {name!r}")
    return name


def _mapping(value: Mapping[str, Value], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for name, item in value.items():
        lines.extend(_entry(f"{pad}{_key(name)}:", item, indent))
    return lines


def _entry(prefix: str, item: Value, indent: int) -> list[str]:
    """``prefix`` followed by a scalar on the same line, or a nested block below it."""
    if isinstance(item, Mapping):
        if not item:
            return [f"{prefix} {{}}"]
        return [prefix, *_mapping(item, indent + 2)]
    if isinstance(item, Sequence) and not isinstance(item, str):
        if not item:
            return [f"{prefix} []"]
        return [prefix, *_sequence(item, indent + 2)]
    return [f"{prefix} {scalar(item)}"]


def _sequence(items: Sequence[Value], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for item in items:
        if isinstance(item, Mapping) and item:
            nested = _mapping(item, indent + 2)
            lines.append(f"{pad}- {nested[0].lstrip()}")
            lines.extend(nested[1:])
        elif isinstance(item, Sequence) and not isinstance(item, str) and item:
            nested = _sequence(item, indent + 2)
            lines.append(f"{pad}- {nested[0].lstrip()}")
            lines.extend(nested[1:])
        else:
            lines.extend(_entry(f"{pad}-", item, indent))
    return lines
