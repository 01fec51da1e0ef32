"""Slash commands end to end: INTERACTION_CREATE from the fake Discord, through the real
discord.py client of reachout and the core, to the response Discord would show.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from adapters.discord.client import ReachoutClient
from adapters.discord.interactions import OUTDATED, POSTED
from bot.clock import ManualClock
from bot.commands.arguments import ArgType, Argument
from bot.commands.catalog import build_registry
from bot.commands.dispatch import APOLOGY
from bot.commands.registry import Args, Command, Registry
from bot.engine import Engine
from bot.invocation import Invocation
from bot.replies import Reply
from bot.runtime import Runtime
from tests.adapters.discord_fixtures import (
    connected,
    discord_runtime,
    final_message,
    message_text,
    run,
    with_registry,
)
from tests.fakes.discord import FakeDiscord, FakeGuild, FakeUser

EPHEMERAL = 1 << 6
CALLBACK = ("POST", "/interactions/{id}/{token}/callback")
EDIT_ORIGINAL = ("PATCH", "/webhooks/{app}/{token}/messages/@original")


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


# -- every command ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One command in the walk-through, who runs it and what they should see."""

    path: str
    options: dict[str, Any] = field(default_factory=dict)
    expect: str = ""
    organizer: bool = False
    private: bool = True
    deferred: bool = False
    file: str | None = None


def walk_through(fake: FakeDiscord) -> list[Step]:
    return [
        Step(
            "cohort setup",
            {"name": "PhD careers", "timezone": "America/Toronto", "week_start": "monday"},
            "Cohort “PhD careers” set up in this channel",
            organizer=True,
        ),
        Step("cohort goal", {"emails": 4, "interviews": 1}, "4 emails a week", organizer=True),
        Step(
            "cohort schedule",
            {"kickoff_day": "tuesday", "kickoff_time": "08:30", "checkin_day": "off", "grace": 4},
            "Schedule saved: kickoff Tuesday 08:30, no midweek check-in",
            organizer=True,
        ),
        Step("cohort preview", expect="Preview, goes out Tue 1 Dec 08:30", organizer=True),
        Step(
            "cohort nudge-now",
            expect="Posted this week's kickoff",
            organizer=True,
            deferred=True,
        ),
        Step(
            "cohort organizers", {"add": fake.member}, "Alice is now an organizer", organizer=True
        ),
        Step(
            "sent",
            {"contact": "Jane Doe", "org": "Acme Labs", "note": "alum, met at a conference"},
            "Logged an outreach email to Jane Doe (Acme Labs)",
        ),
        Step("sent", {"count": 2}, "Logged 2 outreach emails. That's 3 of 4 this week"),
        Step("followup", {"contact": "Jane Doe", "note": "short"}, "Logged a follow-up to Jane"),
        Step("reply", {"contact": "jane doe"}, "Jane Doe replied! 🎉"),
        Step(
            "interview",
            {"contact": "Jane Doe", "status": "scheduled", "on": "2026-12-03", "at": "14:00"},
            "Interview with Jane Doe (Acme Labs) scheduled on Thu 3 Dec at 14:00",
        ),
        Step(
            "interview",
            {"contact": "Jane Doe", "share": True},
            "🎉 Alice just had an informational interview!",
            private=False,
        ),
        Step("thanks", {"contact": "Jane Doe"}, "Thank-you to Jane Doe logged"),
        Step("undo", expect="Undone: thank-you note, Jane Doe (Acme Labs)"),
        Step(
            "draft",
            {"text": "Hi Jane, as a fellow alum, could I hear how you chose your path?"},
            "Your draft isn't stored or logged anywhere",
        ),
        Step(
            "referral",
            {"contact": "Sam Lee", "from": "Jane Doe", "org": "Initech"},
            "Added Sam Lee (Initech), via Jane Doe",
        ),
        Step("goal", {"emails": 5, "interviews": 2}, "Goals set: 5 emails a week, 2 interviews"),
        Step("progress", expect="Emails: 4 of 5"),
        Step("contacts", {"status": "all"}, "Jane Doe (Acme Labs) [interviewed]"),
        Step("leaderboard", {"period": "month", "metric": "emails"}, "1. Alice: 4 emails"),
        Step("pause", {"until": "2026-12-31"}, "Paused until Thu 31 Dec"),
        Step(
            "settings",
            {"leaderboard": True, "mentions": True, "reminders": False, "timezone": "Europe/Oslo"},
            "Europe/Oslo",
        ),
        Step("help", {"command": "sent"}, "/sent [contact] [org:text] [count:1-20]"),
        Step(
            "targets add",
            {"org": "Acme Labs", "motivation": 3, "advocate": True},
            "Saved Acme Labs: number 1 of 1",
        ),
        Step("targets import", {"csv": "Initech,no,2,yes"}, "Imported 1 employer; your list has 2"),
        Step("targets list", expect="1. ⭐ Acme Labs: motivation 3 (dream), an advocate there"),
        Step("targets next", expect="Next: Acme Labs"),
        Step(
            "targets export",
            expect="Your target list as CSV",
            deferred=True,
            file="reachout-targets-2026-11-26.csv",
        ),
        Step("targets remove", {"org": "Initech"}, "Took Initech off your list"),
        Step(
            "cohort stats",
            expect="2 members; how many logged is not shown",
            organizer=True,
            deferred=True,
        ),
        Step(
            "cohort report",
            {"from": "2026-11-02", "to": "2026-11-26"},
            "4 whole weeks",
            organizer=True,
            deferred=True,
        ),
        Step(
            "cohort export",
            expect="Weekly counts as CSV",
            organizer=True,
            deferred=True,
            file="reachout-cohort-1-2026-11-26.csv",
        ),
        Step(
            "mydata export",
            expect="everything reachout stores about you",
            deferred=True,
            file="reachout-export-2026-11-26.json",
        ),
        Step("mydata forget", {"confirm": True}, "everything about you is erased"),
    ]


async def test_every_command_once_through_a_real_interaction(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    steps = walk_through(fake)
    assert {s.path for s in steps} == {c.path for c in build_registry().leaves()}
    for step in steps:
        user = fake.owner if step.organizer else fake.member
        interaction, message = await run(fake, step.path, step.options, user=user)
        first = await interaction.first_response()
        where = f"/{step.path} {step.options}"
        assert step.expect in message_text(message), where
        assert first.elapsed < fake.interaction_deadline, where
        assert first.type == (5 if step.deferred else 4), where
        assert bool(message["flags"] & EPHEMERAL) is step.private, where
        assert first.body["data"].get("allowed_mentions") in (None, {"parse": []}), where
        if step.file is not None:
            [edit] = [r for r in fake.requests_to(*EDIT_ORIGINAL) if interaction.token in r.path]
            assert edit.files == ["files[0]"]
            assert edit.json["attachments"] == [{"id": 0, "filename": step.file}]
    assert fake.schema_errors == []


async def test_progress_and_the_leaderboard_are_embeds_with_readable_fields(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    await run(fake, "sent", {"contact": "Jane Doe"})
    _, progress = await run(fake, "progress")
    [embed] = progress["embeds"]
    assert embed["title"] == "Your week from Mon 23 Nov"
    assert [f["name"] for f in embed["fields"]] == [
        "This week",
        "Streak",
        "Pipeline",
        "Your funnel (all time)",
        "Follow-ups due",
    ]
    assert embed["fields"][0] == {
        "name": "This week",
        "value": "Emails: 1 of 3, 2 to go",
        "inline": False,
    }
    assert progress["flags"] & EPHEMERAL
    _, board = await run(fake, "leaderboard", {"metric": "emails", "share": True})
    [embed] = board["embeds"]
    assert embed["title"] == "🏆 Test Cohort: emails this week (from Mon 23 Nov)"
    assert embed["description"] == "1. Alice: 1 email"
    assert not board["flags"] & EPHEMERAL  # shared: the whole channel sees it
    assert fake.schema_errors == []


async def test_help_too_long_for_one_embed_field_is_continued_in_the_next(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    _, message = await run(fake, "help", user=fake.owner)
    fields = message["embeds"][0]["fields"]
    assert [f["name"] for f in fields] == [
        "Commands",
        "Commands (continued)",
        "For organizers",
        "For organizers (continued)",
    ]
    assert all(len(f["value"]) <= 1024 for f in fields)
    assert "/leaderboard" in message_text(message)
    assert fake.schema_errors == []


# -- mentions ---------------------------------------------------------------------------------


async def test_everyone_and_role_mentions_typed_by_members_never_ping(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    role = fake.guild.add_role("Cohort 2026", mentionable=True)
    typed = f"@everyone {role.mention} @here"
    interaction, message = await run(
        fake, "sent", {"contact": "@everyone", "org": typed, "note": typed}
    )
    assert (await interaction.first_response()).body["data"]["allowed_mentions"] == {"parse": []}
    assert "@\u200beveryone" in message["content"]
    assert fake.everyone_pings == []
    assert message["mentions"] == []


async def test_a_display_name_that_pings_is_harmless_in_a_public_post(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    role = fake.guild.add_role("Everyone in the cohort", mentionable=True)
    mallory = fake.add_user("mallory", global_name=f"@everyone {role.mention}")
    fake.guild.add_member(mallory)
    interaction, message = await run(
        fake, "interview", {"contact": "Jane", "share": True}, user=mallory
    )
    assert not message["flags"] & EPHEMERAL
    assert (await interaction.first_response()).body["data"]["allowed_mentions"] == {"parse": []}
    assert message["content"].startswith("🎉 @\u200beveryone <@\u200b&")
    _, board = await run(fake, "leaderboard", {"share": True}, user=mallory)
    assert "@\u200beveryone" in message_text(board)
    assert fake.everyone_pings == []
    assert all(m["mentions"] == [] for m in fake.messages_in(fake.channel))


# -- organizers -------------------------------------------------------------------------------


async def test_a_member_without_manage_server_is_refused_cohort_commands_with_a_reason(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime
) -> None:
    # Discord hides /cohort from them; a server can still allow it under Integrations.
    _, message = await run(
        fake, "cohort setup", {"name": "Mine now"}, user=fake.member, check_permissions=False
    )
    assert "is for the cohort's organizers" in message["content"]
    assert "/cohort organizers add:@you" in message["content"]
    assert message["flags"] & EPHEMERAL
    assert await runtime.store.cohort_for_channel(1, str(fake.channel.id)) is None


async def test_an_organizer_added_with_cohort_organizers_can_use_cohort_commands(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    await run(fake, "cohort setup", {"name": "PhD careers"}, user=fake.owner)
    _, added = await run(fake, "cohort organizers", {"add": fake.member}, user=fake.owner)
    assert "Alice is now an organizer" in added["content"]
    _, stats = await run(fake, "cohort stats", user=fake.member, check_permissions=False)
    assert "📊 PhD careers" in message_text(stats)


# -- workspaces -------------------------------------------------------------------------------


async def test_two_servers_are_separate_workspaces_with_separate_data(
    runtime: Runtime, fake: FakeDiscord
) -> None:
    other = fake.add_guild("Other Programme")
    other.add_member(fake.member)
    async with connected(runtime, fake):
        await isolated_walk(fake, other)


async def isolated_walk(fake: FakeDiscord, other: FakeGuild) -> None:
    await run(fake, "sent", {"contact": "Jane Doe"})
    await run(fake, "sent", {"count": 2})
    _, elsewhere = await run(fake, "progress", guild=other)
    assert "Emails: 0 of 3" in message_text(elsewhere)
    _, contacts = await run(fake, "contacts", guild=other)
    assert "No contacts yet" in contacts["content"]
    _, board = await run(fake, "leaderboard", {"metric": "emails"}, guild=other)
    assert "No emails logged" in message_text(board)
    assert "Other Programme" in message_text(board)
    _, home = await run(fake, "progress")
    assert "Emails: 3 of 3" in message_text(home)


async def test_a_server_the_bot_joins_becomes_a_workspace(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime
) -> None:
    joined = fake.add_guild("Newly Joined")
    payload = joined.gateway_payload(bot_id=fake.bot_user.id, intents=1)
    del payload["unavailable"]  # absent when the bot joins; False when a known server is back
    await fake.dispatch("GUILD_CREATE", payload)
    await fake.wait_for(lambda: joined.id in client.known_workspaces)
    workspace = await runtime.store.ensure_workspace(
        "discord", str(joined.id), "", runtime.clock.now()
    )
    assert workspace.name == "Newly Joined"


async def test_commands_are_for_servers_and_a_dm_is_answered_with_why(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    with pytest.raises(PermissionError):
        await fake.send_dm_interaction("progress")
    # An older registration that still allowed DMs: the member is told where to go.
    for command in fake.global_commands:
        command["contexts"], command["dm_permission"] = [0, 1], True
    interaction = await fake.send_dm_interaction("progress")
    message = await final_message(interaction)
    assert "reachout works inside a server" in message["content"]
    assert message["flags"] & EPHEMERAL


# -- deadlines, failures and rate limits -----------------------------------------------------


def with_extra_commands(runtime: Runtime, *extra: Command) -> Runtime:
    registry = Registry((*build_registry().commands, *extra))
    return with_registry(runtime, registry)


async def test_work_slower_than_the_budget_is_deferred_then_followed_up(
    runtime: Runtime, fake: FakeDiscord
) -> None:
    gate = asyncio.Event()

    async def ponder(engine: Engine, inv: Invocation, args: Args) -> Reply:
        await gate.wait()
        return Reply("Thought it over.", private=not args.flag("share"))

    share = Argument("share", ArgType.BOOLEAN, "Post it")
    slow = Command("ponder", "Take a while to answer", (share,), ponder)
    async with connected(with_extra_commands(runtime, slow), fake, defer_after=0.05):
        private = await fake.send_interaction("ponder")
        public = await fake.send_interaction("ponder", {"share": True})
        for interaction in (private, public):
            first = await interaction.first_response()
            assert (first.type, first.ephemeral) == (5, True)
        gate.set()
        assert (await final_message(private))["content"] == "Thought it over."
        assert (await final_message(public))["content"] == POSTED
        posted = await public.followup()
        assert posted["content"] == "Thought it over."
        assert not posted["flags"] & EPHEMERAL
    assert fake.schema_errors == []


async def test_work_done_while_its_deferral_is_on_the_way_waits_for_it_then_edits(
    runtime: Runtime, fake: FakeDiscord
) -> None:
    async def ponder(engine: Engine, inv: Invocation, args: Args) -> Reply:
        await asyncio.sleep(0.1)
        return Reply("Thought it over.", private=True)

    slow = Command("ponder", "Take a while to answer", (), ponder)
    async with connected(with_extra_commands(runtime, slow), fake, defer_after=0.05):
        fake.answer_delay = 0.3
        interaction = await fake.send_interaction("ponder")
        first = await interaction.first_response()
        assert (first.type, first.ephemeral) == (5, True)
        assert (await final_message(interaction))["content"] == "Thought it over."
    assert [r.status for r in fake.requests_to(*CALLBACK)] == [200]
    assert [r.status for r in fake.requests_to(*EDIT_ORIGINAL)] == [200]


async def test_a_handler_that_raises_still_answers_with_a_private_apology(
    runtime: Runtime, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(engine: Engine, inv: Invocation, args: Args) -> Reply:
        raise RuntimeError("the disk is on fire")

    boom = Command("boom", "Always fails", (), explode)
    with caplog.at_level(logging.ERROR):
        async with connected(with_extra_commands(runtime, boom), fake):
            _, message = await run(fake, "boom")
    assert message["content"] == APOLOGY
    assert message["flags"] & EPHEMERAL
    assert "command /boom failed (platform=discord" in caplog.text
    assert "the disk is on fire" in caplog.text
    assert "the disk is on fire" not in message["content"]


async def test_a_refused_first_answer_is_replaced_by_an_apology(
    client: ReachoutClient, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next(*CALLBACK, status=400, code=50035, message="Invalid Form Body")
    with caplog.at_level(logging.ERROR, logger="adapters.discord"):
        _, message = await run(fake, "progress")
    assert message["content"] == APOLOGY
    assert [r.status for r in fake.requests_to(*CALLBACK)] == [400, 200]
    assert f"discord: /progress failed (guild={fake.guild.id}" in caplog.text


async def test_an_option_discord_could_not_resolve_still_gets_an_answer(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    raw = [{"name": "add", "type": 6, "value": "123456789012345678"}]
    _, message = await run(fake, "cohort organizers", raw, user=fake.owner)  # type: ignore[arg-type]
    assert message["content"] == APOLOGY


async def test_a_command_discord_still_shows_from_an_older_version_is_explained(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    fake.global_commands.append(
        {"id": str(fake.ids.next()), "name": "streaks", "type": 1, "description": "Old"}
    )
    _, message = await run(fake, "streaks")
    assert message["content"] == OUTDATED


async def test_a_429_on_the_interaction_callback_is_waited_out_and_succeeds(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    fault = fake.rate_limit_next(*CALLBACK, retry_after=0.2)
    interaction, message = await run(fake, "sent", {"contact": "Jane Doe"})
    assert "Logged an outreach email to Jane Doe" in message["content"]
    assert fault.remaining == 0
    assert [r.status for r in fake.requests_to(*CALLBACK)] == [429, 200]
    assert (await interaction.first_response()).elapsed >= 0.2


async def test_many_members_at_once_all_get_their_answer_in_time(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    members: list[FakeUser] = []
    for n in range(20):
        user = fake.add_user(f"member{n}", global_name=f"Member {n}")
        fake.guild.add_member(user)
        members.append(user)
    interactions = await asyncio.gather(
        *(fake.send_interaction("sent", {"count": 1}, user=m) for m in members)
    )
    answers = await asyncio.gather(*(i.first_response() for i in interactions))
    assert all(a.accepted and a.elapsed < fake.interaction_deadline for a in answers)
    _, board = await run(fake, "leaderboard", {"metric": "emails"})
    assert "…and 10 others putting in the work too." in message_text(board)


async def test_nudge_now_posts_the_kickoff_in_the_cohort_channel_once(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    await run(fake, "cohort setup", {"name": "PhD careers"}, user=fake.owner)
    await run(fake, "sent", {"count": 3})
    _, answer = await run(fake, "cohort nudge-now", user=fake.owner)
    assert "Posted this week's kickoff" in answer["content"]
    assert answer["flags"] & EPHEMERAL
    [post] = fake.requests_to("POST", "/channels/{channel_id}/messages")
    assert post.json["enforce_nonce"] is True
    assert post.json["allowed_mentions"] == {"parse": []}
    [kickoff] = [m for m in fake.messages_in(fake.channel) if "interaction_metadata" not in m]
    assert kickoff["embeds"][0]["title"] == "☀️ New week, PhD careers!"
    assert not kickoff["flags"] & EPHEMERAL
    _, again = await run(fake, "cohort nudge-now", user=fake.owner)
    assert "already handled" in again["content"]
    assert len(fake.requests_to("POST", "/channels/{channel_id}/messages")) == 1
    assert fake.schema_errors == []
