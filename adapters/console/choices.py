"""Buttons as numbered choices (``[1] Followed up  [2] They replied``) chosen with ``/do N``,
and a form a choice opens, asked one field at a time on the prompt: the console's stand-in
for a button under a message and a modal."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.replies import Button, Form, FormField

CHOICES_WIDTH = 100
"""Where a line of choices wraps, between two choices, never inside one."""
NO_CHOICES = (
    "There's nothing to choose: /do N picks one of the numbered choices, like [1], "
    "shown under a message."
)
_NUMBER = re.compile(r"\d{1,4}")


def choices_text(buttons: tuple[Button, ...]) -> str:
    """``[1] Followed up  [2] They replied  [3] Interview booked``, wrapped between choices."""
    lines: list[str] = []
    for number, button in enumerate(buttons, 1):
        item = f"[{number}] {button.label}"
        if lines and len(lines[-1]) + 2 + len(item) <= CHOICES_WIDTH:
            lines[-1] += f"  {item}"
        else:
            lines.append(item)
    return "\n".join(lines)


def pick(buttons: tuple[Button, ...], argument: str) -> Button | str:
    """The button ``/do ARGUMENT`` names, or a one-line refusal saying what would work."""
    if not buttons:
        return NO_CHOICES
    span = "/do 1" if len(buttons) == 1 else f"/do 1 to /do {len(buttons)}"
    text = argument.strip()
    if not text:
        return f"Which one? Type {span} for the choices of the latest message."
    if not _NUMBER.fullmatch(text):
        return f"/do takes the number of a choice: {span}."
    if not 1 <= int(text) <= len(buttons):
        return f"There's no choice {int(text)}: type {span}."
    return buttons[int(text) - 1]


@dataclass
class FormFill:
    """A form being answered field by field; ``values`` holds the answers so far."""

    form: Form
    values: dict[str, str] = field(default_factory=dict)

    @property
    def heading(self) -> str:
        return (
            f"== {self.form.title} ==\n"
            "One question at a time on the prompt. Enter skips an optional one or keeps the\n"
            "answer in [brackets]; /cancel stops without logging anything."
        )

    @property
    def current(self) -> FormField:
        return self.form.fields[len(self.values)]

    @property
    def question(self) -> str:
        asked = self.current
        optional = "" if asked.required else " (optional)"
        shown = f" [{asked.value}]" if asked.value else ""
        return f"{asked.label}{optional}{shown}: "

    @property
    def complete(self) -> bool:
        return len(self.values) == len(self.form.fields)

    def answer(self, text: str) -> str | None:
        """Take the answer to the current question; a one-line refusal if it can't be."""
        asked = self.current
        value = text.strip() or asked.value
        if not value and asked.required:
            return "This one needs an answer: type it, or /cancel to stop."
        if len(value) > asked.max_length:
            return (
                f"That's {len(value):,} characters; this takes at most {asked.max_length}. "
                "Shorten it, or /cancel to stop."
            )
        self.values[asked.name] = value
        return None
