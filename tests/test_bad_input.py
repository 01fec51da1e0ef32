"""Bad input gets one clear sentence, no traceback, and changes nothing in the database."""

from __future__ import annotations

import pytest

from bot.replies import Reply, render_text
from tests.conftest import Console

LONG_NOTE = "x" * 10_000

# (what the member types, words the answer must contain)
BAD_LINES = [
    ("/frobnicate", "don't know the command"),
    ("/snet Jane", "Did you mean `/sent`?"),
    ("/followup", "needs the person's name"),
    ("/reply", "needs the person's name"),
    ("/interview", "needs the person's name"),
    ("/thanks", "needs the person's name"),
    ("/undo everything", "takes no arguments"),
    ("/progress please", "`chart` should be `yes` or `no`."),
    ("/sent Jane colour:blue", "has no option `colour`"),
    ("/sent Jane ogr:Acme", "Did you mean `org:`?"),
    ("/sent Jane org:A org:B", "given twice"),
    ("/sent count:0", "from 1 to 20"),
    ("/sent count:-1", "from 1 to 20"),
    ("/sent count:21", "from 1 to 20"),
    ("/sent count:" + str(10**30), "from 1 to 20"),
    ("/sent count:two", "whole number"),
    ("/sent count:2.5", "whole number"),
    ("/sent Jane count:2", "one named contact at a time"),
    ("/sent org:Acme", "Add the person's name"),
    ("/sent jane@example.com", "keep email addresses out"),
    ('/sent note:"unclosed', "quote is not closed"),
    (f'/sent note:"{LONG_NOTE}"', "at most 500 characters"),
    ("/sent " + "J" * 81, "at most 80 characters"),
    ("/sent Jane\x00Doe", "control character"),
    ("/sent note:bell\x07", "control character"),
    ("/sent note:esc\x1b[31m", "control character"),
    ("/goal emails:0", "from 1 to 50"),
    ("/goal emails:many", "whole number"),
    ("/goal interviews:99", "from 0 to 31"),
    ("/interview Jane status:maybe", "`done`, `scheduled`"),
    ("/interview Jane status:scheduled share:yes", "once it's done"),
    ("/leaderboard period:decade", "`week`, `month`, `all`"),
    ("/leaderboard metric:vibes", "`interviews`, `emails`, `actions`"),
    ("/leaderboard share:maybe", "`yes` or `no`"),
    ("/pause until:tomorrow", "a date like `2026-12-31`"),
    ("/pause until:31/12/2026", "a date like `2026-12-31`"),
    ("/pause until:2026-02-30", "not a real date"),
    ("/pause until:2026-13-01", "not a real date"),
    ("/pause until:2020-01-01", "already passed"),
    ("/pause until:2031-01-01", "up to a year"),
    ("/settings timezone:Mars/Olympus", "don't know the time zone"),
    ("/settings mentions:perhaps", "`yes` or `no`"),
    ("/mydata", "needs one of `export`, `forget`"),
    ("/mydata delete", "has no `delete`"),
    ("/mydata forget confirm:sure", "`yes` or `no`"),
    ("/cohort", "needs one of"),
    ("/cohort setup timezone:Nowhere/Land", "don't know the time zone"),
    ("/cohort setup week_start:someday", "`monday`"),
    ("/cohort goal emails:1000", "from 1 to 50"),
    ("/cohort report from:last-term", "a date like `2026-12-31`"),
    ("/cohort report from:01/09/2026", "a date like `2026-12-31`"),
    ("/cohort report to:2026-13-01", "not a real date"),
    ("/cohort report from:2026-11-20 to:2026-11-01", "is after `to`"),
    ("/cohort report to:2031-01-01", "is in the future"),
    ("/cohort report from:1900-01-01", "at most 53 (a year)"),
    ("/cohort report from:2024-01-01 to:2026-11-01", "at most 53 (a year)"),
    ("/progress chart:maybe", "`yes` or `no`"),
    ("/help nonsense", "no `/nonsense` command"),
    ("/contacts status:lost", "`all`, `due`"),
    ("/sent Robert'); DROP TABLE actions;-- count:2", "one named contact"),
    ("/as", "Usage: /as NAME"),
]


@pytest.mark.parametrize(("line", "expected"), BAD_LINES, ids=[b[0][:40] for b in BAD_LINES])
async def test_bad_input_is_explained_and_changes_nothing(
    console: Console, line: str, expected: str
) -> None:
    await console.run("/sent Existing Contact org:Acme")
    before = console.snapshot()
    out = await console.run(line)
    assert expected in out
    assert "Traceback" not in out
    assert "Error" not in out
    assert len(out.splitlines()) <= 2
    assert console.snapshot() == before


async def test_undo_with_nothing_to_undo_changes_nothing(console: Console) -> None:
    await console.run("/progress")
    before = console.snapshot()
    assert "nothing to undo" in await console.run("/undo")
    assert console.snapshot() == before


async def test_mydata_forget_without_confirmation_changes_nothing(console: Console) -> None:
    await console.run("/sent Jane")
    before = console.snapshot()
    for line in ("/mydata forget", "/mydata forget confirm:no"):
        assert "confirm:yes" in await console.run(line)
        assert console.snapshot() == before


async def test_a_non_organizer_is_refused_cohort_commands_and_nothing_changes(
    console: Console,
) -> None:
    await console.run("/progress", as_name="Sam")
    before = console.snapshot()
    for line in ("/cohort setup name:Mine", "/cohort goal emails:9", "/cohort organizers add:Sam"):
        assert "for the cohort's organizers" in await console.run(line, as_name="Sam")
    assert console.snapshot() == before


async def test_the_daily_cap_refuses_politely_and_keeps_the_earlier_logs(console: Console) -> None:
    assert "Logged 20 outreach emails" in await console.run("/sent count:20")
    before = console.snapshot()
    assert "daily limit" in await console.run("/sent")
    assert "daily limit" in await console.run("/sent Jane Doe")
    assert console.snapshot() == before
    assert "Logged a follow-up" in await console.run("/followup Jane")


MENTION_ATTEMPTS = ["@everyone", "@here", "<@&123>", "<!channel>", "<!here>", "<@U123>"]


@pytest.mark.parametrize("attempt", MENTION_ATTEMPTS)
async def test_mention_syntax_in_any_text_is_stored_as_typed_and_never_a_mention(
    console: Console, attempt: str
) -> None:
    reply = await console.session.port.run_text(
        console.session.origin, f'/sent {attempt} org:"{attempt} Inc" note:"hi {attempt}"'
    )
    assert reply.mentions == ()
    assert attempt in reply.text
    contacts = await console.run("/contacts")
    assert f"{attempt} ({attempt} Inc)" in contacts
    dump = "\n".join(console.snapshot())
    assert f"'hi {attempt}'" in dump
    assert_no_mentions_survive(reply)


def assert_no_mentions_survive(reply: Reply) -> None:
    """Rendered with a platform's mention syntax, typed text produces no mention markup."""
    rendered = render_text(
        reply.text,
        {m.user_id: m.display_name for m in reply.mentions},
        escape=lambda s: s.replace("<", "&lt;").replace(">", "&gt;"),
        mention=lambda user_id, _name: f"<@{user_id}>",
    )
    assert "<@" not in rendered
    assert "<!" not in rendered


EDGE_NAMES = ["Zoë 🙂 Ng", "محمد علي", "יעל כהן", "  Spaced   Out  ", "Ó'Brien-Smith"]


@pytest.mark.parametrize("name", EDGE_NAMES)
async def test_emoji_right_to_left_and_spaced_names_work(console: Console, name: str) -> None:
    out = await console.run(f'/sent "{name}" org:"  Acme   Labs "')
    tidy = " ".join(name.split())
    assert f"to {tidy} (Acme Labs)" in out
    assert f"follow-up to {tidy}" in await console.run(f'/followup "{name.upper()}"')
    assert f"{tidy} (Acme Labs) [followed up]" in await console.run("/contacts")
    assert console.count("contacts") == 1


async def test_sql_metacharacters_are_just_text(console: Console) -> None:
    name = "Robert'); DROP TABLE actions;--"
    out = await console.run(f'/sent "{name}" note:"1 OR 1=1; --"')
    assert name in out
    assert console.count("actions") == 1
    assert name in await console.run("/contacts")
