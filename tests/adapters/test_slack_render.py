"""Slack text both ways: what members type, back from Slack's markup; replies, escaped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.inbound import command_text, referenced_users
from adapters.slack.render import buttons_message, escape, message, reply_blocks
from bot.replies import Button, ButtonStyle, Field, Mention, Reply, mention
from tests.fakes.slack_blocks import validate_blocks


def test_slacks_markup_becomes_what_the_member_typed() -> None:
    sent = (
        "<@U0MEMBER01|ada> &amp; <@U0ORGANIZ1> in <#C0COHORT01|cohort> "
        "<!here> <!channel|channel> <!subteam^S0TEAM|@devs> <https://acme.com|acme.com> "
        "<mailto:jane@acme.com|jane@acme.com> &lt;b&gt; &amp;lt;"
    )

    assert command_text(sent) == (
        "@ada & @U0ORGANIZ1 in #cohort @here @channel @devs acme.com jane@acme.com <b> &lt;"
    )


def test_user_references_stay_ids_with_labels_for_commands_that_take_a_user() -> None:
    sent = "add:<@U0ORGANIZ1> remove:<@U0MEMBER01|ada> note:&lt;@U0FORGED1&gt;"

    text = command_text(sent, {"U0ORGANIZ1": "grace hopper"})

    assert text == "add:<@U0ORGANIZ1|grace_hopper> remove:<@U0MEMBER01|ada> note:<@U0FORGED1>"
    assert referenced_users(sent) == ["U0ORGANIZ1", "U0MEMBER01"]


@given(st.text())
def test_whatever_a_member_types_is_escaped_so_slack_shows_it_as_typed(typed: str) -> None:
    shown = escape(typed)

    assert "<" not in shown
    assert ">" not in shown
    assert shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == typed


def test_mentions_render_only_for_users_the_reply_lists() -> None:
    reply = Reply(
        f"Nice work {mention('U1')} and {mention('U2')}!",
        title="<!channel> kickoff",
        fields=(Field("Shout-outs & thanks", f"{mention('U1')} <@U3>"),),
        mentions=(Mention("U1", "ada"),),
    )

    body = message(reply)

    assert body["text"] == "&lt;!channel&gt; kickoff\nNice work <@U1> and U2!"
    texts = [block["text"]["text"] for block in body["blocks"]]
    assert texts == [
        "*&lt;!channel&gt; kickoff*\nNice work <@U1> and U2!",
        "*Shout-outs &amp; thanks*\n<@U1> &lt;@U3&gt;",
    ]
    assert all(block["text"]["verbatim"] for block in body["blocks"])


def test_long_replies_are_split_into_sections_slack_accepts() -> None:
    lines = [f"• contact {n}: " + "word " * 40 for n in range(40)]
    one_long_line = "x & y " * 900
    reply = Reply("\n".join(lines), fields=(Field("Long", one_long_line),))

    blocks = reply_blocks(reply)

    assert validate_blocks(blocks) == []
    assert len(blocks) >= 4
    joined = " ".join(b["text"]["text"] for b in blocks)
    assert "&amp;" in joined
    assert "& " not in joined.replace("&amp;", "")


def test_buttons_become_one_actions_block_that_slack_accepts() -> None:
    reply = Reply(
        "Jane Doe (Acme): time for one follow-up.",
        buttons=(
            Button("Followed up", "ro:rem:f:1:2:3:follow_up", ButtonStyle.PRIMARY),
            Button("They replied", "ro:rem:r:1:2:3:follow_up"),
            Button("Stop reminding", "ro:rem:s:1:2:3:follow_up", ButtonStyle.DANGER),
            Button("Write to someone else at <!everyone> " + "x" * 80, "ro:rem:w:1:2:3:x"),
        ),
    )

    blocks = message(reply)["blocks"]

    assert validate_blocks(blocks) == []
    actions = blocks[-1]
    assert actions["type"] == "actions"
    first, plain, danger, long = actions["elements"]
    assert first == {
        "type": "button",
        "action_id": "ro:rem:f:1:2:3:follow_up",
        "text": {"type": "plain_text", "text": "Followed up", "emoji": True},
        "style": "primary",
    }
    assert "style" not in plain
    assert danger["style"] == "danger"
    assert len(long["text"]["text"]) == 75
    assert long["text"]["type"] == "plain_text"  # never parsed for mentions
    assert [b["type"] for b in reply_blocks(Reply("No buttons"))] == ["section"]


def test_a_files_buttons_come_as_their_own_message() -> None:
    reply = Reply("Kickoff", buttons=(Button("Log an email", "ro:any:l:0:0:0:"),))

    alone = buttons_message(reply)

    assert alone["text"] == "Log an email"
    assert validate_blocks(alone["blocks"]) == []
    assert [b["type"] for b in alone["blocks"]] == ["actions"]
