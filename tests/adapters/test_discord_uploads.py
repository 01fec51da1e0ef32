"""A target list uploaded as a file on Discord: ``/targets import file:<attachment>`` through
the real discord.py client, the fake Discord sending the attachment in
``resolved.attachments`` and serving its bytes on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from adapters.discord.client import ReachoutClient
from bot.clock import ManualClock
from bot.runtime import Runtime
from tests.adapters.discord_fixtures import connected, discord_runtime, message_text, run
from tests.fakes.discord import FakeDiscord, UploadedFile
from tests.test_targets import TEN, ranked_names

EPHEMERAL = 1 << 6


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest_asyncio.fixture
async def runtime(tmp_path: Path, fake: FakeDiscord, clock: ManualClock) -> AsyncIterator[Runtime]:
    async with discord_runtime(tmp_path, fake, clock) as opened:
        yield opened


@pytest_asyncio.fixture
async def client(runtime: Runtime, fake: FakeDiscord) -> AsyncIterator[ReachoutClient]:
    async with connected(runtime, fake) as connected_client:
        yield connected_client


def csv_file(text: str | bytes, name: str = "targets.csv", kind: str = "text/csv") -> UploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return UploadedFile(name, kind, data)


async def snapshot(fake: FakeDiscord, runtime: Runtime) -> list[str]:
    """Every row once the member has one target: what a refused import must leave alone."""
    await run(fake, "targets add", {"org": "Acme"})
    conn = sqlite3.connect(runtime.settings.database)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


async def import_file(fake: FakeDiscord, upload: UploadedFile) -> tuple[dict[str, object], str]:
    interaction, message = await run(fake, "targets import", {"file": upload})
    first = await interaction.first_response()
    return {"type": first.type, "flags": message["flags"]}, message_text(message)


async def test_the_command_has_a_file_option_beside_the_text(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    [targets] = [c for c in fake.global_commands if c["name"] == "targets"]
    [command] = [o for o in targets["options"] if o["name"] == "import"]
    options = {o["name"]: o for o in command["options"]}
    assert (options["csv"]["type"], options["csv"].get("required", False)) == (3, False)
    assert (options["file"]["type"], options["file"].get("required", False)) == (11, False)
    assert options["file"]["description"] == "Or attach the file instead (csv, txt; UTF-8 text)"
    assert fake.schema_errors == []


async def test_a_ten_row_file_is_imported_after_a_deferral_and_listed(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    answer, text = await import_file(fake, csv_file("\ufeff" + TEN))  # Excel's BOM

    assert answer == {"type": 5, "flags": EPHEMERAL}  # deferred: the download may be slow
    assert "Imported 10 employers; your list has 10" in text
    _, shown = await run(fake, "targets list")
    assert ranked_names(message_text(shown))[:3] == ["Stark Analytics", "Initech", "Acme Labs"]
    assert len(fake.attachment_downloads) == 1
    assert fake.schema_errors == []


async def test_a_file_with_bad_rows_reports_each_by_line_and_imports_nothing(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime
) -> None:
    before = await snapshot(fake, runtime)
    bad = "employer,alumni,motivation,posting\nInitech,no,3,yes\n,yes,3,no\nHooli,no,5,no\n"

    _, text = await import_file(fake, csv_file(bad))

    assert text.startswith("Nothing was imported")
    assert "line 3: the employer is empty" in text
    assert "line 4: motivation should be 1, 2 or 3" in text
    assert await snapshot(fake, runtime) == before


async def test_a_five_megabyte_file_is_refused_unread_in_one_sentence(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime
) -> None:
    before = await snapshot(fake, runtime)
    huge = csv_file("Acme,yes,3,no\n" * 360_000)  # about 5 MB

    answer, text = await import_file(fake, huge)

    assert answer == {"type": 4, "flags": EPHEMERAL}
    assert text == (
        "That file is 5.0 MB and I read at most 160 KB: keep the rows you need and upload it again."
    )
    assert fake.attachment_downloads == []
    assert await snapshot(fake, runtime) == before


async def test_binary_and_non_utf8_files_are_refused(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime
) -> None:
    before = await snapshot(fake, runtime)
    picture = csv_file(b"\x89PNG\r\n\x1a\n\xff\xfe", "chart.png", "image/png")
    latin1 = csv_file("Café Müller,yes,3,no\n".encode("latin-1"))
    nul = csv_file(b"Acme\x00,yes,3,no\n")

    _, picture_text = await import_file(fake, picture)
    _, latin1_text = await import_file(fake, latin1)
    _, nul_text = await import_file(fake, nul)

    assert (
        picture_text == "chart.png isn't a CSV or TXT file: save it as CSV (UTF-8) and upload that."
    )
    assert latin1_text.startswith("That file isn't UTF-8 text")
    assert "control character" in nul_text
    assert len(fake.attachment_downloads) == 2  # the picture was never fetched
    assert await snapshot(fake, runtime) == before


async def test_a_formula_in_a_file_is_stored_as_text(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    formula = '=HYPERLINK("http://evil.example","click")'
    row = '"' + formula.replace('"', '""') + '",no,3,no\n'

    _, text = await import_file(fake, csv_file(row))
    _, shown = await run(fake, "targets list")

    assert "Imported 1 employer" in text
    assert f"1. ⭐ {formula}: motivation 3" in message_text(shown)


async def test_text_and_file_together_or_neither_are_refused(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    _, both = await run(fake, "targets import", {"csv": "Acme", "file": csv_file(TEN)})
    _, neither = await run(fake, "targets import")
    _, typed = await run(fake, "targets import", {"csv": "Acme,yes,3,no"})

    assert message_text(both) == (
        "Paste the text or attach a `file`, not both: I can't tell which one you meant."
    )
    assert message_text(neither) == (
        "`/targets import` needs a file: attach it as `file`, or paste its text as `csv`."
    )
    assert "Imported 1 employer" in message_text(typed)
    assert fake.attachment_downloads == []


async def test_a_failed_download_is_answered_and_changes_nothing(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime
) -> None:
    before = await snapshot(fake, runtime)
    fake.cdn_status = 404

    answer, text = await import_file(fake, csv_file(TEN))

    assert answer == {"type": 5, "flags": EPHEMERAL}
    assert text == "I couldn't download that file from Discord, so nothing changed. Try again."
    assert await snapshot(fake, runtime) == before
