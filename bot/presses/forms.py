"""The forms a press can open, and turning a submitted one into a command's arguments."""

from __future__ import annotations

from collections.abc import Mapping

from bot.commands.catalog import CONTACT_LIMIT, NOTE_LIMIT, ORG_LIMIT
from bot.errors import UserError
from bot.presses.ids import FORM_MOVED, FORM_SENT, ButtonId
from bot.replies import Form, FormField


def sent_form(organization: str = "") -> Form:
    """``/sent`` as a form: who, where (filled in when the press knows), and a note."""
    return Form(
        FORM_SENT,
        "Log an email",
        (
            FormField(
                "contact",
                "Who did you write to?",
                required=True,
                max_length=CONTACT_LIMIT,
                placeholder="Jane Doe",
            ),
            FormField(
                "org",
                "Their organisation",
                max_length=ORG_LIMIT,
                value=organization,
                placeholder="Acme Labs",
            ),
            FormField(
                "note",
                "A private note for yourself",
                multiline=True,
                max_length=NOTE_LIMIT,
            ),
        ),
    )


def moved_form(button: ButtonId) -> Form:
    """A check-back's "It moved": the new day, and the time if known."""
    return Form(
        FORM_MOVED + button.encode(),
        "When is it now?",
        (
            FormField("on", "The new day (YYYY-MM-DD)", required=True, max_length=10),
            FormField("at", "Its time, e.g. 14:00 (optional)", max_length=8),
        ),
        submit_label="Move it",
    )


def filled(form: Form, values: Mapping[str, str]) -> dict[str, object]:
    """The command arguments a submitted ``form`` gives: its own fields only, empty ones
    left out; a required one left empty is refused as a typed command would be."""
    known = {f.name: f for f in form.fields}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UserError(f"That form has no field `{unknown[0][:40]}`.")
    raw: dict[str, object] = {}
    for name, field in known.items():
        value = values.get(name, "")
        if not isinstance(value, str):
            raise UserError(f"{field.label} must be text.")
        value = value.strip()
        if value:
            raw[name] = value
        elif field.required:
            raise UserError(f"The form needs this: {field.label.rstrip('?')}.")
    return raw
