"""The fake Discord, proven with the real discord.py client talking to it over loopback.

If these pass, adapter tests can trust that what the fake records is what discord.py sends to
Discord, and that what the fake answers is something discord.py accepts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import discord.http
import pytest
import pytest_asyncio
from aiohttp import web
from discord import app_commands

from tests.fakes.discord import (
    FakeDiscord,
    Permission,
    openapi_index,
    point_discord_py_at,
    running_client,
)


class Bot(discord.Client):
    """A minimal bot with a few commands, recording what its callbacks saw."""

    def __init__(self, fake: FakeDiscord) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,  # on_ready fires this long after the last GUILD_CREATE
        )
        self.tree = app_commands.CommandTree(self)
        self.seen: list[discord.Interaction] = []
        self.arguments: list[dict[str, Any]] = []
        self.callback_responses: list[discord.InteractionCallbackResponse[Any]] = []
        self.errors: list[Exception] = []
        self._add_commands(fake)

    def _add_commands(self, fake: FakeDiscord) -> None:
        @self.tree.command(name="ping", description="Check the bot is alive")
        async def ping(interaction: discord.Interaction) -> None:
            self.seen.append(interaction)
            embed = discord.Embed(title="Pong", description="Still here.", colour=0x2ECC71)
            embed.add_field(name="streak", value="3 weeks")
            response = await interaction.response.send_message("pong", embed=embed, ephemeral=True)
            self.callback_responses.append(response)

        @self.tree.command(name="slow", description="Answer after thinking")
        async def slow(interaction: discord.Interaction) -> None:
            self.seen.append(interaction)
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("done", ephemeral=True)
            await interaction.edit_original_response(content="finished thinking")

        @self.tree.command(name="late", description="Answer after the deadline")
        async def late(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.3)
            try:
                await interaction.response.send_message("too late")
            except discord.HTTPException as error:
                self.errors.append(error)

        cohort = app_commands.Group(name="cohort", description="Cohort membership")
        members = app_commands.Group(name="members", description="Members", parent=cohort)

        @cohort.command(name="join", description="Join a cohort")
        @app_commands.describe(name="Which cohort", count="How many", buddy="Who with")
        @app_commands.choices(
            name=[
                app_commands.Choice(name="Spring", value="spring"),
                app_commands.Choice(name="Autumn", value="autumn"),
            ]
        )
        async def join(
            interaction: discord.Interaction,
            name: app_commands.Choice[str],
            count: app_commands.Range[int, 1, 20],
            buddy: discord.Member | None = None,
        ) -> None:
            self.seen.append(interaction)
            self.arguments.append({"name": name.value, "count": count, "buddy": buddy})
            await interaction.response.send_message(f"joined {name.value}")

        @members.command(name="add", description="Add a member")
        async def add(interaction: discord.Interaction, who: discord.User) -> None:
            self.seen.append(interaction)
            self.arguments.append({"who": who})
            await interaction.response.send_message(f"added {who.mention}")

        self.tree.add_command(cohort)

        @app_commands.command(name="admin", description="Organisers only")
        @app_commands.default_permissions(manage_guild=True)
        async def admin(interaction: discord.Interaction) -> None:
            self.seen.append(interaction)
            await interaction.response.send_message("ok", ephemeral=True)

        self.tree.add_command(admin, guild=discord.Object(id=fake.guild.id))


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A fresh fake Discord per test."""
    async with FakeDiscord() as server:
        yield server


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[Bot]:
    """A connected bot whose commands are synced globally and to the test guild."""
    client = Bot(fake)
    async with running_client(client, fake):
        await client.tree.sync()
        await client.tree.sync(guild=discord.Object(id=fake.guild.id))
        yield client


# -- connecting -------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("compress", [False, True], ids=["text-frames", "zlib-stream"])
async def test_login_connect_ready_and_guild_create_reach_the_client(compress: bool) -> None:
    async with FakeDiscord(compress_gateway=compress) as fake:
        client = Bot(fake)
        async with running_client(client, fake):
            assert client.user is not None
            assert client.user.id == fake.bot_user.id
            assert client.application_id == fake.application_id
            guild = client.get_guild(fake.guild.id)
            assert guild is not None
            assert guild.name == "Test Cohort"
            assert guild.owner_id == fake.owner.id
            assert guild.get_channel(fake.channel.id) is not None
            assert guild.me is not None  # the bot's own member arrives without GUILD_MEMBERS
            await fake.wait_for(lambda: fake.sessions[0].heartbeats >= 1)

        startup = [(r.method, r.path) for r in fake.requests]
        assert startup[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
        session = fake.sessions[0]
        # zlib-stream here; discord.py asks for zstd-stream when a zstd module is importable.
        wanted = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
        assert session.query == {"v": "10", "encoding": "json", "compress": wanted}
        assert session.compress is compress
        assert fake.identifies[0]["intents"] == discord.Intents.default().value
        assert [f.payload["t"] for f in session.frames if f.payload.get("t")][:2] == [
            "READY",
            "GUILD_CREATE",
        ]
        # client.close() sends 1000, but its own waiting reader closes first with 4000.
        assert session.close_code in (1000, 4000)
        assert not session.open
        assert fake.unknown_routes == []


@pytest.mark.asyncio
async def test_discord_py_reads_json_with_a_charset_as_plain_text() -> None:
    """Why the fake writes its own Content-Type: aiohttp's json_response breaks discord.py."""

    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"id": "1"})

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/") as r,
        ):
            assert r.headers["Content-Type"] == "application/json; charset=utf-8"
            assert await discord.http.json_or_text(r) == '{"id": "1"}'  # a str, not a dict
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_a_bad_token_gives_login_failure(fake: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.default())
    with point_discord_py_at(fake):
        try:
            with pytest.raises(discord.LoginFailure):
                await client.login("not-the-token")
        finally:
            await client.close()
    assert [(r.path, r.status) for r in fake.requests] == [("/users/@me", 401)]


@pytest.mark.asyncio
async def test_a_restarted_bot_identifies_again_and_gets_interactions(fake: FakeDiscord) -> None:
    first = Bot(fake)
    async with running_client(first, fake):
        await first.tree.sync()
    second = Bot(fake)
    async with running_client(second, fake):
        interaction = await fake.send_interaction("ping")
        assert (await interaction.first_response()).accepted
    assert len(fake.identifies) == 2
    assert [s.open for s in fake.sessions] == [False, False]
    assert [i.id for i in second.seen] == [interaction.id]
    assert first.seen == []


@pytest.mark.asyncio
async def test_op7_reconnect_is_resumed_on_a_new_socket(bot: Bot, fake: FakeDiscord) -> None:
    first = fake.sessions[0]
    await fake.send_reconnect()
    await fake.wait_for(lambda: len(fake.sessions) == 2 and fake.sessions[1].ready)
    resumed = fake.sessions[1]
    assert resumed.resumed_from == first.session_id
    assert resumed.frames[1].payload["op"] in (1, 6)  # heartbeat then RESUME, no IDENTIFY
    interaction = await fake.send_interaction("ping")
    assert (await interaction.first_response()).accepted
    assert len(fake.identifies) == 1


# -- command sync -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_tree_sync_lands_in_the_fake_and_matches_the_spec(
    bot: Bot, fake: FakeDiscord
) -> None:
    puts = fake.requests_to("PUT", "/applications/{app}/commands") + fake.requests_to(
        "PUT", "/applications/{app}/guilds/{guild}/commands"
    )
    assert [r.status for r in puts] == [200, 200]
    assert sorted(c["name"] for c in fake.commands_for()) == ["cohort", "late", "ping", "slow"]
    [admin] = fake.commands_for(fake.guild)
    assert admin["name"] == "admin"
    assert admin["guild_id"] == str(fake.guild.id)
    assert admin["default_member_permissions"] == str(int(Permission.MANAGE_GUILD))
    assert fake.schema_errors == []

    fetched = await bot.tree.fetch_commands()
    assert {c.name: c.id for c in fetched} == {
        c["name"]: int(c["id"]) for c in fake.global_commands
    }
    [fetched_admin] = await bot.tree.fetch_commands(guild=discord.Object(id=fake.guild.id))
    assert fetched_admin.id == int(admin["id"])
    assert fetched_admin.default_member_permissions == discord.Permissions(manage_guild=True)


@pytest.mark.asyncio
async def test_a_resync_keeps_command_ids_like_discord(bot: Bot, fake: FakeDiscord) -> None:
    before = {c["name"]: c["id"] for c in fake.global_commands}
    await bot.tree.sync()
    assert {c["name"]: c["id"] for c in fake.global_commands} == before


@pytest.mark.asyncio
async def test_invalid_command_bodies_are_caught_by_spec_and_rules(fake: FakeDiscord) -> None:
    client = Bot(fake)
    bad: list[dict[str, Any]] = [
        {"name": "x" * 40, "description": "too long a name", "type": 1},
        {"name": "Shout", "description": "", "type": 1},
        {"name": "opts", "description": "d", "options": [{"type": 3, "name": "a"}]},
    ]
    async with running_client(client, fake):
        await client.http.bulk_upsert_global_commands(fake.application_id, bad)
    messages = [(e.source, e.message) for e in fake.schema_errors]
    assert (
        "openapi",
        "$[0].name: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is too long",
    ) in messages
    assert any(s == "discord-rules" and "'Shout'" in m for s, m in messages)
    assert any(s == "discord-rules" and "$[1].description" in m for s, m in messages)
    assert any(s == "openapi" and m.startswith("$[2].options[0]") for s, m in messages)


@pytest.mark.asyncio
async def test_an_overlong_message_is_a_schema_error(bot: Bot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("x" * 2001)  # discord.py does not check; Discord answers 50035
    [error] = fake.schema_errors
    assert (error.operation, error.location) == ("create_message", "$.content")
    assert "is too long" in error.message


@pytest.mark.asyncio
async def test_reject_invalid_answers_400_invalid_form_body() -> None:
    async with FakeDiscord(reject_invalid=True) as fake:
        client = Bot(fake)
        async with running_client(client, fake):
            with pytest.raises(discord.HTTPException) as raised:
                await client.http.bulk_upsert_global_commands(
                    fake.application_id, [{"name": "UPPER", "description": "x"}]
                )
    assert raised.value.status == 400
    assert raised.value.code == 50035
    assert "In 0.name:" in raised.value.text  # discord.py flattens Discord's nested errors
    assert fake.global_commands == []


# -- interactions -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_an_interaction_reaches_the_command_and_its_ephemeral_reply_is_recorded(
    bot: Bot, fake: FakeDiscord
) -> None:
    interaction = await fake.send_interaction("ping")
    reply = await interaction.first_response()

    assert reply.type == 4
    assert reply.content == "pong"
    assert reply.ephemeral
    assert reply.accepted
    assert 0 <= reply.elapsed < fake.interaction_deadline
    [seen] = bot.seen
    assert seen.id == interaction.id
    assert seen.user.id == fake.member.id
    assert isinstance(seen.user, discord.Member)
    assert seen.guild_id == fake.guild.id
    assert seen.channel is not None
    assert seen.channel.id == fake.channel.id
    assert seen.command is not None
    assert seen.command.name == "ping"

    [request] = fake.requests_to("POST", "/interactions/{id}/{token}/callback")
    assert request.query == {"with_response": "1"}
    assert request.header("Authorization") is None
    assert fake.schema_errors == []
    # discord.py parsed the with_response body: it knows the id of the message it created.
    assert interaction.original is not None
    await fake.wait_for(lambda: bool(bot.callback_responses))
    assert bot.callback_responses[0].message_id == int(interaction.original["id"])
    [message] = fake.messages_in(fake.channel)
    assert message["content"] == "pong"
    assert message["embeds"][0]["fields"] == [
        {"name": "streak", "value": "3 weeks", "inline": True}
    ]


@pytest.mark.asyncio
async def test_a_deferred_reply_then_a_followup_and_an_edit_are_recorded(
    bot: Bot, fake: FakeDiscord
) -> None:
    interaction = await fake.send_interaction("slow")
    reply = await interaction.first_response()
    assert reply.type == 5
    assert reply.ephemeral

    followup = await interaction.followup()
    assert followup["content"] == "done"
    assert followup["flags"] & 64
    original = await interaction.original_when(lambda m: m["content"] == "finished thinking")
    assert not original["flags"] & 128  # no longer "thinking"
    assert original["flags"] & 64

    [post] = fake.requests_to("POST", "/webhooks/{app}/{token}")
    assert post.query["wait"] == "1"
    assert fake.requests_to("PATCH", "/webhooks/{app}/{token}/messages/@original")
    fetched = await bot.seen[0].original_response()
    assert fake.requests_to("GET", "/webhooks/{app}/{token}/messages/@original")
    assert fetched.content == "finished thinking"
    assert fetched.id == int(original["id"])
    assert fake.schema_errors == []


@pytest.mark.asyncio
async def test_subcommand_options_arrive_typed_with_resolved_users(
    bot: Bot, fake: FakeDiscord
) -> None:
    interaction = await fake.send_interaction(
        "cohort join", {"name": "spring", "count": 3, "buddy": fake.owner}
    )
    assert (await interaction.first_response()).content == "joined spring"
    [arguments] = bot.arguments
    assert arguments["name"] == "spring"
    assert arguments["count"] == 3
    assert isinstance(arguments["buddy"], discord.Member)
    assert arguments["buddy"].id == fake.owner.id

    group = await fake.send_interaction("cohort members add", {"who": fake.member})
    assert (await group.first_response()).content == f"added <@{fake.member.id}>"
    options = group.payload["data"]["options"]
    assert options[0]["type"] == 2  # group -> subcommand -> option
    assert options[0]["options"][0]["type"] == 1
    assert options[0]["options"][0]["options"] == [
        {"name": "who", "type": 6, "value": str(fake.member.id)}
    ]


@pytest.mark.asyncio
async def test_send_interaction_refuses_what_discord_would_not_send(
    bot: Bot, fake: FakeDiscord
) -> None:
    with pytest.raises(LookupError, match="not registered"):
        await fake.send_interaction("nope")
    with pytest.raises(ValueError, match="required"):
        await fake.send_interaction("cohort join", {"name": "spring"})
    with pytest.raises(ValueError, match="choices"):
        await fake.send_interaction("cohort join", {"name": "winter", "count": 1})
    with pytest.raises(ValueError, match="within"):
        await fake.send_interaction("cohort join", {"name": "spring", "count": 21})
    with pytest.raises(PermissionError):
        await fake.send_interaction("admin")  # alice lacks Manage Server
    organiser = await fake.send_interaction("admin", user=fake.owner)
    assert (await organiser.first_response()).accepted


@pytest.mark.asyncio
async def test_a_dm_interaction_has_a_user_and_no_guild(bot: Bot, fake: FakeDiscord) -> None:
    interaction = await fake.send_dm_interaction("ping")
    assert (await interaction.first_response()).content == "pong"
    [seen] = bot.seen
    assert seen.guild_id is None
    assert isinstance(seen.user, discord.User)
    assert seen.user.id == fake.member.id
    assert isinstance(seen.channel, discord.DMChannel)


@pytest.mark.asyncio
async def test_a_reply_after_the_deadline_is_refused_as_unknown_interaction() -> None:
    async with FakeDiscord(interaction_deadline=0.1) as fake:
        client = Bot(fake)
        async with running_client(client, fake):
            await client.tree.sync()
            interaction = await fake.send_interaction("late")
            reply = await interaction.first_response()
            await fake.wait_for(lambda: bool(client.errors))
    assert not reply.accepted
    assert reply.elapsed > 0.1
    assert isinstance(client.errors[0], discord.NotFound)
    assert client.errors[0].code == 10062


# -- rate limits and failures -----------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_429_is_waited_out_and_the_retry_succeeds(bot: Bot, fake: FakeDiscord) -> None:
    fault = fake.rate_limit_next("POST", "/channels/{channel_id}/messages", retry_after=0.2)
    channel = bot.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)

    started = time.monotonic()
    message = await channel.send("hello")
    waited = time.monotonic() - started

    assert waited >= 0.2
    assert fault.remaining == 0
    attempts = fake.requests_to("POST", "/channels/{channel_id}/messages")
    assert [r.status for r in attempts] == [429, 200]
    assert [m["id"] for m in fake.messages_in(fake.channel)] == [str(message.id)]


@pytest.mark.asyncio
async def test_enforced_limits_make_discord_py_wait_for_the_bucket_reset() -> None:
    async with FakeDiscord(enforce_rate_limits=True, route_limit=2, rate_limit_window=0.3) as fake:
        client = Bot(fake)
        async with running_client(client, fake):
            channel = client.get_channel(fake.channel.id)
            assert isinstance(channel, discord.TextChannel)
            for n in range(3):
                await channel.send(f"message {n}")
    attempts = fake.requests_to("POST", "/channels/{channel_id}/messages")
    # X-RateLimit-Remaining hit 0 after two, so discord.py slept instead of earning a 429.
    assert [r.status for r in attempts] == [200, 200, 200]
    assert attempts[2].received_at - attempts[0].received_at >= 0.25


@pytest.mark.asyncio
async def test_a_429_on_a_followup_webhook_is_waited_out(bot: Bot, fake: FakeDiscord) -> None:
    fake.rate_limit_next("POST", "/webhooks/{app}/{token}", retry_after=0.1)
    interaction = await fake.send_interaction("slow")
    assert (await interaction.followup())["content"] == "done"
    assert [r.status for r in fake.requests_to("POST", "/webhooks/{app}/{token}")] == [429, 200]


@pytest.mark.asyncio
async def test_a_429_without_via_looks_like_a_cloudflare_ban(bot: Bot, fake: FakeDiscord) -> None:
    body = {"message": "You are being rate limited.", "retry_after": 0.1, "global": False}
    fake.fail_next("POST", "/channels/{channel_id}/messages", status=429, body=body)
    channel = bot.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as raised:
        await channel.send("hello")
    assert raised.value.status == 429  # raised at once, not retried


@pytest.mark.asyncio
async def test_dms_are_recorded_and_closed_dms_are_forbidden(bot: Bot, fake: FakeDiscord) -> None:
    alice = await bot.fetch_user(fake.member.id)
    await alice.send("reminder: follow up with Dr. Rivera")
    assert [m["content"] for m in fake.dms_to(fake.member)] == [
        "reminder: follow up with Dr. Rivera"
    ]

    fake.member.accepts_dms = False
    with pytest.raises(discord.Forbidden) as raised:
        await alice.send("again")
    assert raised.value.code == 50007
    assert fake.schema_errors == []


@pytest.mark.asyncio
async def test_fail_next_injects_an_error_once(bot: Bot, fake: FakeDiscord) -> None:
    fake.fail_next(
        "POST",
        "/channels/{channel_id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
    )
    alice = await bot.fetch_user(fake.member.id)
    with pytest.raises(discord.Forbidden):
        await alice.send("first")
    await alice.send("second")
    assert [m["content"] for m in fake.dms_to(fake.member)] == ["second"]


@pytest.mark.asyncio
async def test_only_allowed_mentions_ping_everyone(bot: Bot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("@everyone hello")  # the client's default is AllowedMentions.none()
    assert fake.everyone_pings == []
    await channel.send("@everyone hello", allowed_mentions=discord.AllowedMentions(everyone=True))
    assert len(fake.everyone_pings) == 1


# -- the fake's own answers match the spec --------------------------------------------------


@pytest.mark.asyncio
async def test_the_fakes_answers_match_discords_response_schemas(
    bot: Bot, fake: FakeDiscord
) -> None:
    """Guards the fake's realism: every answer it gives validates against the spec."""
    await fake.send_interaction("ping")
    interaction = await fake.send_interaction("slow")
    await interaction.original_when(lambda m: m["content"] == "finished thinking")
    alice = await bot.fetch_user(fake.member.id)
    await alice.send("hi")

    headers = {"Authorization": f"Bot {fake.token}"}
    paths = [
        "/users/@me",
        "/oauth2/applications/@me",
        f"/users/{fake.member.id}",
        f"/applications/{fake.application_id}/commands",
        f"/applications/{fake.application_id}/guilds/{fake.guild.id}/commands",
        f"/channels/{fake.channel.id}",
        f"/channels/{fake.channel.id}/messages",
        f"/channels/{fake.dm_channel(fake.member).id}",
        f"/guilds/{fake.guild.id}",
        f"/guilds/{fake.guild.id}/roles",
        f"/guilds/{fake.guild.id}/channels",
        f"/guilds/{fake.guild.id}/members/{fake.member.id}",
    ]
    spec = openapi_index()
    problems = []
    async with aiohttp.ClientSession(headers=headers) as session:
        for path in paths:
            async with session.get(fake.api_base + path) as response:
                assert response.status == 200, path
                assert response.headers["Content-Type"] == "application/json"
                assert "X-RateLimit-Bucket" in response.headers
                validator = spec.response_validator("GET", path)
                assert validator is not None, path
                problems += [
                    f"{path}: {e.message}" for e in validator.iter_errors(await response.json())
                ]
    # Everything the fake answered discord.py during the test: callbacks, follow-ups, edits...
    answered = [r for r in fake.requests if r.status == 200 and r.response is not None]
    assert {r.route for r in answered} >= {
        "/interactions/{interaction_id}/{interaction_token}/callback",
        "/webhooks/{webhook_id}/{webhook_token}",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        "/users/@me/channels",
        "/channels/{channel_id}/messages",
    }
    for request in answered:
        validator = spec.response_validator(request.method, request.path)
        assert validator is not None, request.path
        errors = validator.iter_errors(request.response)
        problems += [f"{request.method} {request.path}: {e.message}" for e in errors]
    ready_user = fake.ready_payload(fake.sessions[0])["user"]
    problems += [
        e.message
        for e in spec.validator_for(spec.schema("UserPIIResponse")).iter_errors(ready_user)
    ]
    assert problems == []


# -- buttons, modals and autocomplete --------------------------------------------------------


class Unstored(discord.ui.View):
    """Buttons sent without discord.py's view store, as an adapter routing presses itself."""

    def is_finished(self) -> bool:
        return True


class Form(discord.ui.Modal, title="Log an email"):
    contact: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Contact", custom_id="contact", max_length=20
    )
    note: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Note", custom_id="note", style=discord.TextStyle.paragraph, required=False
    )

    def is_finished(self) -> bool:
        return True


def buttons(*custom_ids: str) -> Unstored:
    view = Unstored(timeout=None)
    for custom_id in custom_ids:
        view.add_item(discord.ui.Button(label=custom_id.title(), custom_id=custom_id))
    return view


class ButtonBot(Bot):
    """The bot of the other tests, answering presses, modal submits and autocomplete too."""

    def __init__(self, fake: FakeDiscord) -> None:
        super().__init__(fake)
        self.pressed: list[discord.Interaction] = []

        @self.tree.command(name="menu", description="Show buttons")
        async def menu(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pick", view=buttons("done", "slow", "form"))

        async def names(interaction: discord.Interaction, typed: str) -> list[Any]:
            found = [n for n in ("Jane Doe", "Janet Ng", "Raj") if typed.lower() in n.lower()]
            return [app_commands.Choice(name=n, value=n) for n in found]

        @self.tree.command(name="find", description="Find a contact")
        @app_commands.autocomplete(contact=names)
        async def find(interaction: discord.Interaction, contact: str) -> None:
            await interaction.response.send_message(contact, ephemeral=True)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        if interaction.type is discord.InteractionType.component:
            self.pressed.append(interaction)
            if data["custom_id"] == "done":
                await interaction.response.edit_message(content="done!", view=None)
            elif data["custom_id"] == "slow":
                await interaction.response.defer()
                await interaction.edit_original_response(content="slowly done", view=None)
                await interaction.followup.send("only you see this", ephemeral=True)
            else:
                await interaction.response.send_modal(Form())
        elif interaction.type is discord.InteractionType.modal_submit:
            values = {
                c["custom_id"]: c["value"] for row in data["components"] for c in row["components"]
            }
            lengths = ", ".join(f"{k}:{len(v)}" for k, v in sorted(values.items()))
            await interaction.response.send_message(lengths, ephemeral=True)


@pytest_asyncio.fixture
async def button_bot(fake: FakeDiscord) -> AsyncIterator[ButtonBot]:
    client = ButtonBot(fake)
    async with running_client(client, fake):
        await client.tree.sync()
        yield client


async def menu_message(fake: FakeDiscord) -> dict[str, Any]:
    interaction = await fake.send_interaction("menu")
    await interaction.first_response()
    assert interaction.original is not None
    return interaction.original


@pytest.mark.asyncio
async def test_a_click_reaches_the_bot_with_its_message_and_an_update_edits_that_message(
    button_bot: ButtonBot, fake: FakeDiscord
) -> None:
    message = await menu_message(fake)
    [row] = message["components"]
    assert [b["custom_id"] for b in row["components"]] == ["done", "slow", "form"]

    click = await fake.click(message, "done")
    response = await click.first_response()

    assert (response.type, response.accepted) == (7, True)
    [pressed] = button_bot.pressed
    assert pressed.message is not None
    assert pressed.message.id == int(message["id"])
    assert pressed.user.id == fake.member.id
    [current] = fake.messages_in(fake.channel)
    assert (current["id"], current["content"], current["components"]) == (
        message["id"],
        "done!",
        [],
    )
    assert fake.edits == [current]
    with pytest.raises(LookupError):
        await fake.click(current, "done")  # the button is gone
    assert fake.schema_errors == []


@pytest.mark.asyncio
async def test_a_deferred_update_then_an_edit_of_original_changes_the_pressed_message(
    button_bot: ButtonBot, fake: FakeDiscord
) -> None:
    message = await menu_message(fake)

    click = await fake.click(message, "slow")
    followup = await click.followup()

    assert [c.type for c in click.callbacks] == [6]
    assert followup["flags"] & 64
    assert followup["content"] == "only you see this"
    assert followup["interaction_metadata"]["interacted_message_id"] == message["id"]
    [edited, _] = fake.messages_in(fake.channel)
    assert (edited["id"], edited["content"], edited["components"]) == (
        message["id"],
        "slowly done",
        [],
    )
    assert fake.schema_errors == []


@pytest.mark.asyncio
async def test_a_modal_opens_and_its_submission_carries_the_typed_values(
    button_bot: ButtonBot, fake: FakeDiscord
) -> None:
    click = await fake.click(await menu_message(fake), "form")
    assert (await click.first_response()).type == 9
    assert click.modal is not None
    assert click.modal["title"] == "Log an email"

    with pytest.raises(ValueError, match="required"):
        await fake.submit_modal(click, {"note": "no contact"})
    with pytest.raises(ValueError, match="0-20"):
        await fake.submit_modal(click, {"contact": "x" * 21})
    submitted = await fake.submit_modal(click, {"contact": "Jane Doe"})
    reply = await submitted.first_response()

    assert submitted.kind == 5
    assert reply.ephemeral
    assert reply.content == "contact:8, note:0"
    forged = await fake.submit_modal(click, {"contact": "x" * 10_000}, enforce_limits=False)
    assert (await forged.first_response()).content == "contact:10000, note:0"
    assert fake.schema_errors == []


@pytest.mark.asyncio
async def test_autocomplete_is_registered_asked_and_answered_with_choices(
    button_bot: ButtonBot, fake: FakeDiscord
) -> None:
    [find] = [c for c in fake.commands_for() if c["name"] == "find"]
    assert find["options"][0]["autocomplete"] is True

    asked = await fake.autocomplete("find", {"contact": "jan"}, "contact")
    response = await asked.first_response()

    assert (response.type, response.accepted, asked.kind) == (8, True, 4)
    assert asked.choices == [
        {"name": "Jane Doe", "value": "Jane Doe"},
        {"name": "Janet Ng", "value": "Janet Ng"},
    ]
    with pytest.raises(PermissionError):
        await fake.autocomplete("cohort join", {"name": "Sp"}, "name")
    assert fake.schema_errors == []


@pytest.mark.asyncio
async def test_callback_types_are_refused_where_discord_refuses_them(
    button_bot: ButtonBot, fake: FakeDiscord
) -> None:
    channel = button_bot.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("orphan", view=buttons("done"))

    # A deferred update answers a component, never a slash command.
    interaction = await fake.send_interaction("ping")
    await interaction.first_response()
    route = f"/interactions/{interaction.id}/{interaction.token}/callback"
    async with aiohttp.ClientSession() as session:
        interaction.callbacks.clear()
        async with session.post(fake.api_base + route, json={"type": 6}) as answer:
            assert answer.status == 400
    click = await fake.click(fake.messages_in(fake.channel)[0], "done")
    assert (await click.first_response()).type == 7
    assert fake.messages_in(fake.channel)[0]["id"] == str(sent.id)


@pytest.mark.asyncio
async def test_only_who_can_see_a_message_can_click_it_unless_forged(
    bot: Bot, fake: FakeDiscord
) -> None:
    alice = await bot.fetch_user(fake.member.id)
    await alice.send("reminder", view=buttons("done"))
    [dm] = fake.dms_to(fake.member)
    with pytest.raises(PermissionError):
        await fake.click(dm, "done", user=fake.owner)
    with pytest.raises(LookupError):
        await fake.click(dm, "nope")
    forged = await fake.click(dm, "done", user=fake.owner, check_visibility=False)
    assert forged.payload["user"]["id"] == str(fake.owner.id)
    assert forged.payload["message"]["id"] == dm["id"]
    assert "guild_id" not in forged.payload


@pytest.mark.asyncio
async def test_buttons_discord_would_refuse_are_rule_errors(bot: Bot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    view = Unstored(timeout=None)
    view.add_item(discord.ui.Button(label="A", custom_id="same"))
    view.add_item(discord.ui.Button(label="B", custom_id="same"))
    await channel.send("twice", view=view)
    [problem] = fake.schema_errors
    assert problem.source == "discord-rules"
    assert "DUPLICATED" in problem.message
