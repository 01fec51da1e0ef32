"""Every command through the console adapter, the full stack on a real SQLite file."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from bot.charts.series import HEIGHT, WIDTH
from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import Settings
from tests.conftest import ON_BOTH_BACKENDS, Console

pytestmark = ON_BOTH_BACKENDS


async def test_sent_with_a_contact_starts_its_clock_and_counts_towards_the_week(
    console: Console,
) -> None:
    out = await console.run('/sent Jane Doe org:"Acme Labs" note:"alum, met at a conference"')
    assert "Logged an outreach email to Jane Doe (Acme Labs)" in out
    assert "1 of 3 this week" in out
    assert "Tue 1 Dec" in out  # 3 business days after Thursday 26 Nov


async def test_sent_with_a_count_logs_unnamed_emails_and_celebrates_the_goal(
    console: Console,
) -> None:
    assert "Logged 2 outreach emails. That's 2 of 3" in await console.run("/sent count:2")
    assert "weekly goal met" in await console.run("/sent")
    assert "past your goal" in await console.run("/sent")


async def test_followup_reply_interview_and_thanks_walk_a_contact_through_its_stages(
    console: Console,
) -> None:
    await console.run("/sent Jane Doe org:Acme")
    assert "follow-up to Jane Doe (Acme)" in await console.run("/followup jane doe")
    assert "Jane Doe replied" in await console.run("/reply Jane Doe")
    assert "scheduled" in await console.run("/interview Jane Doe status:scheduled")
    assert "[interview scheduled]" in await console.run("/contacts")
    assert "Interview with Jane Doe (Acme) logged" in await console.run("/interview Jane Doe")
    assert "Thank-you to Jane Doe logged" in await console.run("/thanks Jane Doe")
    assert "[thanked]" in await console.run("/contacts")


async def test_a_command_that_names_an_unknown_contact_warns_it_is_new(console: Console) -> None:
    out = await console.run("/reply Jnae")
    assert "new contact" in out
    assert "/undo" in out


async def test_undo_removes_the_most_recent_action_only(console: Console) -> None:
    await console.run("/sent Jane Doe")
    await console.run("/sent count:2")
    out = await console.run("/undo")
    assert "Undone: 2 outreach emails" in out
    assert "Emails: 1 of 3" in await console.run("/progress")
    assert "Undone: outreach email, Jane Doe" in await console.run("/undo")
    assert "nothing to undo" in await console.run("/undo")


async def test_goal_shows_and_sets_targets(console: Console) -> None:
    assert "3 emails a week (the cohort's default)" in await console.run("/goal")
    out = await console.run("/goal emails:5 interviews:2")
    assert "5 emails a week, 2 interviews a month" in out
    assert "Emails: 0 of 5" in await console.run("/progress")
    assert "no interview goal" in await console.run("/goal interviews:0")
    assert "6 emails" in await console.run("/goal 6")


async def test_progress_shows_the_week_the_streak_and_follow_ups_due(
    console: Console, clock: ManualClock
) -> None:
    clock.set(clock.now() - timedelta(weeks=1))
    await console.run("/sent count:3")
    clock.set(clock.now() + timedelta(weeks=1))
    await console.run("/sent Jane Doe org:Acme")
    await console.run("/sent count:2")
    out = await console.run("/progress")
    assert "Your week from Mon 23 Nov" in out
    assert "Emails: 3 of 3" in out
    assert "2 weeks in a row" in out
    assert "Nothing due" in out
    clock.advance(timedelta(days=5))
    out = await console.run("/progress")
    assert "Jane Doe (Acme): no reply yet: write to someone else at Acme" in out


async def test_contacts_are_private_and_filterable(console: Console, clock: ManualClock) -> None:
    await console.run("/sent Jane Doe org:Acme")
    await console.run("/sent Raj org:Globex")
    await console.run("/reply Raj")
    clock.advance(timedelta(days=12))
    out = await console.run("/contacts")
    assert "only you can see this" in out
    assert out.index("Jane Doe") < out.index("Raj")  # due first
    due = await console.run("/contacts due")
    assert "Jane Doe" in due
    assert "Raj" not in due
    assert "Raj" in await console.run("/contacts status:replied")
    assert "No contacts are `no_reply`" in await console.run("/contacts no_reply")
    assert "No contacts yet" in await console.run("/contacts", as_name="Sam")


async def test_leaderboard_ranks_ties_together_and_hides_zeros_and_opt_outs(
    console: Console,
) -> None:
    for name, interviews in (("Alex", 2), ("Sam", 2), ("Kim", 1), ("Lee", 0), ("Quiet", 3)):
        for n in range(interviews):
            await console.run(f"/interview Contact {n}", as_name=name)
        await console.run("/sent", as_name=name)
    await console.run("/settings leaderboard:no", as_name="Quiet")
    out = await console.run("/leaderboard", as_name="Kim")
    assert "1. Alex: 2 interviews\n" in out
    assert "1. Sam: 2 interviews\n" in out
    assert "3. Kim: 1 interview ← you\n" in out
    assert out.count("← you") == 1
    assert "Lee" not in out
    assert "Quiet" not in out
    assert "and 1 other" in out
    emails = await console.run("/leaderboard metric:emails period:all", as_name="Kim")
    assert "1. Alex: 1 email" in emails
    assert "Lee: 1 email" in emails
    assert "counted but not named" in await console.run("/leaderboard", as_name="Quiet")


async def test_leaderboard_share_posts_in_the_channel(console: Console) -> None:
    await console.run("/interview Jane")
    out = await console.run("/leaderboard share:yes")
    assert out.startswith("[posted in #console]")
    assert "1. Alex: 1 interview" in out
    assert "← you" not in out
    assert "1. Alex: 1 interview ← you" in await console.run("/leaderboard")


async def test_week_leaderboard_resets_at_the_cohorts_week_start(
    console: Console, clock: ManualClock
) -> None:
    await console.run("/interview Jane")
    clock.advance(timedelta(days=4))  # Monday 30 Nov
    assert "No interviews logged this week" in await console.run("/leaderboard")
    assert "1. Alex: 1 interview" in await console.run("/leaderboard month")
    clock.advance(timedelta(days=2))  # December
    assert "No interviews logged December" not in await console.run("/leaderboard all")
    assert "1. Alex" in await console.run("/leaderboard all")
    assert "No interviews logged December yet" in await console.run("/leaderboard month")


async def test_sharing_an_interview_celebrates_without_naming_the_contact(
    console: Console,
) -> None:
    out = await console.run("/interview Jane Secret share:yes")
    assert out.startswith("[posted in #console]")
    assert "Alex just had an informational interview" in out
    assert "Jane" not in out


async def test_pause_and_resume(console: Console) -> None:
    assert "/pause until:" in await console.run("/pause")
    out = await console.run("/pause until:2026-12-31")
    assert "Paused until Thu 31 Dec" in out
    assert "Paused until Thu 31 Dec" in await console.run("/progress")
    assert "paused until Thu 31 Dec" in await console.run("/pause")
    assert "Welcome back" in await console.run("/pause off")
    assert "weren't paused" in await console.run("/pause until:off")


async def test_settings_show_and_change_opt_ins_and_time_zone(console: Console) -> None:
    out = await console.run("/settings")
    assert "Named in check-ins:\n  no" in out
    assert "America/New_York (the cohort's)" in out
    out = await console.run("/settings mentions:yes timezone:europe/berlin")
    assert "Named in check-ins:\n  yes" in out
    assert "Time zone:\n  Europe/Berlin" in out
    assert "America/New_York (the cohort's)" in await console.run("/settings timezone:default")


async def test_mydata_export_writes_everything_about_the_member(
    console: Console, tmp_path: Path
) -> None:
    await console.run('/sent Jane Doe org:Acme note:"met at ICML"')
    await console.run("/sent count:2")
    await console.run("/undo")
    await console.run("/sent Someone", as_name="Sam")
    out = await console.run("/mydata export", as_name="Alex")
    path = Path(out.rsplit("(saved to ", 1)[1].rstrip(")"))
    assert path.parent == tmp_path
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["member"]["display_name"] == "Alex"
    assert document["contacts"] == [
        {
            "name": "Jane Doe",
            "organization": "Acme",
            "added_at": "2026-11-26T15:00:00+00:00",
            "referred_by": None,
        }
    ]
    assert [(a["kind"], a["count"], a["undone_at"] is not None) for a in document["actions"]] == [
        ("email_sent", 1, False),
        ("email_sent", 2, True),
    ]
    assert document["actions"][0]["note"] == "met at ICML"
    assert document["reminders"] == []
    assert "Someone" not in path.read_text(encoding="utf-8")


async def test_mydata_forget_asks_first_then_erases_everything(console: Console) -> None:
    await console.run("/sent Jane Doe org:Acme")
    await console.run("/interview Jane Doe")
    before = console.snapshot()
    assert "confirm:yes" in await console.run("/mydata forget")
    assert console.snapshot() == before
    assert "erased" in await console.run("/mydata forget confirm:yes")
    assert "Jane Doe" not in "\n".join(console.snapshot())
    for table in ("members", "contacts", "actions", "organizers", "member_totals", "pauses"):
        assert console.count(table) == 0, table
    assert "No contacts yet" in await console.run("/contacts")


async def test_organizer_commands(console: Console) -> None:
    out = await console.run(
        '/cohort setup name:"PhD careers" timezone:America/Toronto week_start:sunday'
    )
    assert "PhD careers" in out
    assert "America/Toronto" in out
    assert "Sunday" in out
    assert "4 emails a week" in await console.run("/cohort goal emails:4")
    assert "Emails: 0 of 4" in await console.run("/progress")
    await console.run("/sent count:2", as_name="Sam")
    await console.run("/sent count:4", as_name="Kim")
    stats = await console.run("/cohort stats", as_name="Alex")
    assert "3 members; how many logged is not shown in a cohort of fewer than 5." in stats
    assert "outreach emails: 6" in stats
    assert "kickoff Monday 09:00, no midweek check-in" in await console.run("/cohort schedule")


def saved(out: str, label: str = "saved to") -> Path:
    return Path(out.rsplit(f"({label} ", 1)[1].split(")", 1)[0])


async def test_cohort_export_is_csv_without_contact_names(console: Console) -> None:
    await console.run("/sent Secret Person org:Acme")
    await console.run("/sent count:3", as_name="Sam")
    out = await console.run("/cohort export", as_name="Alex")
    lines = saved(out).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("week_start,member,email_sent,follow_up_sent")
    assert lines[1:] == [
        "2026-11-23,all members,4,0,0,0,0,0,0,0,,fewer than 5",
        "2026-11-23,Alex,1,0,0,0,0,0,0,0,3,no",
        "2026-11-23,Sam,3,0,0,0,0,0,0,0,3,yes",
    ]
    assert "Secret" not in saved(out).read_text(encoding="utf-8")


async def test_cohort_export_never_labels_a_hidden_member_and_withholds_names_that_would_tell(
    console: Console,
) -> None:
    await console.run("/sent count:1")
    await console.run("/sent count:3", as_name="Sam")
    await console.run("/settings leaderboard:no", as_name="Sam")
    out = await console.run("/cohort export", as_name="Alex")
    text = saved(out).read_text(encoding="utf-8")
    assert text.splitlines()[1:] == ["2026-11-23,all members,4,0,0,0,0,0,0,0,,fewer than 5"]
    assert "Sam" not in text
    assert "member-" not in text


async def test_organizers_can_be_added_and_removed_and_others_are_refused(
    console: Console,
) -> None:
    refused = await console.run("/cohort stats", as_name="Sam")
    assert "for the cohort's organizers" in refused
    assert "Sam is now an organizer" in await console.run(
        "/cohort organizers add:Sam", as_name="Alex"
    )
    assert "Organizers of Local cohort: Alex, Sam" in await console.run(
        "/cohort organizers", as_name="Sam"
    )
    assert "no longer an organizer" in await console.run("/cohort organizers remove:@sam")
    assert "for the cohort's organizers" in await console.run("/cohort goal", as_name="Sam")


async def test_help_lists_commands_and_explains_one(console: Console) -> None:
    overview = await console.run("/help")
    for name in ("sent", "followup", "reply", "interview", "thanks", "undo", "goal", "progress"):
        assert f"`/{name}" in overview
    assert "For organizers" in overview
    assert "For organizers" not in await console.run("/help", as_name="Sam")
    detail = await console.run("/help sent")
    assert "`count` (1-20)" in detail
    assert "Subcommands" in await console.run("/help cohort")
    assert "no `/nope` command" in await console.run("/help nope")


async def test_as_switches_member_and_quit_ends_the_session(console: Console) -> None:
    assert await console.run("/as Sam") == "You are now Sam."
    await console.run("/sent")
    assert "Emails: 1 of 3" in await console.run("/progress")
    assert "Emails: 0 of 3" in await console.run("/progress", as_name="Alex")
    assert await console.session.run_line("/quit") is None
    assert await console.session.run_line("") == ""
    assert await console.session.run_line("# a comment in a script") == ""


async def test_commands_work_without_the_leading_slash(console: Console) -> None:
    assert "Logged 2 outreach emails" in await console.run("sent count:2")


async def test_leaving_and_reopening_keeps_everything(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    from adapters.console import ConsoleSession

    async with open_runtime(settings, clock) as runtime:
        session = ConsoleSession(runtime.port, "Alex", export_dir=tmp_path)
        await session.start()
        await session.run_line("/sent Jane Doe org:Acme")
        await session.run_line("/goal emails:5")
    async with open_runtime(settings, clock) as runtime:
        session = ConsoleSession(runtime.port, "Alex", export_dir=tmp_path)
        await session.start()
        assert "Emails: 1 of 5" in (await session.run_line("/progress") or "")
        assert "Jane Doe (Acme)" in (await session.run_line("/contacts") or "")
        assert "Organizers of Local cohort: Alex" in (
            await session.run_line("/cohort organizers") or ""
        )


async def test_cohort_schedule_shows_the_next_three_send_times(console: Console) -> None:
    out = await console.run(
        "/cohort schedule kickoff_day:friday kickoff_time:9am checkin_day:tuesday "
        "checkin_time:15:30 grace:3"
    )
    assert "Schedule saved: kickoff Friday 09:00, check-in Tuesday 15:30" in out
    assert "catch-up window 3 h" in out
    assert "• Fri 27 Nov 09:00 kickoff\n• Tue 1 Dec 15:30 checkin\n• Fri 4 Dec 09:00 kickoff" in out
    assert "no midweek check-in" in await console.run("/cohort schedule checkin_day:off")
    refused = await console.run("/cohort schedule kickoff_time:25:00")
    assert "a time like `09:00`" in refused


async def test_cohort_preview_shows_the_next_nudge_privately(console: Console) -> None:
    out = await console.run("/cohort preview")
    assert out.startswith("== Preview, goes out Mon 30 Nov 09:00: ☀️ New week, Local cohort! ==")
    assert "[posted" not in out


async def test_nudge_now_posts_once_and_then_says_it_was_handled(console: Console) -> None:
    from adapters.console import ConsoleNotifier

    assert "not connected" in await console.run("/cohort nudge-now")
    printed: list[str] = []
    console.session.port.connect(ConsoleNotifier(printed.append, console.session.shelf))
    assert "Posted this week's kickoff" in await console.run("/cohort nudge-now")
    assert len(printed) == 1
    assert printed[0].startswith("[posted in #console]\n== ☀️ New week, Local cohort! ==")
    again = await console.run("/cohort nudge-now")
    assert "already handled (sent" in again
    assert len(printed) == 1


async def test_the_console_catches_up_a_kickoff_missed_while_it_was_closed(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    from adapters.console import ConsoleSession, serve_console

    async with open_runtime(settings, clock) as runtime:
        await ConsoleSession(runtime.port, "Alex", export_dir=tmp_path).start()
    clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # Monday 11:00: kickoff was at 09:00
    outputs = []
    for _ in range(2):
        out = io.StringIO()
        async with open_runtime(settings, clock) as runtime:
            await serve_console(
                runtime.port,
                "Alex",
                None,
                stdin=io.StringIO(""),
                stdout=out,
                files_dir=tmp_path,
            )
        outputs.append(out.getvalue())
    assert outputs[0].count("New week, Local cohort!") == 1
    assert "New week" not in outputs[1]


def opened_png(path: Path) -> tuple[int, int]:
    with Image.open(path) as picture:
        assert picture.format == "PNG"
        return picture.size


async def test_a_kickoff_in_the_console_saves_its_chart_and_says_what_it_shows(
    console: Console, tmp_path: Path
) -> None:
    from adapters.console import ConsoleNotifier

    await console.run("/sent count:2")
    printed: list[str] = []
    console.session.port.connect(ConsoleNotifier(printed.append, console.session.shelf))
    await console.run("/cohort nudge-now")
    [kickoff] = printed
    path = saved(kickoff, "chart saved to")
    assert path.parent == tmp_path
    assert path.name == "kickoff-2026-11-23.png"
    assert opened_png(path) == (WIDTH, HEIGHT)
    assert "\nChart: Bar chart for Local cohort: emails and informational interviews" in kickoff


async def test_progress_with_a_chart_saves_the_members_own_weeks(console: Console) -> None:
    await console.run("/sent count:2")
    out = await console.run("/progress chart:yes")
    assert "Emails: 2 of 3, 1 to go" in out
    assert "Your funnel (all time):\n  Outreach emails: 2" in out
    assert opened_png(saved(out, "chart saved to")) == (WIDTH, HEIGHT)
    assert "Chart: Bar chart for Your last 8 weeks" in out
    assert "chart saved" not in await console.run("/progress")


async def test_cohort_report_gives_numbers_a_csv_and_a_chart(console: Console) -> None:
    await console.run("/sent count:3")
    await console.run("/reply Jane Doe")
    out = await console.run("/cohort report from:2026-11-01")
    assert "== 📋 Local cohort: Mon 26 Oct 2026 to Sun 29 Nov 2026 ==" in out
    assert "5 whole weeks (America/New_York)" in out
    csv_path = saved(out)
    assert csv_path.name == "reachout-report-1-2026-10-26-2026-11-29.csv"
    assert csv_path.read_text(encoding="utf-8").startswith("scope,week_start,member,")
    assert opened_png(saved(out, "chart saved to")) == (WIDTH, HEIGHT)
