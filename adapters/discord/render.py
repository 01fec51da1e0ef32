"""A ``Reply`` as a Discord message: text, an embed for titled replies, files, and mentions.

A reply's image is uploaded as an attachment whose description is the alt text, and shown
in the embed through ``attachment://<filename>``. A reply's buttons become action rows of
up to five buttons, each with the core's opaque ``action_id`` as its ``custom_id``.

Mentions are safe twice over: the text of a reply (which can hold anything members typed,
such as contact names, notes and display names) has ``@everyone``, ``@here`` and raw
``<@...>`` forms defused, and ``allowed_mentions`` names exactly the users the reply lists,
so even a mention that slipped through could not ping anyone else.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import discord
from discord.utils import escape_mentions

from bot.replies import Attachment, Button, ButtonStyle, Form, Image, Reply, render_text

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
EMBED_TOTAL_LIMIT = 6000
DESCRIPTION_LIMIT_FILE = 1024
"""An attachment's description: the alt text screen readers speak for an image."""
BUTTON_LABEL_LIMIT = 80
BUTTONS_PER_ROW = 5
BUTTON_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.PLAIN: discord.ButtonStyle.secondary,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}
MODAL_TITLE_LIMIT = 45
INPUT_LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100
INPUT_LIMIT = 4000
"""The longest text a modal's text input takes."""
COLOUR = discord.Colour(0x3BA55D)
_SNOWFLAKE = re.compile(r"^[0-9]{15,20}$")
_MORE = "…"


@dataclass(frozen=True)
class DiscordMessage:
    """Everything needed to send one reply, in any of discord.py's sending methods."""

    content: str | None
    embed: discord.Embed | None
    attachment: Attachment | None
    allowed_mentions: discord.AllowedMentions
    image: Image | None = None
    buttons: tuple[Button, ...] = ()

    def send_kwargs(self) -> dict[str, Any]:
        """Arguments for ``send_message``, ``followup.send`` and ``Messageable.send``."""
        kwargs: dict[str, Any] = {"allowed_mentions": self.allowed_mentions}
        if self.content:
            kwargs["content"] = self.content
        if self.embed is not None:
            kwargs["embed"] = self.embed
        if files := self._files():
            kwargs["files"] = files
        if self.buttons:
            kwargs["view"] = Buttons(self.buttons)
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Arguments for ``edit_original_response`` and ``edit_message``: replaces everything
        the message had, its buttons included (none left if the reply has none)."""
        return {
            "content": self.content,
            "embeds": [self.embed] if self.embed is not None else [],
            "attachments": self._files(),
            "allowed_mentions": self.allowed_mentions,
            "view": Buttons(self.buttons) if self.buttons else None,
        }

    def _files(self) -> list[discord.File]:
        """New file objects each time: discord.py reads and closes them when sending."""
        files = []
        if self.attachment is not None:
            files.append(
                discord.File(io.BytesIO(self.attachment.content), self.attachment.filename)
            )
        if self.image is not None:
            files.append(
                discord.File(
                    io.BytesIO(self.image.content),
                    self.image.filename,
                    description=clip(self.image.alt_text, DESCRIPTION_LIMIT_FILE),
                )
            )
        return files


class Buttons(discord.ui.View):
    """A reply's buttons, rendered only: presses reach the core through the client's
    ``on_interaction`` (the ``ro:`` prefix), and a message can be pressed days later or on
    another instance, so discord.py must not keep this view in its view store, where one
    view per message sent would stay for ever."""

    def __init__(self, buttons: tuple[Button, ...]) -> None:
        super().__init__(timeout=None)
        for index, button in enumerate(buttons):
            self.add_item(
                discord.ui.Button(
                    label=clip(button.label, BUTTON_LABEL_LIMIT),
                    custom_id=button.action_id,
                    style=BUTTON_STYLES[button.style],
                    row=index // BUTTONS_PER_ROW,
                )
            )

    def is_finished(self) -> bool:
        """Always: this is what keeps discord.py from storing and dispatching the view."""
        return True


class FormModal(discord.ui.Modal):
    """A core ``Form`` as a Discord modal: one text input per field, its ``custom_id`` the
    field's name and the modal's the form's opaque id. Like ``Buttons``, it is never kept in
    discord.py's store: the submission reaches the core through ``on_interaction``, on
    whichever instance Discord sends it to. (Discord names the submit button itself.)"""

    def __init__(self, form: Form) -> None:
        super().__init__(
            title=clip(form.title, MODAL_TITLE_LIMIT), custom_id=form.form_id, timeout=None
        )
        for field in form.fields:
            longest = max(1, min(field.max_length, INPUT_LIMIT))
            self.add_item(
                discord.ui.TextInput(
                    label=clip(field.label, INPUT_LABEL_LIMIT),
                    custom_id=field.name,
                    style=(
                        discord.TextStyle.paragraph if field.multiline else discord.TextStyle.short
                    ),
                    required=field.required,
                    max_length=longest,
                    default=field.value[:longest] or None,
                    placeholder=clip(field.placeholder, PLACEHOLDER_LIMIT) or None,
                )
            )

    def is_finished(self) -> bool:
        """Always: this is what keeps discord.py from storing the modal by its id."""
        return True


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - len(_MORE)] + _MORE


def _chunks(value: str, limit: int) -> list[str]:
    """Split on line breaks into pieces of at most ``limit`` characters."""
    pieces: list[str] = []
    current = ""
    for line in value.splitlines() or [""]:
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            candidate = line
        current = candidate
    pieces.append(current)
    return [p for p in pieces if p.strip()] or ["\u200b"]


def _add_fields(embed: discord.Embed, fields: list[tuple[str, str]]) -> None:
    """Fields in order, long ones continued, stopping short of Discord's embed limits.

    The fields are counted here: ``Embed.fields`` builds a new list of all of them each time.
    """
    used = len(embed.title or "") + len(embed.description or "")
    count = len(embed.fields)
    for name, value in fields:
        for index, piece in enumerate(_chunks(value, FIELD_VALUE_LIMIT)):
            label = clip(name if index == 0 else f"{name} (continued)", FIELD_NAME_LIMIT)
            cost = len(label) + len(piece)
            if count == FIELD_COUNT_LIMIT or used + cost > EMBED_TOTAL_LIMIT:
                embed.set_footer(text="(shortened to fit Discord's limits)")
                return
            embed.add_field(name=label, value=piece, inline=False)
            count += 1
            used += cost


def _escape(text: str) -> str:
    """``escape_mentions``, whose every mention starts with ``@``: text without one (most
    lines of a reply) is returned as it is, without running the regular expression."""
    return escape_mentions(text) if "@" in text else text


def render_reply(reply: Reply) -> DiscordMessage:
    """How a reply looks on Discord; titled replies (progress, leaderboard) become embeds."""
    names = {m.user_id: m.display_name for m in reply.mentions if _SNOWFLAKE.fullmatch(m.user_id)}

    def show(text: str) -> str:
        return render_text(text, names, escape=_escape, mention=lambda uid, _: f"<@{uid}>")

    text = show(reply.text).strip()
    allowed = discord.AllowedMentions(
        everyone=False,
        roles=False,
        users=[discord.Object(int(uid)) for uid in names] or False,
        replied_user=False,
    )
    content: str | None = text
    embed: discord.Embed | None = None
    if reply.title or reply.fields:
        embed = discord.Embed(title=clip(show(reply.title or ""), TITLE_LIMIT) or None)
        embed.colour = COLOUR
        if text and not names:
            embed.description = clip(text, DESCRIPTION_LIMIT)
            content = None
        _add_fields(embed, [(show(f.name), show(f.value)) for f in reply.fields])
    if content is not None and len(content) > CONTENT_LIMIT:
        if embed is None:
            embed = discord.Embed(description=clip(content, DESCRIPTION_LIMIT), colour=COLOUR)
            content = None
        else:
            content = clip(content, CONTENT_LIMIT)
    if reply.image is not None:
        embed = embed or discord.Embed(colour=COLOUR)
        embed.set_image(url=f"attachment://{reply.image.filename}")
    if not content and embed is None and reply.attachment is None:
        content = "Done."
    return DiscordMessage(
        content or None, embed, reply.attachment, allowed, reply.image, reply.buttons
    )
