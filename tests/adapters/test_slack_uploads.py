"""A target list uploaded as a file on Slack, in both modes: ``/targets import`` with no text
opens a form with a ``file_input``; its submission is read through ``files.info`` and
``url_private_download`` on the fake Slack (127.0.0.1) and imported by the real bot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the venv
import pytest

from tests.adapters.conftest import Ack, SlackBot, shown
from tests.fakes.slack import MEMBER_ID
from tests.test_targets import TEN, ranked_names

SPEC = Path(__file__).resolve().parents[1] / "specs" / "slack-web-openapi-v2.json"


async def open_form(slack_bot: SlackBot) -> dict[str, Any]:
    ack = await slack_bot.command("/targets", "import")
    assert ack.payload is None  # an empty ack: the form opens instead of a message
    await slack_bot.settled()
    return slack_bot.fake.opened_views[-1]


async def submit(
    slack_bot: SlackBot,
    data: bytes | str,
    name: str = "targets.csv",
    mimetype: str | None = None,
) -> Ack:
    form = await open_form(slack_bot)
    content = data.encode() if isinstance(data, str) else data
    file = slack_bot.fake.add_file(name, content, mimetype=mimetype)
    values = {"file": {"file": {"type": "file_input", "files": [file]}}}
    return await slack_bot.interactive(slack_bot.fake.view_submission(form, values))


def answer(ack: Ack) -> str:
    assert ack.payload is not None
    assert ack.payload["response_action"] == "update"
    return shown(ack.payload["view"])


async def refused_changes_nothing(slack_bot: SlackBot) -> list[str]:
    await slack_bot.command("/targets", "add Acme")
    return slack_bot.snapshot()


async def test_the_form_has_one_file_field_for_csv_or_text(slack_bot: SlackBot) -> None:
    form = await open_form(slack_bot)

    [field] = [b for b in form["blocks"] if b["type"] == "input"]
    assert field["element"] == {
        "type": "file_input",
        "action_id": "file",
        "filetypes": ["csv", "txt"],
        "max_files": 1,
    }
    assert form["title"]["text"] == "/targets import"
    assert slack_bot.fake.block_errors == []


async def test_a_ten_row_file_is_imported_and_listed(slack_bot: SlackBot) -> None:
    ack = await submit(slack_bot, "\ufeff" + TEN)

    assert "Imported 10 employers; your list has 10" in answer(ack)
    listed = await slack_bot.command("/targets", "list")
    assert ranked_names(listed.shown)[:3] == ["Stark Analytics", "Initech", "Acme Labs"]
    [info] = slack_bot.fake.calls.named("files.info")
    assert info.token == slack_bot.fake.bot_token
    assert len(slack_bot.fake.file_downloads) == 1


async def test_a_file_with_bad_rows_reports_each_by_line_and_imports_nothing(
    slack_bot: SlackBot,
) -> None:
    before = await refused_changes_nothing(slack_bot)

    text = answer(await submit(slack_bot, "Initech,no,3,yes\n,yes,3,no\nGlobex,maybe,2,no\n"))

    assert text.startswith("Nothing was imported")
    assert "line 2: the employer is empty" in text
    assert "line 3: alumni should be yes or no" in text
    assert await refused_changes_nothing(slack_bot) == before


async def test_a_five_megabyte_file_is_refused_unread_in_one_sentence(
    slack_bot: SlackBot,
) -> None:
    before = await refused_changes_nothing(slack_bot)

    text = answer(await submit(slack_bot, "Acme,yes,3,no\n" * 360_000))

    assert text == (
        "That file is 5.0 MB and I read at most 160 KB: keep the rows you need and upload it again."
    )
    assert slack_bot.fake.file_downloads == []
    assert await refused_changes_nothing(slack_bot) == before


async def test_binary_and_non_utf8_files_are_refused(slack_bot: SlackBot) -> None:
    before = await refused_changes_nothing(slack_bot)

    picture = answer(await submit(slack_bot, b"\x89PNG\r\n\x1a\n\xff", "chart.png"))
    latin1 = answer(await submit(slack_bot, "Café,yes,3,no\n".encode("latin-1")))

    assert picture == "chart.png isn't a CSV or TXT file: save it as CSV (UTF-8) and upload that."
    assert latin1.startswith("That file isn't UTF-8 text")
    assert len(slack_bot.fake.file_downloads) == 1  # the picture was never fetched
    assert await refused_changes_nothing(slack_bot) == before


async def test_a_formula_in_a_file_is_stored_as_text(slack_bot: SlackBot) -> None:
    formula = '=HYPERLINK("http://evil.example","click")'

    ack = await submit(slack_bot, '"' + formula.replace('"', '""') + '",no,3,no\n')

    assert "Imported 1 employer" in answer(ack)
    listed = await slack_bot.command("/targets", "list")
    assert f"1. ⭐ {formula}: motivation 3" in listed.shown


async def test_a_form_without_a_file_says_so_under_the_field(slack_bot: SlackBot) -> None:
    form = await open_form(slack_bot)

    ack = await slack_bot.interactive(
        slack_bot.fake.view_submission(form, {"file": {"file": {"type": "file_input"}}})
    )

    assert ack.payload == {
        "response_action": "errors",
        "errors": {"file": "Choose a file to import."},
    }


async def test_typed_text_still_imports_without_the_form(slack_bot: SlackBot) -> None:
    ack = await slack_bot.command("/targets", "import Acme,yes,3,no")

    assert "Imported 1 employer" in ack.shown
    assert slack_bot.fake.opened_views == []


@pytest.mark.parametrize("ack_budget", [0.0])
async def test_an_import_past_the_ack_budget_answers_by_direct_message(
    slack_bot: SlackBot,
) -> None:
    ack = await submit(slack_bot, TEN)
    await slack_bot.settled()

    assert "I'll send you the result in a direct message" in answer(ack)
    dm = slack_bot.fake.calls.last("chat.postMessage").params["channel"]
    [message] = slack_bot.fake.messages[dm]
    assert "Imported 10 employers" in shown(message)
    assert slack_bot.fake.calls.last("conversations.open").params["users"] == MEMBER_ID


async def test_files_info_answers_in_the_shape_slacks_spec_defines(slack_bot: SlackBot) -> None:
    await submit(slack_bot, TEN)

    spec = json.loads(SPEC.read_text())
    operation = spec["paths"]["/files.info"]["get"]
    schema = {**operation["responses"]["200"]["schema"], "definitions": spec["definitions"]}
    [call] = slack_bot.fake.calls.named("files.info")
    jsonschema.Draft4Validator(schema).validate(call.response)


async def test_the_form_opens_whatever_the_case_and_a_refused_form_is_explained(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("/targets", "IMPORT")
    await slack_bot.settled()
    assert len(slack_bot.fake.opened_views) == 1

    slack_bot.fake.fail_next("views.open", "expired_trigger_id")
    await slack_bot.command("/targets", "import")
    await slack_bot.settled()

    post = await slack_bot.fake.wait_for_response_post()
    assert post.body["response_type"] == "ephemeral"
    assert "I couldn't open the upload form (Slack said `expired_trigger_id`)" in shown(post.body)
    assert len(slack_bot.fake.opened_views) == 1
