"""A DM button's server, carried in its custom id and read back."""

from __future__ import annotations

from adapters.discord.placing import place, placed_form, placed_reply, unplace
from bot.replies import ACTION_ID_LIMIT, Button, Form, Reply

GUILD = "1098765432109876543"


def test_a_core_id_carries_its_server_and_gives_both_back() -> None:
    placed = place("ro:rem:f:12:34:56:follow_up", GUILD)

    assert placed == f"ro:rem:f:12:34:56:follow_up@{GUILD}"
    assert unplace(placed) == ("ro:rem:f:12:34:56:follow_up", GUILD)


def test_ids_that_are_not_the_cores_or_would_be_too_long_are_left_alone() -> None:
    too_long = "ro:" + "x" * (ACTION_ID_LIMIT - 3 - len(GUILD))

    assert place("log_email", GUILD) == "log_email"
    assert place(too_long, GUILD) == too_long
    assert place(too_long[:-1], GUILD) == f"{too_long[:-1]}@{GUILD}"


def test_an_id_without_a_server_or_with_a_non_numeric_one_carries_none() -> None:
    assert unplace("ro:rem:f:12:34:56:follow_up") == ("ro:rem:f:12:34:56:follow_up", None)
    assert unplace("ro:rem:f:1:2:3:x@guild") == ("ro:rem:f:1:2:3:x@guild", None)


def test_every_button_of_a_reply_and_a_forms_id_are_placed() -> None:
    reply = Reply("Hi", buttons=(Button("A", "ro:any:l:0:0:0:"), Button("B", "home")))
    form = Form("ro:form:sent", "Log an email", ())

    placed = placed_reply(reply, GUILD)

    assert [b.action_id for b in placed.buttons] == [f"ro:any:l:0:0:0:@{GUILD}", "home"]
    assert placed.text == "Hi"
    assert placed_form(form, GUILD).form_id == f"ro:form:sent@{GUILD}"
    assert placed_reply(Reply("plain"), GUILD) == Reply("plain")
