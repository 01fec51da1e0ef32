"""The buttons under a "did you mean" refusal: each close name, and "someone new".

The refused command is kept (as its raw arguments, under the member's key, one at a time)
so a press can run it again with the chosen name. A newer refusal replaces it, and its
buttons then say they were overtaken.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.engine import Engine
from bot.invocation import Invocation
from bot.models import Contact
from bot.presses.ids import ButtonId, Choice, Subject, pending_key
from bot.replies import BUTTON_LABEL_LIMIT, Button, ButtonStyle
from bot.texts import contact_label


@dataclass(frozen=True)
class Pending:
    """A refused command, as kept for its buttons."""

    nonce: str
    path: str
    raw: dict[str, object]
    text: str


async def offer(
    engine: Engine,
    inv: Invocation,
    path: str,
    raw: Mapping[str, object],
    close: Sequence[Contact],
    text: str,
) -> tuple[Button, ...]:
    """Keep the refused command (and its refusal's ``text``) and return its buttons."""
    nonce = secrets.token_hex(4)
    kept = {"nonce": nonce, "path": path, "raw": dict(raw), "text": text}
    await engine.save_adapter_state(pending_key(inv.member.id), json.dumps(kept, default=str))
    member = inv.member.id
    picks = tuple(
        Button(
            f"Yes, {contact_label(c)}"[:BUTTON_LABEL_LIMIT],
            ButtonId(Subject.CLOSE_NAME, Choice.PICK, member, c.id, 0, nonce).encode(),
            ButtonStyle.PRIMARY if i == 0 else ButtonStyle.PLAIN,
        )
        for i, c in enumerate(close)
    )
    new = ButtonId(Subject.CLOSE_NAME, Choice.SOMEONE_NEW, member, 0, 0, nonce).encode()
    return (*picks, Button("No, someone new", new))


async def pending(engine: Engine, inv: Invocation) -> Pending | None:
    """The member's refused command waiting for a choice, if any."""
    stored = await engine.adapter_state(pending_key(inv.member.id))
    if not stored:
        return None
    kept = json.loads(stored)
    return Pending(kept["nonce"], kept["path"], dict(kept["raw"]), kept["text"])
