"""The one text parser for Slack and the console."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.catalog import build_registry
from bot.commands.dispatch import convert
from bot.commands.parser import Token, parse, tokenize
from bot.errors import UserError

REGISTRY = build_registry()

# Printable text without the characters the syntax itself uses inside a quoted value.
VALUE = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs"), blacklist_characters='"\u201c\u201d\u201e'
    ),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip())


def test_free_text_fills_the_first_argument_and_names_fill_the_rest() -> None:
    parsed = parse(REGISTRY, '/sent Jane Doe org:"Acme Labs" note:"alum, met at a conference"')
    assert parsed.command.name == "sent"
    assert parsed.raw == {
        "contact": "Jane Doe",
        "org": "Acme Labs",
        "note": "alum, met at a conference",
    }


def test_subcommands_and_option_names_are_case_insensitive() -> None:
    parsed = parse(REGISTRY, "/COHORT Setup NAME:Fall Week-Start:monday")
    assert parsed.command.path == "cohort setup"
    assert parsed.raw == {"name": "Fall", "week_start": "monday"}


def test_smart_quotes_from_phones_work_like_straight_ones() -> None:
    assert parse(REGISTRY, "/sent Jane org:\u201cAcme Labs\u201d").raw["org"] == "Acme Labs"


def test_a_url_in_free_text_is_not_an_option() -> None:
    raw = parse(REGISTRY, "/sent Jane https://example.org/talk").raw
    assert raw == {"contact": "Jane https://example.org/talk"}


def test_quoted_words_with_colons_stay_text() -> None:
    assert tokenize('"re: your talk"') == [Token(None, "re: your talk")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "Type a command"),
        ("/", "don't know the command"),
        ("/sent Jane org:Acme org:Beta", "given twice"),
        ('/sent "Jane', "quote is not closed"),
        ("/undo now", "takes no arguments"),
        ("/sent x" * 3000, "too long"),
    ],
)
def test_malformed_lines_are_refused_with_a_reason(line: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse(REGISTRY, line)


@given(VALUE, VALUE)
def test_any_quoted_values_come_back_exactly(contact: str, note: str) -> None:
    parsed = parse(REGISTRY, f'/sent "{contact}" note:"{note}"')
    assert parsed.raw == {"contact": contact, "note": note}


@given(
    st.lists(st.from_regex(r"[A-Za-z][A-Za-z'.-]{0,12}", fullmatch=True), min_size=1, max_size=5)
)
def test_unquoted_words_are_joined_with_single_spaces(words: list[str]) -> None:
    line = "/sent   " + "   ".join(words) + "  "
    assert parse(REGISTRY, line).raw["contact"] == " ".join(words)


@given(st.text(max_size=200))
def test_any_text_either_parses_or_is_refused_cleanly(text: str) -> None:
    for prefix in ("/sent ", "/leaderboard ", "/cohort ", "/", ""):
        try:
            parsed = parse(REGISTRY, prefix + text)
            convert(parsed.command, parsed.raw)
        except UserError as problem:
            message = str(problem)
        else:
            continue
        assert message
        assert "Traceback" not in message


@given(st.integers())
def test_count_accepts_exactly_one_to_twenty(value: int) -> None:
    parsed = parse(REGISTRY, f"/sent count:{value}")
    if 1 <= value <= 20:
        assert convert(parsed.command, parsed.raw).integer("count") == value
    else:
        with pytest.raises(UserError, match="from 1 to 20"):
            convert(parsed.command, parsed.raw)
