"""Slash commands through the real slack-bolt app, in Socket Mode and HTTP mode."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from datetime import UTC, datetime

import pytest
from PIL import Image

from bot.charts.series import HEIGHT, WIDTH
from bot.clock import ManualClock
from tests.adapters.conftest import SIGNING_SECRET, SlackBot, shown
from tests.fakes.slack import COHORT_CHANNEL_ID, MEMBER_ID, ORGANIZER_ID
from tests.fakes.slack_blocks import validate_blocks

ACK_DEADLINE = 3.0

# (command, text as Slack sends it, who runs it, what the answer says)
EVERY_COMMAND = [
    ("/sent", "Jane Doe org:Acme", MEMBER_ID, "Logged an outreach email to Jane Doe (Acme)"),
    ("/followup", "Jane Doe", MEMBER_ID, "Logged a follow-up to Jane Doe (Acme)"),
    ("/reply", "Jane Doe", MEMBER_ID, "Jane Doe replied!"),
    ("/interview", "Jane Doe status:scheduled", MEMBER_ID, "Interview with Jane Doe (Acme) sch"),
    ("/interview", "Jane Doe", MEMBER_ID, "Interview with Jane Doe (Acme) logged"),
    ("/thanks", "Jane Doe", MEMBER_ID, "Thank-you to Jane Doe logged"),
    ("/undo", "", MEMBER_ID, "Undone: thank-you note, Jane Doe (Acme)"),
    ("/goal", "emails:4", MEMBER_ID, "Goals set: 4 emails a week"),
    ("/progress", "", MEMBER_ID, "Your week from Mon 23 Nov"),
    ("/contacts", "", MEMBER_ID, "Jane Doe (Acme) [interviewed]"),
    ("/leaderboard", "", MEMBER_ID, "1. ada: 1 interview"),
    ("/pause", "until:2026-12-31", MEMBER_ID, "Paused until Thu 31 Dec"),
    ("/settings", "mentions:yes", MEMBER_ID, "*Named in check-ins*\nyes"),
    ("/help", "sent", MEMBER_ID, "/sent [contact] [org:text]"),
    ("/mydata", "forget", MEMBER_ID, "permanently erases everything"),
    ("/cohort", 'setup name:"PhD careers"', ORGANIZER_ID, "Cohort “PhD careers” set up"),
    ("/cohort", "schedule", ORGANIZER_ID, "Schedule: kickoff Monday 09:00"),
    ("/cohort", "goal emails:5", ORGANIZER_ID, "Cohort defaults set: 5 emails a week"),
    ("/cohort", "preview", ORGANIZER_ID, "*Preview, goes out Mon 30 Nov 09:00"),
    ("/cohort", "organizers", ORGANIZER_ID, "Organizers of PhD careers: Grace"),
]
SLOW_COMMANDS = [
    ("/cohort", "stats", ORGANIZER_ID, "This week (from Mon 23 Nov)"),
    ("/cohort", "nudge-now", ORGANIZER_ID, "Posted this week's kickoff."),
    ("/mydata", "export", MEMBER_ID, "Here is everything reachout stores about you"),
    ("/cohort", "export", ORGANIZER_ID, "Weekly counts as CSV"),
]


async def test_every_command_is_answered_privately_on_its_ack(slack_bot: SlackBot) -> None:
    for command, text, user_id, expected in EVERY_COMMAND:
        ack = await slack_bot.command(command, text, user_id=user_id)

        assert ack.elapsed < ACK_DEADLINE, command
        assert ack.ephemeral, (command, ack.payload)
        assert expected in ack.shown, (command, text, ack.shown)
        assert validate_blocks(ack.payload["blocks"]) == [] if ack.payload else False
    await slack_bot.settled()
    assert slack_bot.fake.response_posts == []
    posts = slack_bot.fake.calls.named("chat.postMessage")
    assert [c.params["channel"][0] for c in posts] == ["D"]  # /cohort preview's buttons, by DM


async def test_slow_commands_ack_at_once_and_answer_through_the_response_url(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("/cohort", "setup", user_id=ORGANIZER_ID)
    for count, (command, text, user_id, expected) in enumerate(SLOW_COMMANDS, start=1):
        ack = await slack_bot.command(command, text, user_id=user_id)

        assert ack.elapsed < ACK_DEADLINE
        assert ack.text == "Working on it…"
        assert ack.ephemeral
        post = await slack_bot.fake.wait_for_response_post(count=count)
        assert post.accepted
        assert post.body["response_type"] == "ephemeral"
        assert expected in shown(post.body)
    kickoff, buttons = slack_bot.fake.messages[COHORT_CHANNEL_ID]  # /cohort nudge-now
    assert buttons["text"] == "Log an email"  # the file's comment cannot carry buttons
    [chart] = kickoff["files"]
    assert chart["mimetype"] == "image/png"


async def test_a_report_arrives_in_the_organizers_dm_as_one_message_with_csv_and_chart(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("/cohort", "setup", user_id=ORGANIZER_ID)
    await slack_bot.command("/sent", "count:3")

    await slack_bot.command("/cohort", "report from:2026-11-02", user_id=ORGANIZER_ID)
    post = await slack_bot.fake.wait_for_response_post()
    await slack_bot.settled()

    assert "4 whole weeks" in shown(post.body)
    assert "as a direct message" in shown(post.body)
    table, chart = slack_bot.fake.files.values()
    assert table["name"] == "reachout-report-1-2026-11-02-2026-11-29.csv"
    assert table["content"].startswith(b"scope,week_start,member,")
    assert chart["mimetype"] == "image/png"
    assert chart["alt_txt"].startswith("Bar chart for Reachout Test Cohort")
    with Image.open(io.BytesIO(chart["content"])) as picture:
        assert picture.size == (WIDTH, HEIGHT)
    [dm] = chart["channels"]
    [message] = slack_bot.fake.messages[dm]
    assert [f["name"] for f in message["files"]] == [table["name"], chart["name"]]
    assert message["text"].startswith("*📋 Reachout Test Cohort: Mon 2 Nov 2026 to Sun 29 Nov")


async def test_an_export_arrives_as_a_file_in_the_members_dm(slack_bot: SlackBot) -> None:
    await slack_bot.command("/sent", "Jane Doe org:Acme")

    await slack_bot.command("/mydata", "export")
    post = await slack_bot.fake.wait_for_response_post()
    await slack_bot.settled()

    assert "as a direct message" in shown(post.body)
    [upload] = slack_bot.fake.files.values()
    exported = json.loads(upload["content"])
    assert exported["contacts"][0]["name"] == "Jane Doe"
    [dm] = upload["channels"]
    assert dm.startswith("D")
    assert slack_bot.fake.messages[dm][0]["files"][0]["name"].startswith("reachout-export-")


async def test_a_shared_leaderboard_is_posted_with_blocks_and_a_fallback(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("/sent", "count:2")

    ack = await slack_bot.command("/leaderboard", "metric:emails share:yes")
    await slack_bot.settled()

    assert ack.payload is None  # nothing private: the answer is the channel post
    [post] = slack_bot.fake.messages[COHORT_CHANNEL_ID]
    assert post["text"].startswith("🏆 Reachout Test Cohort: emails this week")
    assert "1. ada: 2 emails" in shown(post)
    assert validate_blocks(post["blocks"]) == []
    call = slack_bot.fake.calls.last("chat.postMessage")
    assert call.params["link_names"] in (False, "0", "false", 0)


async def test_a_public_post_the_bot_cannot_make_comes_back_privately(
    slack_bot: SlackBot,
) -> None:
    slack_bot.fake.add_channel("C0NOBOT001", "quiet", bot_is_member=False)
    await slack_bot.command("/sent", "Jane Doe", channel_id="C0NOBOT001")

    await slack_bot.command("/interview", "Jane Doe share:yes", channel_id="C0NOBOT001")
    post = await slack_bot.fake.wait_for_response_post()

    text = shown(post.body)
    assert "I couldn't post this in the channel (Slack said `not_in_channel`)" in text
    assert "`/invite @reachout`" in text
    assert "ada just had an informational interview" in text
    assert post.body["response_type"] == "ephemeral"
    assert slack_bot.count("actions") == 2  # the interview is logged all the same


async def test_text_typed_by_members_never_becomes_a_mention(slack_bot: SlackBot) -> None:
    slack_bot.fake.add_user("U0MISCHIEF", name="mallory", display_name="<!channel> & <!here>")
    # Slack escapes what was typed literally and turns typed mentions into markup.
    ack = await slack_bot.command(
        "/sent", "&lt;!everyone&gt; org:<!subteam^S0TEAM|@devs>", user_id="U0MISCHIEF"
    )
    await slack_bot.command("/leaderboard", "metric:emails share:yes", user_id="U0MISCHIEF")
    await slack_bot.settled()

    assert "to &lt;!everyone&gt; (@devs)" in ack.shown
    [post] = slack_bot.fake.messages[COHORT_CHANNEL_ID]
    everything = json.dumps(post)
    assert "&lt;!channel&gt; &amp; &lt;!here&gt;: 1 email" in shown(post)
    for forbidden in ("<!channel>", "<!here>", "<!everyone>", "<!subteam", "<@"):
        assert forbidden not in everything
        assert forbidden not in json.dumps(ack.payload)
    assert all(block["text"]["verbatim"] for block in post["blocks"])


async def test_bad_input_is_explained_privately_and_changes_nothing(slack_bot: SlackBot) -> None:
    await slack_bot.command("/progress")
    before = slack_bot.snapshot()

    ack = await slack_bot.command("/sent", "count:abc")
    unknown = await slack_bot.command("/nudge", "now")

    assert "`count` should be a whole number from 1 to 20" in ack.shown
    assert ack.ephemeral
    assert "I don't know the command `/nudge`" in unknown.shown
    assert slack_bot.snapshot() == before


async def test_workspace_admins_organize_and_can_add_organizers_by_mention(
    slack_bot: SlackBot,
) -> None:
    refused = await slack_bot.command("/cohort", "goal emails:4")
    # Slack sends a mention as <@ID> (the name part is optional); the adapter finds the name.
    added = await slack_bot.command(
        "/cohort", f"organizers add:<@{MEMBER_ID}>", user_id=ORGANIZER_ID
    )
    allowed = await slack_bot.command("/cohort", "goal emails:4")

    assert "`/cohort goal` is for the cohort's organizers" in refused.shown
    assert "ada is now an organizer" in added.shown
    assert "Cohort defaults set: 4 emails a week" in allowed.shown


async def test_a_members_time_zone_comes_from_slack_unless_they_set_one(
    slack_bot: SlackBot,
) -> None:
    from_profile = await slack_bot.command("/settings")
    own = await slack_bot.command("/settings", "timezone:asia/tokyo")
    back = await slack_bot.command("/settings", "timezone:default")

    assert "*Time zone*\nEurope/London (from your profile)" in from_profile.shown
    assert "*Time zone*\nAsia/Tokyo" in own.shown
    assert "*Time zone*\nEurope/London (from your profile)" in back.shown
    [lookup, *_] = slack_bot.fake.calls.named("users.info")
    assert len(slack_bot.fake.calls.named("users.info")) == 1  # cached between commands
    assert lookup.params["user"] == MEMBER_ID


async def test_two_workspaces_keep_their_data_apart(slack_bot: SlackBot) -> None:
    other = slack_bot.fake.add_team(
        "T0OTHERWS1", name="Other", domain="other-school", bot_token="xoxb-other-token"
    )
    slack_bot.fake.add_user("U0OTHER001", team_id=other.id, name="lin")
    slack_bot.fake.add_channel("C0OTHER001", "careers", team_id=other.id)

    await slack_bot.command("/sent", "Jane Doe org:Acme")
    theirs = await slack_bot.command(
        "/sent", "count:2", user_id="U0OTHER001", channel_id="C0OTHER001", team_id=other.id
    )
    mine = await slack_bot.command("/progress")
    their_progress = await slack_bot.command(
        "/progress", user_id="U0OTHER001", channel_id="C0OTHER001", team_id=other.id
    )
    their_contacts = await slack_bot.command(
        "/contacts", user_id="U0OTHER001", channel_id="C0OTHER001", team_id=other.id
    )

    assert "Logged 2 outreach emails" in theirs.shown
    assert "Emails: 1 of 3" in mine.shown
    assert "Emails: 2 of 3" in their_progress.shown
    assert "No contacts yet" in their_contacts.shown
    conn = sqlite3.connect(slack_bot.runtime.settings.database)
    try:
        workspaces = conn.execute("SELECT external_id, name FROM workspaces ORDER BY id").fetchall()
    finally:
        conn.close()
    assert workspaces == [("T0REACHOUT", "Reachout Test Cohort"), ("T0OTHERWS1", "other-school")]


async def test_a_failure_inside_a_command_gets_a_short_private_apology_and_is_logged(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    await slack_bot.command("/progress")
    conn = sqlite3.connect(slack_bot.runtime.settings.database)
    try:
        conn.execute("ALTER TABLE actions RENAME TO actions_gone")
        conn.commit()
    finally:
        conn.close()

    with caplog.at_level(logging.ERROR):
        ack = await slack_bot.command("/sent", 'Jane Doe note:"secret note"')

    assert ack.ephemeral
    assert ack.text.startswith("Sorry, something went wrong on my side")
    assert "Traceback" not in json.dumps(ack.payload)
    [record] = [r for r in caplog.records if r.exc_info]
    assert "command /sent failed (platform=slack workspace=T0REACHOUT" in record.getMessage()
    assert "secret note" not in caplog.text


@pytest.mark.parametrize("ack_budget", [0.0])
async def test_a_command_that_overruns_the_ack_budget_is_acked_then_answered(
    slack_bot: SlackBot,
) -> None:
    ack = await slack_bot.command("/sent", "Jane Doe")
    post = await slack_bot.fake.wait_for_response_post()

    assert ack.text == "Working on it…"
    assert "Logged an outreach email to Jane Doe" in shown(post.body)
    assert post.body["response_type"] == "ephemeral"


async def test_a_rate_limited_channel_post_is_waited_out_and_lands_once(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("/sent", "count:1")
    slack_bot.fake.rate_limit_next("chat.postMessage", retry_after=1)

    ack = await slack_bot.command("/leaderboard", "metric:emails share:yes")
    await slack_bot.settled()

    limited, retried = slack_bot.fake.calls.named("chat.postMessage")
    assert ack.elapsed < ACK_DEADLINE
    assert limited.status == 429
    assert retried.at - limited.at >= 1.0
    assert len(slack_bot.fake.messages[COHORT_CHANNEL_ID]) == 1
    assert slack_bot.fake.response_posts == []


async def test_scheduled_kickoffs_and_reminders_go_out_through_slack(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    await slack_bot.command("/cohort", "setup", user_id=ORGANIZER_ID)
    await slack_bot.command("/sent", "Jane Doe org:Acme")  # Thursday 26 Nov

    clock.set(datetime(2026, 11, 30, 14, 5, tzinfo=UTC))  # Monday 09:05 in New York
    await slack_bot.runtime.courier.run_due()
    clock.set(datetime(2026, 12, 1, 9, 5, tzinfo=UTC))  # Tuesday 09:05 in ada's London
    await slack_bot.runtime.courier.run_due()

    kickoff, log_button = slack_bot.fake.messages[COHORT_CHANNEL_ID]
    [actions] = log_button["blocks"]
    assert [b["text"]["text"] for b in actions["elements"]] == ["Log an email"]
    assert "*☀️ New week, Reachout Test Cohort!*" in kickoff["text"]
    [chart] = kickoff["files"]
    upload = slack_bot.fake.files[chart["id"]]
    with Image.open(io.BytesIO(upload["content"])) as picture:
        assert picture.format == "PNG"
        assert picture.size == (WIDTH, HEIGHT)
    assert chart["alt_txt"].startswith("Bar chart for Reachout Test Cohort")
    assert "Emails by week:" in chart["alt_txt"]
    uploads = [m for m in slack_bot.fake.calls.methods() if m.startswith("files.")]
    assert uploads == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    [opened] = slack_bot.fake.calls.named("conversations.open")
    assert opened.params["users"] == MEMBER_ID
    dm = slack_bot.fake.calls.last("chat.postMessage").params["channel"]
    [reminder] = slack_bot.fake.messages[dm]
    assert "Jane Doe (Acme)" in shown(reminder)


async def test_no_token_or_secret_reaches_the_log_even_at_debug_level(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await slack_bot.command("/sent", "Jane Doe")
        await slack_bot.event(slack_bot.fake.app_home_opened(MEMBER_ID))
        await slack_bot.settled()

    assert "Logged an outreach email" in caplog.text  # the log did see the traffic
    for secret in (slack_bot.fake.bot_token, slack_bot.fake.app_token, SIGNING_SECRET):
        assert secret not in caplog.text
