"""Names and choices that forgive, through the console on both databases: a contact found
however it is typed, a close name asked about rather than duplicated, a choice by its start."""

from __future__ import annotations

from tests.conftest import ON_BOTH_BACKENDS, Console

pytestmark = ON_BOTH_BACKENDS


async def test_a_name_typed_without_case_accents_or_apostrophes_finds_the_contact(
    console: Console,
) -> None:
    await console.run('/sent "Mary O\'Brien" org:Acme')
    out = await console.run("/followup mary obrien")
    assert "Logged a follow-up to Mary O'Brien (Acme)" in out
    assert "new contact" not in out
    await console.run("/reply MARY O’BRIEN")
    await console.run('/sent "José Núñez"')
    assert "José Núñez replied" in await console.run("/reply jose nunez")
    assert console.count("contacts") == 2


def logged(console: Console) -> list[str]:
    """Every row but the one refused command kept for its "did you mean" buttons."""
    return [row for row in console.snapshot() if "pending-name:" not in row]


async def test_a_close_name_is_asked_about_and_logs_nothing(console: Console) -> None:
    await console.run('/sent "Mary O\'Brien" org:Acme')
    before = console.snapshot()
    for line in ("/followup mary", "/sent Mray OBrien", "/reply Mary O", "/interview mary"):
        out = await console.run(line)
        assert "Did you mean Mary O'Brien (Acme)?" in out, line
        assert "`new:yes`" in out
        assert "Traceback" not in out
    assert logged(console) == before
    assert len(console.snapshot()) == len(before) + 1


async def test_someone_new_with_a_close_name_is_logged_once_confirmed(console: Console) -> None:
    await console.run('/sent "Mary O\'Brien" org:Acme')
    out = await console.run("/sent Mary org:Initech new:yes")
    assert "Logged an outreach email to Mary (Initech)" in out
    assert console.count("contacts") == 2
    assert "Logged a follow-up to Mary (Initech)" in await console.run("/followup mary")


async def test_names_that_are_not_close_make_a_new_contact_as_before(console: Console) -> None:
    await console.run("/sent Contact 0")
    await console.run("/sent Ann Lee")
    assert "Logged an outreach email to Contact 1" in await console.run("/sent Contact 1")
    assert "Logged an outreach email to Dan Lee" in await console.run("/sent Dan Lee")
    assert console.count("contacts") == 4


async def test_choices_take_any_case_and_an_unambiguous_start(console: Console) -> None:
    out = await console.run("/cohort schedule kickoff_day:FRI kickoff_time:9am checkin_day:Tue")
    assert "Schedule saved: kickoff Friday 09:00, check-in Tuesday" in out
    await console.run("/sent Jane Doe")
    out = await console.run("/interview Jane Doe status:sched on:2026-12-08")
    assert "scheduled" in out.casefold()
    refused = await console.run("/cohort schedule kickoff_day:t")
    assert "`t` could be `tuesday`, `thursday`" in refused
    refused = await console.run("/cohort schedule kickoff_day:someday")
    assert "`kickoff_day` can be `monday`" in refused
