"""Buttons, forms and autocomplete on Discord, end to end: the real core on a SQLite file,
reachout's discord.py client, and the fake Discord's presses, modal submits and autocomplete.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from adapters.discord.client import ReachoutClient
from adapters.discord.interactions import UNPLACED
from bot.clock import ManualClock
from bot.invocation import Origin
from bot.models import ActionKind
from bot.periods import day_bounds
from bot.presses.words import SOMEONE_ELSE
from bot.replies import PRESS_PREFIX
from bot.runtime import Runtime
from bot.store import NewAction
from tests.adapters.discord_fixtures import connected, discord_runtime, message_text, run
from tests.fakes.discord import FakeDiscord, FakeInteraction

EPHEMERAL = 1 << 6
THREE_BUSINESS_DAYS = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
"""09:00 in New York, 3 business days after Thursday 26 November's email."""
SEVEN_BUSINESS_DAYS = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


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


def snapshot(runtime: Runtime) -> list[str]:
    """Every row of the database, to prove that something changed nothing."""
    conn = sqlite3.connect(runtime.settings.database)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def logged(runtime: Runtime, kind: str) -> int:
    """How many live actions of ``kind`` the database holds."""
    conn = sqlite3.connect(runtime.settings.database)
    try:
        query = "SELECT count(*) FROM actions WHERE kind = ? AND undone_at IS NULL"
        return int(conn.execute(query, (kind,)).fetchone()[0])
    finally:
        conn.close()


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message["components"] for b in row["components"]]


def button(message: dict[str, Any], label: str) -> str:
    """The custom id of the button labelled ``label``."""
    [found] = [b["custom_id"] for b in buttons(message) if b["label"] == label]
    return str(found)


async def emailed_jane(fake: FakeDiscord) -> None:
    """A cohort, and Alice's outreach email to Jane Doe on Thursday 26 November."""
    await run(fake, "cohort setup", {"name": "PhD careers"}, user=fake.owner)
    await run(fake, "sent", {"contact": "Jane Doe", "org": "Acme Labs"})


async def reminder(
    fake: FakeDiscord, runtime: Runtime, clock: ManualClock, at: datetime
) -> dict[str, Any]:
    """The newest DM to Alice once the courier ran at ``at``."""
    clock.set(at)
    await runtime.courier.run_due()
    dms = fake.dms_to(fake.member)
    assert dms, "no reminder was sent"
    return dms[-1]


def dm_now(fake: FakeDiscord, dm: dict[str, Any]) -> dict[str, Any]:
    """``dm`` as it reads now, after any edits."""
    [now] = [m for m in fake.dms_to(fake.member) if m["id"] == dm["id"]]
    return now


async def follow_up_reminder(
    fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> dict[str, Any]:
    """The 7-business-day reminder about Jane Doe, after the 3-day one (left unpressed)."""
    await reminder(fake, runtime, clock, THREE_BUSINESS_DAYS)
    dm = await reminder(fake, runtime, clock, SEVEN_BUSINESS_DAYS)
    assert "Seven business days since you wrote to Jane Doe" in message_text(dm)
    return dm


async def many_contacts(runtime: Runtime, fake: FakeDiscord, count: int) -> None:
    """Alice's outreach emails to ``count`` different people, one a minute, logged past the
    engine (whose daily cap would stop at 20)."""
    origin = Origin(
        "discord",
        str(fake.guild.id),
        fake.guild.name,
        str(fake.channel.id),
        str(fake.member.id),
        "Alice",
    )
    inv = await runtime.engine.resolve(origin)
    day_start, day_end = day_bounds(inv.now, inv.tz)
    for n in range(count):
        await runtime.store.log_action(
            NewAction(
                member_id=inv.member.id,
                cohort_id=inv.cohort.id,
                kind=ActionKind.EMAIL_SENT,
                count=1,
                note="",
                occurred_at=inv.now - timedelta(minutes=count - n),
                contact_name=f"Contact {n:04d}",
                organization=None,
                day_start=day_start - timedelta(days=2),
                daily_cap=count,
                day_end=day_end,
            )
        )


async def settled(interaction: FakeInteraction, followups: int = 0) -> None:
    """Wait until the press is fully answered: its first response and the follow-ups it
    should bring (in a DM the updated message carries the answer, so none unless refused)."""
    first = await interaction.first_response()
    assert first.accepted, first
    if followups:
        await interaction.followup(followups - 1)


# -- buttons on reminders -------------------------------------------------------------------


async def test_a_reminder_dm_carries_its_buttons_as_components_discord_accepts(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> None:
    await emailed_jane(fake)

    dm = await reminder(fake, runtime, clock, THREE_BUSINESS_DAYS)

    [row] = dm["components"]
    assert row["type"] == 1
    assert [(b["label"], b["style"]) for b in buttons(dm)] == [
        ("Write to someone else at Acme Labs", 1),
        ("They replied", 2),
        ("Interview booked", 2),
        ("Snooze 2 business days", 2),
        ("Stop reminding", 4),
    ]
    assert all(b["custom_id"].startswith(PRESS_PREFIX) for b in buttons(dm))
    [sent] = fake.requests_to("POST", "/channels/{channel_id}/messages")
    assert sent.json["components"][0]["components"][0]["custom_id"] == buttons(dm)[0]["custom_id"]
    assert fake.schema_errors == []


async def test_followed_up_logs_one_follow_up_and_the_dm_shows_it_was_done(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> None:
    await emailed_jane(fake)
    dm = await follow_up_reminder(fake, runtime, clock)

    press = await fake.click(dm, button(dm, "Followed up"))
    await settled(press)

    first = press.callbacks[0]
    assert first.type == 7  # the DM updated in the same answer, well within 3 s
    assert first.elapsed < fake.interaction_deadline
    [updated] = [m for m in fake.dms_to(fake.member) if m["id"] == dm["id"]]
    assert "✓ Followed up (logged Mon 7 Dec)" in message_text(updated)
    assert "Seven business days since you wrote to Jane Doe" in message_text(updated)
    # A DM is private already: the answer rides in the update, one call instead of two.
    assert "Logged a follow-up to Jane Doe" in message_text(updated)
    assert updated["components"] == []
    assert press.followups == []
    assert logged(runtime, "follow_up_sent") == 1
    assert fake.schema_errors == []


async def test_a_double_click_logs_once_and_the_second_says_it_is_already_done(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> None:
    await emailed_jane(fake)
    dm = await follow_up_reminder(fake, runtime, clock)
    followed_up = button(dm, "Followed up")

    first = await fake.click(dm, followed_up)
    second = await fake.click(dm, followed_up, as_seen=True)  # before the update arrived

    def answers() -> list[str]:
        """What the two presses said privately, apart from the DM."""
        pressed = (first, second)
        return [message_text(m) for i in pressed for m in i.messages if m["flags"] & EPHEMERAL]

    await fake.wait_for(lambda: any("Already done" in a for a in answers()))
    updates = [message_text(c.data or {}) for i in (first, second) for c in i.callbacks]
    assert sum("Logged a follow-up to Jane Doe" in u for u in updates) == 1
    [again] = [a for a in answers() if "Already done" in a]
    assert "you logged a follow-up for Jane Doe (Acme Labs) on Mon 7 Dec" in again
    assert logged(runtime, "follow_up_sent") == 1
    assert fake.schema_errors == []


async def test_a_press_discord_delivers_twice_logs_once_and_no_traceback_reaches_anyone(
    client: ReachoutClient,
    fake: FakeDiscord,
    runtime: Runtime,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await emailed_jane(fake)
    dm = await follow_up_reminder(fake, runtime, clock)
    press = await fake.click(dm, button(dm, "Followed up"))
    await settled(press)

    with caplog.at_level(logging.INFO, logger="adapters.discord.interactions"):
        await fake.redeliver(press)
        await fake.wait_for(lambda: "delivered twice; answered once" in caplog.text)

    assert [c.status for c in press.callbacks] == [200]
    problems = [r for r in caplog.records if r.name.startswith("adapters.discord")]
    assert not [r for r in problems if r.levelno >= logging.WARNING]
    assert logged(runtime, "follow_up_sent") == 1
    shown = [message_text(m) for m in fake.dms_to(fake.member)]
    assert not any("Traceback" in text for text in shown)


async def test_a_press_by_someone_else_is_refused_and_changes_nothing(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> None:
    await emailed_jane(fake)
    dm = await follow_up_reminder(fake, runtime, clock)
    before = snapshot(runtime)

    # Discord shows a DM to its recipient only; a forged press gets no further.
    press = await fake.click(dm, button(dm, "Followed up"), user=fake.owner, check_visibility=False)
    answer = await press.first_response()

    assert (answer.type, answer.ephemeral) == (4, True)
    assert answer.content == SOMEONE_ELSE
    assert snapshot(runtime) == before
    [untouched] = [m for m in fake.dms_to(fake.member) if m["id"] == dm["id"]]
    assert untouched == dm
    assert fake.schema_errors == []


async def test_a_stale_button_says_why_and_logs_nothing(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> None:
    await emailed_jane(fake)
    dm = await follow_up_reminder(fake, runtime, clock)
    await run(fake, "reply", {"contact": "Jane Doe"})

    press = await fake.click(dm, button(dm, "Followed up"))
    answer = await press.first_response()

    assert (answer.type, answer.ephemeral) == (4, True)
    assert answer.content is not None
    assert "Jane Doe (Acme Labs) has moved on since this message: replied" in answer.content
    assert logged(runtime, "follow_up_sent") == 0
    assert fake.schema_errors == []


async def test_a_slow_press_is_deferred_then_the_dm_is_updated(
    runtime: Runtime, fake: FakeDiscord, clock: ManualClock
) -> None:
    async with connected(runtime, fake, defer_after=0.0) as _:
        await emailed_jane(fake)
        dm = await follow_up_reminder(fake, runtime, clock)

        # Another process holds the database's write lock: the press has to wait for it.
        holder = sqlite3.connect(runtime.settings.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            press = await fake.click(dm, button(dm, "Followed up"))
            assert (await press.first_response()).type == 6
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await settled(press)
        await fake.wait_for(lambda: "✓ Followed up" in message_text(dm_now(fake, dm)))

        assert [c.type for c in press.callbacks] == [6]
        updated = dm_now(fake, dm)
        assert "Logged a follow-up to Jane Doe" in message_text(updated)
        assert updated["components"] == []
        assert press.followups == []
        assert logged(runtime, "follow_up_sent") == 1
        assert fake.schema_errors == []


async def test_write_to_someone_else_opens_the_form_with_the_organisation_filled_in(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> None:
    await emailed_jane(fake)
    dm = await reminder(fake, runtime, clock, THREE_BUSINESS_DAYS)

    press = await fake.click(dm, button(dm, "Write to someone else at Acme Labs"))
    assert (await press.first_response()).type == 9
    assert press.modal is not None
    org = next(r["components"][0] for r in press.modal["components"] if "org" in str(r))
    assert org["value"] == "Acme Labs"
    submitted = await fake.submit_modal(press, {"contact": "Raj Patel"})  # in the DM
    answer = await submitted.first_response()

    assert answer.content is not None
    assert "Logged an outreach email to Raj Patel (Acme Labs)" in answer.content
    assert logged(runtime, "email_sent") == 2
    assert fake.schema_errors == []


async def test_a_check_back_moved_by_its_form_is_rewritten_to_say_where_it_went(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> None:
    await emailed_jane(fake)
    await run(fake, "interview", {"contact": "Jane Doe", "status": "scheduled", "on": "2026-12-01"})
    dm = await reminder(fake, runtime, clock, datetime(2026, 12, 2, 14, 0, tzinfo=UTC))
    assert [b["label"] for b in buttons(dm)] == ["It happened", "It moved", "It was cancelled"]

    press = await fake.click(dm, button(dm, "It moved"))
    assert (await press.first_response()).type == 9
    submitted = await fake.submit_modal(press, {"on": "2026-12-08", "at": "14:00"})  # in the DM
    await settled(submitted)

    assert [c.type for c in submitted.callbacks] == [7]
    [updated] = [m for m in fake.dms_to(fake.member) if m["id"] == dm["id"]]
    done, _, answer = message_text(updated).partition("✓ Moved to Tue 8 Dec")
    assert "Jane Doe" in done
    assert "Tue 8 Dec" in answer  # the form's answer, in the rewritten DM
    assert updated["components"] == []
    assert submitted.followups == []
    assert fake.schema_errors == []


def carried_by(message: dict[str, Any], workspace_id: str) -> dict[str, Any]:
    """``message`` as if its buttons carried ``workspace_id`` instead ("" for none)."""
    copied = copy.deepcopy(message)
    for b in buttons(copied):
        core = b["custom_id"].rpartition("@")[0]
        b["custom_id"] = f"{core}@{workspace_id}" if workspace_id else core
    return copied


async def test_a_dms_buttons_carry_their_server_and_nothing_is_stored_per_message(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> None:
    await emailed_jane(fake)
    dm = await reminder(fake, runtime, clock, THREE_BUSINESS_DAYS)

    assert all(b["custom_id"].endswith(f"@{fake.guild.id}") for b in buttons(dm))
    assert all(len(b["custom_id"]) <= 100 for b in buttons(dm))
    conn = sqlite3.connect(runtime.settings.database)
    try:
        keys = [row[0] for row in conn.execute("SELECT key FROM bot_state")]
    finally:
        conn.close()
    assert not [k for k in keys if dm["id"] in k]


@pytest.mark.parametrize(("carried", "words"), [("", UNPLACED), ("1234567", SOMEONE_ELSE)])
async def test_a_dm_button_whose_server_is_unknown_or_forged_changes_nothing(
    client: ReachoutClient,
    fake: FakeDiscord,
    runtime: Runtime,
    clock: ManualClock,
    carried: str,
    words: str,
) -> None:
    await emailed_jane(fake)
    dm = await reminder(fake, runtime, clock, THREE_BUSINESS_DAYS)
    seen = carried_by(dm, carried)
    before = snapshot(runtime)

    press = await fake.click(seen, button(seen, "They replied"), as_seen=True)
    answer = await press.first_response()

    assert (answer.type, answer.ephemeral, answer.content) == (4, True, words)
    assert snapshot(runtime) == before


# -- the /sent form -------------------------------------------------------------------------


async def test_sent_with_nothing_typed_opens_a_form_that_logs_the_email(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime
) -> None:
    opened = await fake.send_interaction("sent")
    assert (await opened.first_response()).type == 9
    modal = opened.modal
    assert modal is not None
    assert modal["title"] == "Log an email"
    inputs = [row["components"][0] for row in modal["components"]]
    assert [(i["custom_id"], i["style"], i.get("required")) for i in inputs] == [
        ("contact", 1, True),
        ("org", 1, False),
        ("note", 2, False),
    ]
    assert all(len(i["label"]) <= 45 for i in inputs)

    submitted = await fake.submit_modal(opened, {"contact": "Mary O'Brien", "org": "Initech"})
    answer = await submitted.first_response()

    assert (answer.type, answer.ephemeral) == (4, True)
    assert answer.content is not None
    assert "Logged an outreach email to Mary O'Brien (Initech)" in answer.content
    assert logged(runtime, "email_sent") == 1
    assert fake.schema_errors == []


@pytest.mark.parametrize(
    ("values", "refusal"),
    [
        ({"contact": ""}, "The form needs this: Who did you write to."),
        ({"contact": "   "}, "The form needs this: Who did you write to."),
        ({"contact": "Jane", "note": "x" * 10_000}, "at most 500 characters"),
        ({"contact": "J" * 10_000}, "at most 80 characters"),
        ({"contact": "Jane\x00Doe"}, "control character"),
    ],
    ids=["empty", "blank", "long-note", "long-name", "nul"],
)
async def test_bad_input_in_the_form_gets_a_clear_refusal_and_changes_nothing(
    client: ReachoutClient,
    fake: FakeDiscord,
    runtime: Runtime,
    values: dict[str, str],
    refusal: str,
) -> None:
    await run(fake, "sent", {"contact": "Sam Lee"})
    before = snapshot(runtime)
    opened = await fake.send_interaction("sent")
    await opened.first_response()

    # A modified client: Discord's own would not send these past the inputs' limits.
    submitted = await fake.submit_modal(opened, values, enforce_limits=False)
    answer = await submitted.first_response()

    assert (answer.type, answer.ephemeral) == (4, True)
    assert answer.content is not None
    assert refusal in answer.content
    assert "Traceback" not in answer.content
    assert snapshot(runtime) == before
    assert fake.schema_errors == []


async def test_mention_syntax_in_the_form_is_logged_as_typed_and_pings_nobody(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime
) -> None:
    opened = await fake.send_interaction("sent")
    await opened.first_response()

    submitted = await fake.submit_modal(opened, {"contact": "@everyone", "org": "<@&123> Inc"})
    answer = await submitted.first_response()

    assert submitted.original is not None
    assert submitted.original["mention_everyone"] is False
    assert submitted.original["mention_roles"] == []
    assert answer.body["data"]["allowed_mentions"] == {"parse": []}
    assert fake.everyone_pings == []
    assert logged(runtime, "email_sent") == 1
    assert fake.schema_errors == []


async def test_the_kickoffs_log_an_email_button_opens_the_form(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> None:
    await run(fake, "cohort setup", {"name": "PhD careers"}, user=fake.owner)
    await run(fake, "cohort nudge-now", user=fake.owner)
    [kickoff] = [m for m in fake.messages_in(fake.channel) if "interaction_metadata" not in m]

    press = await fake.click(kickoff, button(kickoff, "Log an email"))
    assert (await press.first_response()).type == 9
    submitted = await fake.submit_modal(press, {"contact": "Raj Patel", "org": "Globex"})
    answer = await submitted.first_response()

    assert answer.content is not None
    assert "Logged an outreach email to Raj Patel (Globex)" in answer.content
    assert [m["id"] for m in fake.messages_in(fake.channel) if m["id"] == kickoff["id"]]
    assert fake.schema_errors == []


async def test_a_members_own_progress_offers_log_an_email_privately(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime
) -> None:
    await run(fake, "sent", {"contact": "Jane Doe"})
    _, progress = await run(fake, "progress")
    assert progress["flags"] & EPHEMERAL
    assert [b["label"] for b in buttons(progress)] == ["Log an email"]

    with pytest.raises(PermissionError):  # Discord shows an ephemeral reply to its user only
        await fake.click(progress, button(progress, "Log an email"), user=fake.owner)
    press = await fake.click(progress, button(progress, "Log an email"))
    assert (await press.first_response()).type == 9
    submitted = await fake.submit_modal(press, {"contact": "Sam Lee"})
    answer = await submitted.first_response()

    assert answer.content is not None
    assert "Logged an outreach email to Sam Lee" in answer.content
    assert logged(runtime, "email_sent") == 2
    assert fake.schema_errors == []


# -- autocomplete ---------------------------------------------------------------------------


async def test_contact_options_are_registered_for_autocomplete(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    [followup] = [c for c in fake.commands_for() if c["name"] == "followup"]
    [contact] = [o for o in followup["options"] if o["name"] == "contact"]
    assert contact["autocomplete"] is True
    assert fake.schema_errors == []


async def test_autocomplete_offers_only_the_callers_contacts_at_most_25_in_time(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> None:
    await run(fake, "cohort setup", {"name": "PhD careers"}, user=fake.owner)
    await run(fake, "sent", {"contact": "Olive's Secret Contact"}, user=fake.owner)
    await many_contacts(runtime, fake, 1000)

    started = time.monotonic()
    asked = await fake.autocomplete("followup", {"contact": ""}, "contact")
    answer = await asked.first_response()
    elapsed = time.monotonic() - started

    assert (answer.type, answer.accepted) == (8, True)
    assert asked.choices is not None
    assert 1 <= len(asked.choices) <= 25
    names = [c["name"] for c in asked.choices]
    assert all(n.startswith("Contact ") for n in names)
    assert answer.elapsed < fake.interaction_deadline
    assert elapsed < fake.interaction_deadline

    typed = await fake.autocomplete("followup", {"contact": "secret"}, "contact")
    await typed.first_response()
    assert typed.choices == []
    assert fake.schema_errors == []


async def test_a_time_zone_option_of_a_subcommand_suggests_zones(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    asked = await fake.autocomplete(
        "cohort setup", {"name": "PhD", "timezone": "berl"}, "timezone", user=fake.owner
    )
    await asked.first_response()
    assert asked.choices == [{"name": "Europe/Berlin", "value": "Europe/Berlin"}]
    assert fake.schema_errors == []


async def test_suggestions_too_slow_for_discords_deadline_come_back_empty_in_time(
    runtime: Runtime, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def stuck(*args: object) -> list[object]:
        await asyncio.sleep(fake.interaction_deadline)  # a database that does not answer
        return []

    async with connected(runtime, fake, suggest_within=0.2):
        await run(fake, "sent", {"contact": "Jane Doe"})
        monkeypatch.setattr(runtime.port, "suggest", stuck)

        asked = await fake.autocomplete("followup", {"contact": "ja"}, "contact")
        answer = await asked.first_response()

    assert (answer.type, answer.accepted) == (8, True)
    assert answer.elapsed < 1.0
    assert asked.choices == []


async def test_did_you_mean_offers_the_close_name_as_a_button_that_logs_for_it(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime
) -> None:
    await run(fake, "sent", {"contact": "Mary O'Brien", "org": "Acme"})
    _, refused = await run(fake, "followup", {"contact": "mary obrian"})
    assert refused["flags"] & EPHEMERAL
    assert "Did you mean Mary O'Brien (Acme)?" in refused["content"]
    assert [b["label"] for b in buttons(refused)] == ["Yes, Mary O'Brien (Acme)", "No, someone new"]
    assert logged(runtime, "follow_up_sent") == 0

    press = await fake.click(refused, button(refused, "Yes, Mary O'Brien (Acme)"))
    await settled(press, followups=1)  # in a channel: the answer comes apart, privately

    said = [message_text(m) for m in press.messages]
    assert any("Logged a follow-up to Mary O'Brien" in text for text in said)
    assert logged(runtime, "follow_up_sent") == 1
    assert fake.schema_errors == []
