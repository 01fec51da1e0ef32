"""What Tab offers at the console prompt, from the registry and the member's own contacts;
the pseudo-terminal tests (test_console_terminal.py) check that the keys reach it."""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from adapters.console.completion import ConsoleCompleter
from tests.conftest import Console


async def offered(console: Console, typed: str) -> list[tuple[str, int, str]]:
    """Each completion as (text inserted, where it starts, what the menu shows)."""
    completer = ConsoleCompleter(console.session)
    return [
        (c.text, c.start_position, c.display_text)
        async for c in completer.get_completions_async(
            Document(typed), CompleteEvent(completion_requested=True)
        )
    ]


async def test_commands_complete_with_or_without_the_slash(console: Console) -> None:
    assert await offered(console, "/fo") == [("/followup ", -3, "/followup")]
    assert await offered(console, "th") == [("thanks ", -2, "/thanks")]
    assert ("/do ", -2, "/do") in await offered(console, "/d")
    assert await offered(console, "/cohort sta") == [("stats ", -3, "stats")]


async def test_options_complete_by_name_and_choices_by_value(console: Console) -> None:
    sent = [text for text, _, _ in await offered(console, "/sent ")]
    assert sent == ["contact:", "org:", "count:", "note:", "new:"]
    assert [t for t, _, _ in await offered(console, "/sent Jane org:Acme ")] == [
        "contact:",
        "count:",
        "note:",
        "new:",
    ]
    assert await offered(console, "/contacts status:re") == [
        ("replied ", -2, "replied"),
        ("referred ", -2, "referred"),
    ]
    assert await offered(console, "/progress chart:Y") == [("yes ", -1, "yes")]


async def test_contact_names_are_the_members_own_most_recent_first(console: Console) -> None:
    await console.run("/sent Jane Doe org:Acme")
    await console.run("/sent Janet Lee")
    await console.run("/sent Jan Other", as_name="Sam")
    console.session.name = "Alex"

    assert await offered(console, "/followup jan") == [
        ("Janet Lee ", -3, "Janet Lee"),
        ("Jane Doe ", -3, "Jane Doe (Acme)"),
    ]
    assert ("Jane Doe ", -6, "Jane Doe (Acme)") in await offered(console, "/reply jane d")
    assert await offered(console, '/referral Sam from:"Jane D') == [
        ('"Jane Doe" ', -7, "Jane Doe (Acme)")
    ]


async def test_do_completes_the_numbers_of_the_latest_choices(console: Console) -> None:
    assert await offered(console, "/do ") == []
    await console.run("/progress")
    assert await offered(console, "/do ") == [("1", 0, "1")]


async def test_time_zones_complete_from_the_cores_list(console: Console) -> None:
    assert ("Europe/Berlin ", -9, "Europe/Berlin") in await offered(
        console, "/settings timezone:Europe/Be"
    )


async def test_a_failed_look_up_costs_the_suggestions_not_the_prompt(
    console: Console, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object) -> list[object]:
        raise ConnectionError("database went away")

    monkeypatch.setattr(console.session.port, "suggest", broken)
    assert await offered(console, "/followup ") == [
        ("contact:", 0, "contact:"),
        ("note:", 0, "note:"),
        ("new:", 0, "new:"),
    ]
    assert "No suggestions for /followup contact: database went away" in caplog.text
