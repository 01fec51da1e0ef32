"""Buttons in the console: numbered choices under a message, ``/do N`` to press one, and the
form a choice opens asked question by question on the prompt; the full stack on SQLite."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.console import ConsoleNotifier, ConsoleSession, serve_console
from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import Settings
from bot.runtime import Runtime
from tests.conftest import Console

MONDAY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
"""Monday 30 November 2026, 10:00 in New York."""
THIRD_DAY = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
"""Three business days later, 09:00 in New York: time to write to someone else there."""
SEVENTH_DAY = datetime(2026, 12, 9, 14, 0, tzinfo=UTC)
"""Seven business days later: time for one follow-up."""


@pytest.fixture
def printed(console: Console) -> list[str]:
    """What the console prints of scheduled messages, its notifier connected as
    ``serve_console`` connects it."""
    lines: list[str] = []
    session = console.session
    session.port.connect(ConsoleNotifier(lines.append, session.shelf, offer=session.offer))
    return lines


async def reminder_at(
    instant: datetime, clock: ManualClock, runtime: Runtime, printed: list[str]
) -> str:
    clock.set(instant)
    await runtime.courier.run_due()
    return printed[-1]


async def test_a_reminder_shows_numbered_choices_and_do_presses_one_once(
    console: Console, clock: ManualClock, runtime: Runtime, printed: list[str]
) -> None:
    clock.set(MONDAY)
    await console.run("/sent Jane Doe org:Acme")
    await reminder_at(THIRD_DAY, clock, runtime, printed)
    reminder = await reminder_at(SEVENTH_DAY, clock, runtime, printed)
    assert reminder.startswith("[direct message to alex]\n")
    assert reminder.endswith(
        "\n[1] Followed up  [2] They replied  [3] Interview booked  [4] Snooze 2 business days"
        "\n[5] Stop reminding"
    )
    actions = console.count("actions")

    done = await console.run("/do 1")

    assert done.startswith("Logged a follow-up to Jane Doe (Acme).")
    assert console.count("actions") == actions + 1
    before = console.snapshot()
    again = await console.run("/do 2")
    assert again == (
        "Already done: you logged a follow-up for Jane Doe (Acme) on Wed 9 Dec. "
        "Nothing new was logged."
    )
    assert console.snapshot() == before
    assert "[followed up]" in await console.run("/contacts")


async def test_do_refuses_in_one_line_when_there_is_nothing_to_choose_or_no_such_choice(
    console: Console, clock: ManualClock, runtime: Runtime, printed: list[str]
) -> None:
    before = console.snapshot()
    assert await console.run("/do 1") == (
        "There's nothing to choose: /do N picks one of the numbered choices, like [1], "
        "shown under a message."
    )
    assert console.snapshot() == before
    clock.set(MONDAY)
    await console.run("/sent Jane Doe org:Acme")
    await reminder_at(SEVENTH_DAY, clock, runtime, printed)
    before = console.snapshot()
    assert await console.run("/do") == (
        "Which one? Type /do 1 to /do 5 for the choices of the latest message."
    )
    assert await console.run("/do 6") == "There's no choice 6: type /do 1 to /do 5."
    assert await console.run("/do 0") == "There's no choice 0: type /do 1 to /do 5."
    assert await console.run("/do followed up") == (
        "/do takes the number of a choice: /do 1 to /do 5."
    )
    assert await console.run("/do " + "9" * 10_000) == (
        "/do takes the number of a choice: /do 1 to /do 5."
    )
    assert console.snapshot() == before


async def test_the_choices_are_those_of_the_latest_message_that_offered_some(
    console: Console, clock: ManualClock, runtime: Runtime, printed: list[str]
) -> None:
    clock.set(MONDAY)
    await console.run("/sent Jane Doe org:Acme")
    await reminder_at(SEVENTH_DAY, clock, runtime, printed)
    progress = await console.run("/progress")
    assert progress.endswith("\n[1] Log an email")
    assert "[1]" not in await console.run("/contacts")

    opened = await console.run("/do 1")

    assert opened.startswith("== Log an email ==\n")
    assert console.session.prompt == "Who did you write to?: "


async def test_a_form_is_asked_question_by_question_and_then_logs_the_email(
    console: Console,
) -> None:
    await console.run("/progress")
    await console.run("/do 1")
    assert await console.run("") == "This one needs an answer: type it, or /cancel to stop."
    assert await console.run("/sent Sam") == (
        "You're answering “Log an email”: type the answer, or /cancel."
    )
    assert await console.run("Sam Lee") == ""
    assert console.session.prompt == "Their organisation (optional): "
    assert await console.run("Globex") == ""
    assert console.session.prompt == "A private note for yourself (optional): "

    logged = await console.run("")

    assert logged.startswith("Logged an outreach email to Sam Lee (Globex).")
    assert console.session.prompt == "Alex> "
    assert "Sam Lee (Globex) [emailed]" in await console.run("/contacts")


async def test_a_form_refuses_an_answer_too_long_and_cancel_logs_nothing(
    console: Console,
) -> None:
    await console.run("/progress")
    await console.run("/do 1")
    before = console.snapshot()
    too_long = await console.run("x" * 10_000)
    assert too_long.startswith("That's 10,000 characters; this takes at most ")
    assert console.session.prompt == "Who did you write to?: "
    assert await console.run("/cancel") == "Stopped “Log an email”: nothing was logged."
    assert console.session.prompt == "Alex> "
    assert await console.run("/cancel") == (
        "There's no form to stop; /cancel stops one that /do opened."
    )
    assert console.snapshot() == before


async def test_writing_to_someone_else_at_the_organisation_keeps_it_filled_in(
    console: Console, clock: ManualClock, runtime: Runtime, printed: list[str]
) -> None:
    clock.set(MONDAY)
    await console.run("/sent Jane Doe org:Acme")
    reminder = await reminder_at(THIRD_DAY, clock, runtime, printed)
    assert "[1] Write to someone else at Acme" in reminder

    await console.run("/do 1")
    await console.run("Raj Patel")
    assert console.session.prompt == "Their organisation (optional) [Acme]: "
    await console.run("")

    assert (await console.run("")).startswith("Logged an outreach email to Raj Patel (Acme).")


async def test_a_choice_pressed_by_another_member_is_refused_and_changes_nothing(
    console: Console, clock: ManualClock, runtime: Runtime, printed: list[str]
) -> None:
    clock.set(MONDAY)
    await console.run("/sent Jane Doe org:Acme")
    await reminder_at(SEVENTH_DAY, clock, runtime, printed)
    await console.run("/as Sam")
    before = console.snapshot()

    refused = await console.run("/do 1")

    assert refused.startswith("This button is for someone else")
    assert console.snapshot() == before


async def test_help_lists_the_consoles_own_words(console: Console) -> None:
    out = await console.run("/help")
    assert out.endswith(
        "In the console:\n"
        "  `/as NAME`: Switch who is typing, e.g. /as Sam\n"
        "  `/do N`: Choose choice N, such as [1], of the latest message that offers choices\n"
        "  `/quit`: Leave the console (Ctrl-D does too)"
    )
    assert await console.run("/help do") == (
        "`/do N`: Choose choice N, such as [1], of the latest message that offers choices"
    )
    assert "In the console" not in await console.run("/help sent")


async def test_a_kickoff_caught_up_at_start_offers_its_choice_to_piped_input(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    async with open_runtime(settings, clock) as runtime:
        await ConsoleSession(runtime.port, "Alex", export_dir=tmp_path).start()
    clock.set(MONDAY + timedelta(hours=1))  # 11:00 in New York: the 09:00 kickoff was missed
    out = io.StringIO()
    async with open_runtime(settings, clock) as runtime:
        await serve_console(
            runtime.port,
            "Alex",
            None,
            stdin=io.StringIO("/do 1\nSam Lee\nGlobex\n\n/contacts\n"),
            stdout=out,
            files_dir=tmp_path,
        )
    printed = out.getvalue()
    assert printed.index("New week, Local cohort!") < printed.index("[1] Log an email")
    assert "Logged an outreach email to Sam Lee (Globex)." in printed
    assert "• Sam Lee (Globex) [emailed]" in printed


async def test_did_you_mean_offers_the_close_name_as_a_choice(console: Console) -> None:
    await console.run("/sent Mary O'Brien org:Acme")
    asked = await console.run("/followup mary")
    assert asked.endswith("\n[1] Yes, Mary O'Brien (Acme)  [2] No, someone new")
    actions = console.count("actions")

    assert (await console.run("/do 1")).startswith("Logged a follow-up to Mary O'Brien (Acme).")
    assert (await console.run("/do 1")).startswith("Already done: you logged a follow-up")
    assert console.count("actions") == actions + 1
