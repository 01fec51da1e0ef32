"""How replies look on Discord, within Discord's limits (checked again by the fake's spec)."""

from __future__ import annotations

from adapters.discord.render import render_reply
from bot.replies import Attachment, Field, Mention, Reply, mention

ALICE = "123456789012345678"
SAM = "223456789012345678"


def test_a_plain_reply_is_plain_text_that_mentions_nobody() -> None:
    message = render_reply(Reply("Logged an outreach email to @everyone (<@&123456789012345678>)."))
    assert (
        message.content
        == "Logged an outreach email to @\u200beveryone (<@\u200b&123456789012345678>)."
    )
    assert message.embed is None
    assert dict(message.allowed_mentions.to_dict()) == {"parse": []}


def test_only_listed_users_are_mentioned_and_allowed() -> None:
    reply = Reply(
        f"Well done {mention(ALICE)} and {mention(SAM)}!", mentions=(Mention(ALICE, "Alice"),)
    )
    message = render_reply(reply)
    assert message.content == f"Well done <@{ALICE}> and {SAM}!"
    assert dict(message.allowed_mentions.to_dict()) == {"parse": [], "users": [int(ALICE)]}


def test_a_titled_reply_is_an_embed_and_keeps_its_mentions_in_the_text() -> None:
    reply = Reply(
        f"Shout-out to {mention(ALICE)}",
        title="Weekly kickoff",
        fields=(Field("Last week", "12 emails"),),
        mentions=(Mention(ALICE, "Alice"),),
    )
    message = render_reply(reply)
    assert message.content == f"Shout-out to <@{ALICE}>"  # embeds never ping
    assert message.embed is not None
    assert message.embed.title == "Weekly kickoff"
    assert message.embed.description is None


def test_long_text_moves_into_an_embed_and_long_fields_are_continued() -> None:
    long_text = "\n".join(f"line {n} " + "x" * 60 for n in range(60))
    assert render_reply(Reply(long_text)).content is None
    message = render_reply(Reply("", title="Help", fields=(Field("Commands", long_text),)))
    assert message.embed is not None
    names = [f.name for f in message.embed.fields]
    assert names[0] == "Commands"
    assert set(names[1:]) == {"Commands (continued)"}
    assert all(len(str(f.value)) <= 1024 for f in message.embed.fields)
    assert "\n".join(str(f.value) for f in message.embed.fields) == long_text


def test_an_embed_never_exceeds_discords_limits() -> None:
    fields = tuple(Field(f"Field {n}", "y" * 1000) for n in range(40))
    message = render_reply(Reply("", title="t" * 300, fields=fields))
    assert message.embed is not None
    assert len(message.embed) <= 6000
    assert len(message.embed.title or "") == 256
    assert message.embed.footer.text == "(shortened to fit Discord's limits)"


def test_a_file_travels_with_its_text_and_an_empty_reply_still_says_something() -> None:
    export = Attachment("reachout-export.json", b"{}")
    kwargs = render_reply(Reply("Here you go.", attachment=export)).send_kwargs()
    assert kwargs["content"] == "Here you go."
    [file] = kwargs["files"]
    assert file.filename == "reachout-export.json"
    assert render_reply(Reply("")).content == "Done."
