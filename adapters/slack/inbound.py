"""Slash command text as Slack sends it, back to what the member typed.

With ``should_escape`` on, Slack sends ``&``, ``<`` and ``>`` as entities and turns mentions,
channels and links into ``<…>`` markup. User references stay as ``<@U…|name>`` for commands
with a user argument, so the parser gets ids; everything else becomes readable text again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_MARKUP = re.compile(r"<([^<>]*)>")
_USER_REF = re.compile(r"<@([A-Z0-9]+)(?:\|[^<>]*)?>")
_SPECIAL_MENTIONS = frozenset({"here", "channel", "everyone"})
_LABEL_UNSAFE = re.compile(r"[\s<>|&]+")


def unescape(text: str) -> str:
    """Slack's three entities back to characters; ``&amp;`` last so nothing is decoded twice."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def referenced_users(text: str) -> list[str]:
    """User ids of the ``<@U…>`` references in Slack's text, in order, without repeats."""
    return list(dict.fromkeys(_USER_REF.findall(text)))


def command_text(text: str, user_labels: Mapping[str, str] | None = None) -> str:
    """The member's text with Slack's markup resolved.

    Args:
        text: the ``text`` field of a slash command, as Slack escaped it.
        user_labels: when given, user references are kept as ``<@U…|label>`` (labels taken
            from here when Slack sent none); when None they become ``@name``.
    """

    def resolve(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            user_id = target[1:]
            if user_labels is None:
                return "@" + (label or user_id)
            raw = unescape(label) or user_labels.get(user_id, "")
            name = _LABEL_UNSAFE.sub("_", raw).strip("_")
            return f"<@{user_id}|{name}>" if name else f"<@{user_id}>"
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            name = target[1:].split("^", 1)[0]
            if name in _SPECIAL_MENTIONS:
                return "@" + name
            return label or name
        return label or target

    return unescape(_MARKUP.sub(resolve, text))
