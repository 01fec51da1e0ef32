"""Which server a DM's buttons are for, carried in their own ``custom_id``.

A press or form submitted in a DM tells the bot no server, and the core needs one to know
the member. So a DM's buttons (and the forms they open) carry it after their core id,
``<core id>@<server id>``: nothing is stored per message, and the id still fits Discord's
100 characters (core ids are short; a server id is at most 20 digits). The core still
checks the presser is the button's member in that server, so a forged suffix gains nothing.
"""

from __future__ import annotations

from dataclasses import replace

from bot.replies import ACTION_ID_LIMIT, PRESS_PREFIX, Form, Reply

MARK = "@"


def place(custom_id: str, workspace_id: str) -> str:
    """``custom_id`` carrying its server; a non-core id, or one too long to carry it, as is."""
    placed = f"{custom_id}{MARK}{workspace_id}"
    if not custom_id.startswith(PRESS_PREFIX) or len(placed) > ACTION_ID_LIMIT:
        return custom_id
    return placed


def placed_reply(reply: Reply, workspace_id: str) -> Reply:
    """``reply`` with each button carrying its server."""
    if not reply.buttons:
        return reply
    buttons = tuple(replace(b, action_id=place(b.action_id, workspace_id)) for b in reply.buttons)
    return replace(reply, buttons=buttons)


def placed_form(form: Form, workspace_id: str) -> Form:
    """``form`` whose submission carries its server."""
    return replace(form, form_id=place(form.form_id, workspace_id))


def unplace(custom_id: str) -> tuple[str, str | None]:
    """The core's id and the server it carried, if any."""
    core, mark, workspace_id = custom_id.rpartition(MARK)
    if not mark or not workspace_id.isdigit():
        return custom_id, None
    return core, workspace_id
