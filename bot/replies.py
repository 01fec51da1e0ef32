"""``Reply``: what a handler answers, before any platform decides how it looks.

Mentions travel as sentinel-wrapped user ids. The sentinel is a control character that the
argument parser refuses in anything a user types, so typed text can never forge a mention;
adapters render only the ids a reply lists in ``mentions``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

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


class ButtonStyle(Enum):
    """How prominent a button is: the expected next step, an ordinary choice, or a stop."""

    PRIMARY = "primary"
    PLAIN = "plain"
    DANGER = "danger"


BUTTON_LABEL_LIMIT = 75
"""Slack's limit on a button's text (Discord allows 80)."""
ACTION_ID_LIMIT = 100
"""Discord's limit on a component's ``custom_id`` (Slack allows 255)."""
MAX_BUTTONS = 25
"""Five Discord action rows of five buttons."""
PRESS_PREFIX = "ro:"
"""Every button's ``action_id`` and form's ``form_id`` the core makes starts so: adapters
send only these to the port, and leave other ids (their own) alone."""


@dataclass(frozen=True)
class Button:
    """A one-tap choice under a message.

    ``action_id`` is opaque to adapters: they render it as the platform's custom id, pass it
    back unchanged to ``AdapterPort.press`` when the button is pressed, and never parse it.
    It is ASCII and at most ``ACTION_ID_LIMIT`` characters; ``label`` is plain text of at
    most ``BUTTON_LABEL_LIMIT`` characters.
    """

    label: str
    action_id: str
    style: ButtonStyle = ButtonStyle.PLAIN


@dataclass(frozen=True)
class FormField:
    """One text input of a form, named after the command argument it fills; ``label`` is
    at most 45 characters (Discord's limit)."""

    name: str
    label: str
    required: bool = False
    multiline: bool = False
    max_length: int = 200
    value: str = ""
    placeholder: str = ""


@dataclass(frozen=True)
class Form:
    """A form (a modal) to open instead of a message.

    Submitting it sends ``form_id`` (opaque, like a button's ``action_id``) and each field's
    value by name to ``AdapterPort.submit``. ``title`` is at most 24 characters (Slack's
    limit) and there are at most five fields (Discord's).
    """

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Log it"


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
    buttons: tuple[Button, ...] = ()

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


@dataclass(frozen=True)
class Press:
    """What the adapter does after a button press: answer the presser privately (``reply``),
    open a form instead (``form``), and rewrite the pressed message so its history stays
    truthful (``update``; None leaves it as it is)."""

    reply: Reply | None = None
    form: Form | None = None
    update: Reply | None = None

    def answered_in_place(self) -> Press:
        """The answer carried by the pressed message's update, for a message only the
        presser sees (a DM): one platform call instead of two. A refusal, or an answer with
        more than words and buttons, stays a message of its own, so the message's history
        keeps only what was done."""
        reply, update = self.reply, self.update
        if reply is None or update is None or not reply.private or reply.error:
            return self
        if reply.title or reply.fields or reply.mentions or reply.attachment or reply.image:
            return self
        shown = replace(update, text=f"{update.text}\n\n{reply.text}", buttons=reply.buttons)
        return Press(form=self.form, update=shown)


@dataclass(frozen=True)
class Suggestion:
    """One autocomplete choice: ``label`` is shown, ``value`` is filled in (each at most
    100 characters, Discord's limit)."""

    label: str
    value: str


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
    Text with no placeholder (most of a reply's lines) is only escaped.
    """
    if MENTION_MARK not in text:
        return escape(text)
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
