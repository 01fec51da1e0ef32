"""``Reply``: what a handler answers, before any platform decides how it looks.

Mentions travel as sentinel-wrapped user ids. The sentinel is a control character that the
argument parser refuses in anything a user types, so typed text can never forge a mention;
adapters render only the ids a reply lists in ``mentions``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MENTION_MARK = "\x1f"


@dataclass(frozen=True)
class Mention:
    """A user a reply is allowed to mention, with a name for platforms without mentions."""

    user_id: str
    display_name: str


@dataclass(frozen=True)
class Field:
    """A labelled block of a reply (an embed field on Discord, a section on Slack)."""

    name: str
    value: str


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply, such as a data export."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class Image:
    """A picture that goes with a reply, such as a chart, with words that say the same.

    ``alt_text`` is what a screen reader speaks and what a platform without pictures shows;
    every adapter must carry it (Discord's attachment description, Slack's ``alt_txt``).
    """

    filename: str
    content: bytes
    alt_text: str
    width: int
    height: int


@dataclass(frozen=True)
class Reply:
    """A platform-neutral answer: private unless it is meant for the channel."""

    text: str
    private: bool = True
    title: str | None = None
    fields: tuple[Field, ...] = ()
    mentions: tuple[Mention, ...] = ()
    attachment: Attachment | None = None
    image: Image | None = None
    error: bool = False

    def plain_text(self) -> str:
        """Everything in the reply as one plain string, mentions shown as @name."""
        parts = [self.title] if self.title else []
        parts.append(self.text)
        parts.extend(f"{f.name}\n{f.value}" for f in self.fields)
        names = {m.user_id: m.display_name for m in self.mentions}
        return render_text(
            "\n\n".join(p for p in parts if p),
            names,
            escape=lambda s: s,
            mention=lambda user_id, name: f"@{name}",
        )


def mention(user_id: str) -> str:
    """A placeholder for a mention of ``user_id``; list the user in ``Reply.mentions`` too."""
    return f"{MENTION_MARK}{user_id}{MENTION_MARK}"


def render_text(
    text: str,
    names: dict[str, str],
    *,
    escape: Callable[[str], str],
    mention: Callable[[str, str], str],
) -> str:
    """Escape ordinary text and turn placeholders for listed users into platform mentions.

    A placeholder for a user who is not listed in ``names`` is shown as escaped plain text.
    """
    pieces = text.split(MENTION_MARK)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            out.append(escape(piece))
        elif piece in names:
            out.append(mention(piece, names[piece]))
        else:
            out.append(escape(piece))
    return "".join(out)
