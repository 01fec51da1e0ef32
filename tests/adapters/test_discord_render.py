"""How replies look on Discord, within Discord's limits (checked again by the fake's spec)."""

from __future__ import annotations

from adapters.discord.render import FormModal, render_reply
from bot.replies import (
    Attachment,
    Button,
    ButtonStyle,
    Field,
    Form,
    FormField,
    Mention,
    Reply,
    mention,
)

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


def test_an_embed_keeps_at_most_25_fields_in_order() -> None:
    fields = tuple(Field(f"Field {n}", f"value {n}") for n in range(40))
    message = render_reply(Reply("", title="Many", fields=fields))
    assert message.embed is not None
    assert [f.name for f in message.embed.fields] == [f"Field {n}" for n in range(25)]
    assert message.embed.footer.text == "(shortened to fit Discord's limits)"


def test_a_file_travels_with_its_text_and_an_empty_reply_still_says_something() -> None:
    export = Attachment("reachout-export.json", b"{}")
    kwargs = render_reply(Reply("Here you go.", attachment=export)).send_kwargs()
    assert kwargs["content"] == "Here you go."
    [file] = kwargs["files"]
    assert file.filename == "reachout-export.json"
    assert render_reply(Reply("")).content == "Done."


def test_buttons_become_rows_of_five_with_discords_styles_and_the_cores_ids() -> None:
    styles = [ButtonStyle.PRIMARY, ButtonStyle.PLAIN, ButtonStyle.DANGER]
    reply = Reply(
        "Pick one",
        buttons=tuple(
            Button(f"Choice {n}" + "!" * (90 if n == 6 else 0), f"ro:t:{n}", styles[n % 3])
            for n in range(7)
        ),
    )
    view = render_reply(reply).send_kwargs()["view"]
    rows = view.to_components()
    assert [len(row["components"]) for row in rows] == [5, 2]
    flat = [b for row in rows for b in row["components"]]
    assert [b["custom_id"] for b in flat] == [f"ro:t:{n}" for n in range(7)]
    assert [b["style"] for b in flat] == [1, 2, 4, 1, 2, 4, 1]
    assert len(flat[6]["label"]) == 80
    assert flat[6]["label"].endswith("…")
    assert view.is_finished()  # never kept in discord.py's view store


def test_an_edit_without_buttons_removes_the_ones_the_message_had() -> None:
    assert render_reply(Reply("Done")).edit_kwargs()["view"] is None
    assert "view" not in render_reply(Reply("Done")).send_kwargs()


def test_a_form_becomes_a_modal_of_text_inputs_within_discords_limits() -> None:
    form = Form(
        "ro:form:sent",
        "Log an email",
        (
            FormField("contact", "Who did you write to?", required=True, max_length=80),
            FormField("org", "O" * 60, value="Acme Labs", placeholder="Acme"),
            FormField("note", "A note", multiline=True, max_length=9000),
        ),
    )
    modal = FormModal(form).to_dict()
    assert (modal["custom_id"], modal["title"]) == ("ro:form:sent", "Log an email")
    inputs = [row["components"][0] for row in modal["components"]]
    assert [(i["custom_id"], i["style"], i["required"]) for i in inputs] == [
        ("contact", 1, True),
        ("org", 1, False),
        ("note", 2, False),
    ]
    assert len(inputs[1]["label"]) == 45
    assert (inputs[1]["value"], inputs[1]["placeholder"]) == ("Acme Labs", "Acme")
    assert [i["max_length"] for i in inputs] == [80, 200, 4000]
