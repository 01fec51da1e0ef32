"""The App Home tab, the log-an-email modal, the core's forms and the file-upload form, built
from the core's replies, forms and registry. Every text input is made by ``text_input`` and
read back by ``input_values``, whichever modal it is in."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.render import Block, mrkdwn, reply_blocks, sections
from bot.commands.arguments import Argument
from bot.commands.registry import Command
from bot.replies import Form, Reply
from bot.uploads import upload_limit

LOG_EMAIL_ACTION = "log_email"
LOG_EMAIL_VIEW = "log_email"
VALUE_ACTION = "value"
HOME_HINT = (
    "Log from any channel with `/sent`, `/followup` or `/reply`; `/contacts` shows your "
    "pipeline and `/help` every command. Only you can see this page."
)
MODAL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("contact", "Contact (optional)", "Jane Doe"),
    ("org", "Organisation (optional)", "Acme Labs"),
    ("note", "Note (optional)", "Alum, met at a conference"),
)
"""(argument of ``/sent``, label, placeholder) for each input of the modal."""
RESULT_VIEW = "result"
UPLOAD_VIEW = "upload_file"
FILE_BLOCK = "file"
FILE_ACTION = "file"
TITLE_LIMIT = 24
"""The longest modal title (and submit or close label) Slack shows."""
PLACEHOLDER_LIMIT = 150
INPUT_LIMIT = 3000
"""Slack's limits for a ``plain_text_input``'s placeholder and its text."""


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def home_view(progress: Reply) -> dict[str, Any]:
    """The member's ``/progress`` reply, with a button that opens the log-an-email modal."""
    head = Reply(progress.text, title=progress.title, mentions=progress.mentions)
    body = Reply("", fields=progress.fields, mentions=progress.mentions)
    blocks: list[Block] = [
        *reply_blocks(head),
        {
            "type": "actions",
            "block_id": "home_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": LOG_EMAIL_ACTION,
                    "text": _plain("Log an email sent"),
                    "style": "primary",
                }
            ],
        },
        {"type": "divider"},
        *reply_blocks(body),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": HOME_HINT}]},
    ]
    return {"type": "home", "callback_id": "home", "blocks": blocks}


def text_input(
    name: str,
    label: str,
    *,
    required: bool,
    max_length: int,
    multiline: bool = False,
    placeholder: str = "",
    value: str = "",
    hint: str = "",
) -> Block:
    """One ``input`` block whose ``block_id`` is the name its value is read back by."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE_ACTION,
        "max_length": min(max_length, INPUT_LIMIT),
        "multiline": multiline,
    }
    if placeholder:
        element["placeholder"] = _plain(placeholder[:PLACEHOLDER_LIMIT])
    if value:
        element["initial_value"] = value[: element["max_length"]]
    block: Block = {
        "type": "input",
        "block_id": name,
        "optional": not required,
        "label": _plain(label),
        "element": element,
    }
    if hint:
        block["hint"] = _plain(hint)
    return block


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    close: str = "Cancel",
    metadata: str = "",
) -> dict[str, Any]:
    """A modal view; ``callback_id`` routes its submission, ``metadata`` rides along."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": _title(title),
        "close": _title(close),
        "blocks": blocks,
    }
    if submit is not None:
        view["submit"] = _title(submit)
    if metadata:
        view["private_metadata"] = metadata
    return view


def log_email_modal(sent: Command) -> dict[str, Any]:
    """Contact, organisation and note, limited and described as ``/sent`` declares them."""
    blocks: list[Block] = []
    for name, label, placeholder in MODAL_FIELDS:
        argument = sent.argument(name)
        assert argument is not None, f"/sent has no {name} argument"
        blocks.append(
            text_input(
                name,
                label,
                required=False,
                max_length=argument.max_length,
                multiline=name == "note",
                placeholder=placeholder,
                hint=argument.description,
            )
        )
    return modal(LOG_EMAIL_VIEW, "Log an email", blocks, submit="Log it")


def form_modal(form: Form, metadata: str = "") -> dict[str, Any]:
    """A core ``Form`` as a modal: its ``form_id`` is the ``callback_id`` its submission
    comes back with, each field an input named after the argument it fills."""
    blocks = [
        text_input(
            field.name,
            field.label,
            required=field.required,
            max_length=field.max_length,
            multiline=field.multiline,
            placeholder=field.placeholder,
            value=field.value,
        )
        for field in form.fields
    ]
    return modal(form.form_id, form.title, blocks, submit=form.submit_label, metadata=metadata)


def input_values(view: dict[str, Any]) -> dict[str, str]:
    """Every text input of a submitted view by its name; an input left empty is ``""``."""
    state = view.get("state", {}).get("values", {})
    values: dict[str, str] = {}
    for name, actions in state.items():
        entry = actions.get(VALUE_ACTION) if isinstance(actions, dict) else None
        if isinstance(entry, dict) and entry.get("type", "plain_text_input") == "plain_text_input":
            value = entry.get("value")
            values[str(name)] = value if isinstance(value, str) else ""
    return values


def logged_modal(reply: Reply) -> dict[str, Any]:
    """What replaces the modal once the email is logged: the same words ``/sent`` says."""
    return result_modal("Email logged", reply)


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """The log-an-email modal's non-empty inputs by ``/sent`` argument name."""
    typed = input_values(view)
    names = [name for name, _label, _placeholder in MODAL_FIELDS]
    return {name: typed[name] for name in names if typed.get(name, "").strip()}


def field_error(text: str) -> str:
    """A refusal as an input's error: Slack shows it as plain text, so command formatting
    backticks would show."""
    return text.replace("`", "")


def _title(text: str) -> dict[str, Any]:
    return _plain(text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1] + "…")


def upload_modal(command: Command, argument: Argument) -> dict[str, Any]:
    """A form with one file field for ``command``'s file argument: the types it takes, one
    file, and the command's path in ``private_metadata`` for the submission."""
    types = ", ".join(argument.upload)
    about = f"*/{command.path}*: {command.description}."
    if command.details:
        about += f" {command.details}"
    blocks: list[Block] = [
        *sections(about),
        {
            "type": "input",
            "block_id": FILE_BLOCK,
            "label": _plain("File"),
            "hint": _plain(f"{types}; UTF-8 text, up to {upload_limit(argument) // 1000} KB"),
            "element": {
                "type": "file_input",
                "action_id": FILE_ACTION,
                "filetypes": list(argument.upload),
                "max_files": 1,
            },
        },
    ]
    return modal(
        UPLOAD_VIEW,
        f"/{command.path}",
        blocks,
        submit="Import",
        metadata=json.dumps({"path": command.path}),
    )


def upload_path(view: dict[str, Any]) -> str:
    """The command an upload form was opened for."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return ""
    return str(metadata.get("path", "")) if isinstance(metadata, dict) else ""


def submitted_file(view: dict[str, Any]) -> str | None:
    """The id of the file chosen in an upload form, if one was."""
    state = view.get("state", {}).get("values", {})
    files = state.get(FILE_BLOCK, {}).get(FILE_ACTION, {}).get("files") or []
    first = files[0] if files and isinstance(files[0], dict) else {}
    return str(first["id"]) if first.get("id") else None


def result_modal(title: str, reply: Reply) -> dict[str, Any]:
    """What replaces a form once its work is done (or under way): the reply's words."""
    return modal(RESULT_VIEW, title, sections(mrkdwn(reply.text, reply)), close="Done")
