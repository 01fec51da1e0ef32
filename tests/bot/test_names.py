"""The contact-name matcher: what it forgives, what it only suggests, and what it leaves."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.models import Contact
from bot.names import close_to, did_you_mean, match_name, normalize

AT = datetime(2026, 11, 26, tzinfo=UTC)


def contact(contact_id: int, name: str, organization: str = "") -> Contact:
    return Contact(contact_id, 1, name, organization, AT, None)


BOOK = (
    contact(1, "Mary O'Brien", "Acme"),
    contact(2, "Contact 0"),
    contact(3, "Jon Smith"),
    contact(4, "José Núñez"),
    contact(5, "Ann Lee"),
)

names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda n: normalize(n) != "")


def test_case_accents_apostrophes_and_spaces_do_not_matter() -> None:
    for typed, meant in (
        ("mary obrien", "Mary O'Brien"),
        ("MARY  O’BRIEN", "Mary O'Brien"),
        ("  jose   nunez ", "José Núñez"),
        ("Jose Nunez", "José Núñez"),
    ):
        assert (found := match_name(typed, BOOK).exact) is not None
        assert found.name == meant


def test_a_start_or_a_typo_is_only_suggested() -> None:
    for typed, meant in (("mary", "Mary O'Brien"), ("Mary Ob", "Mary O'Brien")):
        found = match_name(typed, BOOK)
        assert found.exact is None
        assert [c.name for c in found.close] == [meant]
    assert [c.name for c in match_name("John Smith", BOOK).close] == ["Jon Smith"]
    assert [c.name for c in match_name("Mray OBrien", BOOK).close] == ["Mary O'Brien"]


def test_different_people_are_not_taken_for_typos() -> None:
    for typed in ("Contact 1", "Dan Lee", "Marie", "Zed"):
        found = match_name(typed, BOOK)
        assert found.exact is None
        assert found.close == (), typed


def test_the_question_names_each_close_contact_and_the_way_out() -> None:
    text = did_you_mean("mary", match_name("mary", BOOK).close)
    assert "Mary O'Brien (Acme)" in text
    assert "`new:yes`" in text


@given(st.lists(names, max_size=12), names)
def test_the_names_a_store_keeps_give_the_same_answer_as_every_name(
    book: list[str], typed: str
) -> None:
    contacts = [contact(i, n) for i, n in enumerate(book, start=1)]
    keep = close_to(typed)
    assert match_name(typed, [c for c in contacts if keep(c.name)]) == match_name(typed, contacts)


def test_a_store_keeps_the_name_meant_and_the_close_ones_only() -> None:
    keep = close_to("mary obrien")
    assert [c.name for c in BOOK if keep(c.name)] == ["Mary O'Brien"]
    assert [c.name for c in BOOK if close_to("jon smth")(c.name)] == ["Jon Smith"]
    assert not any(close_to("  ")(c.name) for c in BOOK)


@given(names)
def test_normalising_is_idempotent(name: str) -> None:
    assert normalize(normalize(name)) == normalize(name)


@given(st.lists(names, min_size=1, max_size=8, unique_by=normalize), st.data())
def test_an_exact_name_always_wins(book: list[str], data: st.DataObject) -> None:
    contacts = [contact(i, n) for i, n in enumerate(book, start=1)]
    pick = data.draw(st.sampled_from(contacts))
    found = match_name(" " + pick.name.casefold() + "  ", contacts)
    assert found.exact is not None
    assert normalize(found.exact.name) == normalize(pick.name)


@given(names, st.text(st.sampled_from("abcdefghij "), min_size=1, max_size=6))
def test_a_longer_name_that_starts_with_the_typed_one_is_suggested(start: str, rest: str) -> None:
    typed = normalize(start)
    full = f"{start}{rest}"
    if not typed or normalize(full) == typed:
        return
    found = match_name(start, [contact(1, full)])
    assert found.exact is None
    assert [c.name for c in found.close] == [full]
