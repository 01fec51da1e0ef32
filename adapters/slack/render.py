"""A ``Reply`` as a Slack message: Block Kit plus a plain-text fallback, safely escaped.

Everything a reply says is escaped for mrkdwn (``&``, ``<``, ``>``), so text a member typed
can never turn into ``<!channel>``, ``<!here>``, ``<!everyone>``, a user-group or a user
mention. The only mentions rendered are the users the reply lists in ``mentions``. Text
objects are ``verbatim`` so Slack does not auto-parse anything either. A reply's buttons
become one ``actions`` block of ``plain_text`` buttons, which Slack never parses for
mentions, carrying the core's opaque ``action_id`` unchanged.
"""

from __future__ import annotations

from typing import Any

from bot.replies import Button, ButtonStyle, Reply, render_text

SECTION_LIMIT = 3000
"""Slack's limit for the text of one section block."""

FALLBACK_LIMIT = 3000
"""Notifications show far less; a long fallback only costs bandwidth."""

COMMENT_LIMIT = 4000
"""A message's text, which a file comment is, stays well under Slack's 40,000."""

BUTTON_TEXT_LIMIT = 75
"""Slack's limit for a button's text."""

BUTTONS_BLOCK = "buttons"
"""The ``block_id`` of a reply's ``actions`` block."""

STYLES = {ButtonStyle.PRIMARY: "primary", ButtonStyle.DANGER: "danger"}
"""Slack's button styles; a plain button carries no ``style``."""

Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack's three control characters as entities; ``&`` first so nothing is escaped twice."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, reply: Reply) -> str:
    """Escaped text in which only the reply's listed users become ``<@U…>`` mentions."""
    names = {m.user_id: m.display_name for m in reply.mentions}
    return render_text(text, names, escape=escape, mention=lambda user_id, _name: f"<@{user_id}>")


def sections(text: str) -> list[Block]:
    """Section blocks for already-rendered mrkdwn, split on lines to fit Slack's limit."""
    blocks: list[Block] = []
    for chunk in _chunks(text, SECTION_LIMIT):
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": chunk, "verbatim": True}}
        )
    return blocks


def reply_blocks(reply: Reply) -> list[Block]:
    """The reply's title, text and fields as sections; titles and field names in bold."""
    blocks: list[Block] = []
    head = [f"*{mrkdwn(reply.title, reply)}*"] if reply.title else []
    if reply.text:
        head.append(mrkdwn(reply.text, reply))
    if head:
        blocks.extend(sections("\n".join(head)))
    for field in reply.fields:
        blocks.extend(sections(f"*{mrkdwn(field.name, reply)}*\n{mrkdwn(field.value, reply)}"))
    if reply.buttons:
        blocks.append(actions_block(reply.buttons))
    return blocks


def actions_block(buttons: tuple[Button, ...]) -> Block:
    """The reply's buttons in one row, the core's ``action_id`` on each for the press."""
    elements: list[Block] = []
    for button in buttons:
        element: Block = {
            "type": "button",
            "action_id": button.action_id,
            "text": {
                "type": "plain_text",
                "text": clip(button.label, BUTTON_TEXT_LIMIT),
                "emoji": True,
            },
        }
        if button.style in STYLES:
            element["style"] = STYLES[button.style]
        elements.append(element)
    return {"type": "actions", "block_id": BUTTONS_BLOCK, "elements": elements}


def buttons_message(reply: Reply) -> dict[str, Any]:
    """The buttons alone, for the message that follows an uploaded file (a file's comment
    cannot carry blocks); the labels are the notification text."""
    labels = " · ".join(b.label for b in reply.buttons)
    return {"text": clip(labels, FALLBACK_LIMIT), "blocks": [actions_block(reply.buttons)]}


def fallback_text(reply: Reply) -> str:
    """The ``text`` Slack shows in notifications and to clients that cannot draw blocks."""
    parts = [p for p in (reply.title, reply.text) if p]
    if not parts:
        parts = [f"{f.name}: {f.value}" for f in reply.fields[:1]] or ["reachout"]
    return clip(mrkdwn("\n".join(parts), reply), FALLBACK_LIMIT)


def comment(reply: Reply) -> str:
    """The reply as one mrkdwn text, for the comment that goes with uploaded files (which
    cannot carry blocks): the title in bold, then the text and fields."""
    parts = [f"*{mrkdwn(reply.title, reply)}*"] if reply.title else []
    if reply.text:
        parts.append(mrkdwn(reply.text, reply))
    parts.extend(f"*{mrkdwn(f.name, reply)}*\n{mrkdwn(f.value, reply)}" for f in reply.fields)
    return clip("\n".join(parts) or "reachout", COMMENT_LIMIT)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message(reply: Reply) -> dict[str, Any]:
    """``text`` and ``blocks`` for ``chat.postMessage``, an ack, or a ``response_url`` post."""
    return {"text": fallback_text(reply), "blocks": reply_blocks(reply)}


def _chunks(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = line.rfind(" ", 0, limit)  # entities and mentions hold no spaces
            cut = cut if cut > 0 else limit
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()] or ["…"]
