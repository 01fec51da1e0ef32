"""Light Block Kit checks for the fake Slack, so a bad layout fails a test, not a demo.

Slack answers `invalid_blocks` for layouts it cannot render; these checks cover the limits
a bot most often breaks (unknown block types, plain strings where a text object belongs,
over-long text, too many blocks). They are deliberately not a full Block Kit schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

BLOCK_TYPES = frozenset(
    {
        "actions",
        "call",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 3000
BUTTON_STYLES = frozenset({"primary", "danger"})
VIEW_RESPONSE_ACTIONS = frozenset({"errors", "update", "push", "clear"})

# Where Block Kit expects a text object (block type -> field -> allowed text types).
_TEXT_FIELDS: dict[str, dict[str, frozenset[str]]] = {
    "section": {"text": TEXT_TYPES},
    "header": {"text": frozenset({"plain_text"})},
    "input": {
        "label": frozenset({"plain_text"}),
        "hint": frozenset({"plain_text"}),
    },
}
_FIELD_LIMITS = {("header", "text"): 150, ("input", "label"): 2000, ("input", "hint"): 2000}


def decode_json_param(value: Any) -> Any:
    """Decode a parameter that form-encoded calls send as a JSON string (blocks, view)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def validate_blocks(
    blocks: Any, *, where: str = "blocks", limit: int = MAX_MESSAGE_BLOCKS
) -> list[str]:
    """Return the problems Slack would reject `blocks` for; an empty list means it looks fine."""
    blocks = decode_json_param(blocks)
    if not isinstance(blocks, list):
        return [f"{where}: must be a list of blocks, got {type(blocks).__name__}"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{where}: {len(blocks)} blocks, more than the limit of {limit}")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        path = f"{where}[{index}]"
        if not isinstance(block, dict):
            problems.append(f"{path}: a block must be an object")
            continue
        block_type = block.get("type")
        if block_type not in BLOCK_TYPES:
            problems.append(f"{path}.type: unknown block type {block_type!r}")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or len(block_id) > 255:
                problems.append(f"{path}.block_id: must be a string of at most 255 characters")
            elif block_id in seen_ids:
                problems.append(f"{path}.block_id: duplicate block_id {block_id!r}")
            else:
                seen_ids.add(block_id)
        problems.extend(_check_block(block_type, block, path))
        problems.extend(_check_text_objects(block, path))
    return problems


def validate_view(view: Any, *, expected_type: str) -> list[str]:
    """Check a view for `views.publish` (home) or `views.open` (modal) the way Slack would."""
    view = decode_json_param(view)
    if not isinstance(view, dict):
        return ["view: must be an object"]
    problems: list[str] = []
    if view.get("type") != expected_type:
        problems.append(f"view.type: expected {expected_type!r}, got {view.get('type')!r}")
    if expected_type == "modal":
        for field, required in (("title", True), ("submit", False), ("close", False)):
            value = view.get(field)
            if value is None:
                if required:
                    problems.append(f"view.{field}: a modal needs a title")
                continue
            problems.extend(_check_text(value, f"view.{field}", frozenset({"plain_text"}), 24))
    callback_id = view.get("callback_id")
    if callback_id is not None and (not isinstance(callback_id, str) or len(callback_id) > 255):
        problems.append("view.callback_id: must be a string of at most 255 characters")
    metadata = view.get("private_metadata")
    if metadata is not None and (not isinstance(metadata, str) or len(metadata) > 3000):
        problems.append("view.private_metadata: must be a string of at most 3000 characters")
    problems.extend(validate_blocks(view.get("blocks"), where="view.blocks", limit=MAX_VIEW_BLOCKS))
    return problems


def _check_block(block_type: str, block: dict[str, Any], path: str) -> list[str]:
    """Per-type structure: required fields and element counts."""
    problems: list[str] = []
    for field, allowed in _TEXT_FIELDS.get(block_type, {}).items():
        if field in block:
            limit = _FIELD_LIMITS.get((block_type, field), MAX_TEXT)
            problems.extend(_check_text(block[field], f"{path}.{field}", allowed, limit))
    if block_type == "section":
        fields = block.get("fields")
        if "text" not in block and not fields:
            problems.append(f"{path}: a section needs text or fields")
        if fields is not None:
            if not isinstance(fields, list) or len(fields) > 10:
                problems.append(f"{path}.fields: must be a list of at most 10 text objects")
            else:
                for i, field_value in enumerate(fields):
                    problems.extend(
                        _check_text(field_value, f"{path}.fields[{i}]", TEXT_TYPES, 2000)
                    )
    elif block_type == "header" and "text" not in block:
        problems.append(f"{path}: a header needs text")
    elif block_type in {"actions", "context"}:
        elements = block.get("elements")
        most = 25 if block_type == "actions" else 10
        if not isinstance(elements, list) or not elements or len(elements) > most:
            problems.append(f"{path}.elements: must be a list of 1 to {most} elements")
        else:
            action_ids: set[str] = set()
            for i, element in enumerate(elements):
                if not isinstance(element, dict) or "type" not in element:
                    problems.append(f"{path}.elements[{i}]: an element needs a type")
                elif element["type"] == "button":
                    problems.extend(_check_button(element, f"{path}.elements[{i}]", action_ids))
    elif block_type == "input":
        if "label" not in block:
            problems.append(f"{path}: an input needs a label")
        element = block.get("element")
        if not isinstance(element, dict):
            problems.append(f"{path}: an input needs an element")
        elif element.get("type") == "file_input":
            problems.extend(_check_file_input(element, f"{path}.element"))
        elif element.get("type") == "plain_text_input":
            problems.extend(_check_text_input(element, f"{path}.element"))
    elif block_type == "markdown":
        text = block.get("text")
        if not isinstance(text, str) or len(text) > 12000:
            problems.append(f"{path}.text: must be a string of at most 12000 characters")
    elif block_type == "image" and "image_url" not in block and "slack_file" not in block:
        problems.append(f"{path}: an image needs image_url or slack_file")
    return problems


def _check_button(element: dict[str, Any], path: str, action_ids: set[str]) -> list[str]:
    """A button: plain text of at most 75 characters, an action_id of at most 255 that no
    other element of the block has, a value of at most 2000, and only Slack's two styles."""
    problems = _check_text(element.get("text"), f"{path}.text", frozenset({"plain_text"}), 75)
    action_id = element.get("action_id")
    if action_id is not None:
        if not isinstance(action_id, str) or not 0 < len(action_id) <= 255:
            problems.append(f"{path}.action_id: must be a string of 1 to 255 characters")
        elif action_id in action_ids:
            problems.append(f"{path}.action_id: duplicate action_id {action_id!r} in the block")
        else:
            action_ids.add(action_id)
    value = element.get("value")
    if value is not None and (not isinstance(value, str) or len(value) > 2000):
        problems.append(f"{path}.value: must be a string of at most 2000 characters")
    if "style" in element and element["style"] not in BUTTON_STYLES:
        problems.append(f"{path}.style: must be one of {sorted(BUTTON_STYLES)}")
    return problems


def validate_view_response(response: Any, view: Any) -> list[str]:
    """Check the ack of a ``view_submission`` as Slack would: a known ``response_action``;
    ``errors`` naming input blocks of the submitted ``view``, each with a message; an
    ``update`` or ``push`` carrying a valid modal. An empty ack (close the modal) is fine."""
    if response is None:
        return []
    if not isinstance(response, dict):
        return ["response: must be an object"]
    action = response.get("response_action")
    if action not in VIEW_RESPONSE_ACTIONS:
        return [f"response_action: must be one of {sorted(VIEW_RESPONSE_ACTIONS)}, got {action!r}"]
    if action == "errors":
        inputs = {
            b.get("block_id") for b in (view or {}).get("blocks") or [] if b.get("type") == "input"
        }
        errors = response.get("errors")
        if not isinstance(errors, dict) or not errors:
            return ["errors: must map input block_ids to messages"]
        problems = [
            f"errors.{k}: no input block {k!r} in the view" for k in errors if k not in inputs
        ]
        problems.extend(
            f"errors.{k}: must be a non-empty string"
            for k, v in errors.items()
            if not v or not isinstance(v, str)
        )
        return problems
    if action in {"update", "push"}:
        return validate_view(response.get("view"), expected_type="modal")
    return []


def _check_text_input(element: dict[str, Any], path: str) -> list[str]:
    """A ``plain_text_input``: an action_id, ``max_length`` of 1 to 3000, an initial value
    that fits it, a placeholder of at most 150 characters."""
    problems: list[str] = []
    action_id = element.get("action_id")
    if not isinstance(action_id, str) or not 0 < len(action_id) <= 255:
        problems.append(f"{path}.action_id: must be a string of 1 to 255 characters")
    most = element.get("max_length", 3000)
    if not isinstance(most, int) or not 1 <= most <= 3000:
        problems.append(f"{path}.max_length: must be 1 to 3000")
        most = 3000
    initial = element.get("initial_value")
    if initial is not None and (not isinstance(initial, str) or len(initial) > most):
        problems.append(f"{path}.initial_value: must be a string of at most {most} characters")
    if "placeholder" in element:
        problems.extend(
            _check_text(
                element["placeholder"], f"{path}.placeholder", frozenset({"plain_text"}), 150
            )
        )
    return problems


def _check_file_input(element: dict[str, Any], path: str) -> list[str]:
    """A ``file_input``: file extensions as strings, and 1 to 10 files."""
    problems: list[str] = []
    filetypes = element.get("filetypes")
    if filetypes is not None and (
        not isinstance(filetypes, list) or not all(isinstance(t, str) for t in filetypes)
    ):
        problems.append(f"{path}.filetypes: must be a list of file extensions")
    most = element.get("max_files", 10)
    if not isinstance(most, int) or not 1 <= most <= 10:
        problems.append(f"{path}.max_files: must be 1 to 10")
    return problems


def _check_text(value: Any, path: str, allowed: frozenset[str], limit: int) -> list[str]:
    """A text object where one is required: right type, a non-empty string, within limit."""
    if not isinstance(value, dict):
        return [f"{path}: must be a text object, got {type(value).__name__}"]
    problems: list[str] = []
    if value.get("type") not in allowed:
        problems.append(f"{path}.type: must be one of {sorted(allowed)}, got {value.get('type')!r}")
    text = value.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{path}.text: must be a non-empty string")
    elif limit < MAX_TEXT and len(text) > limit:  # the general 3000 limit is checked by the walk
        problems.append(f"{path}.text: {len(text)} characters, more than {limit}")
    return problems


def _check_text_objects(block: dict[str, Any], path: str) -> list[str]:
    """Every nested text object, wherever it sits, must be well formed."""
    problems: list[str] = []
    for sub_path, obj in _walk(block, path):
        kind = obj.get("type")
        if kind in TEXT_TYPES:
            text = obj.get("text")
            if not isinstance(text, str):
                problems.append(f"{sub_path}.text: a {kind} object needs a string text")
            elif len(text) > MAX_TEXT:
                problems.append(f"{sub_path}.text: {len(text)} characters, more than {MAX_TEXT}")
            if kind == "plain_text" and "verbatim" in obj:
                problems.append(f"{sub_path}: plain_text does not take verbatim")
            if kind == "mrkdwn" and "emoji" in obj:
                problems.append(f"{sub_path}: mrkdwn does not take emoji")
    return problems


def _walk(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield every nested object with its path, depth first."""
    if isinstance(value, dict):
        yield path, value
        for key, child in value.items():
            yield from _walk(child, f"{path}.{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _walk(child, f"{path}[{i}]")
