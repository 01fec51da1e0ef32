"""The draft check against a corpus of hand-written outreach emails, each with its verdicts."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.drafts import Verdict, review
from tests.conftest import Console

CORPUS = json.loads(
    (Path(__file__).parents[1] / "data" / "drafts.json").read_text(encoding="utf-8")
)["drafts"]


def test_the_corpus_has_at_least_twenty_emails_good_and_bad() -> None:
    assert len(CORPUS) >= 20
    verdicts = {v for draft in CORPUS for v in draft["expect"].values()}
    assert verdicts == {"good", "okay", "fix"}


@pytest.mark.parametrize("draft", CORPUS, ids=[d["id"] for d in CORPUS])
def test_each_draft_gets_the_verdicts_a_careful_reader_would_give(draft: dict[str, Any]) -> None:
    result = review(draft["text"])
    got = {check.name: check.verdict.value for check in result.checks}
    assert got == draft["expect"]
    assert all(check.explanation for check in result.checks)


def test_the_word_count_has_two_thresholds() -> None:
    assert review("word " * 74).verdict("length") is Verdict.GOOD
    assert review("word " * 75).verdict("length") is Verdict.OKAY
    assert review("word " * 100).verdict("length") is Verdict.FIX


def job_email_of_180_words() -> str:
    [draft] = [d for d in CORPUS if d["id"] == "job-ask-long"]
    extra = (
        " In addition, I have mentored six undergraduate students and organised a seminar series."
    )
    return str(draft["text"]).replace("Thank you very much", extra.strip() + " Thank you very much")


async def test_a_180_word_email_asking_for_a_job_gets_useful_suggestions_and_is_not_kept(
    console: Console, caplog: pytest.LogCaptureFixture
) -> None:
    text = job_email_of_180_words()
    assert 175 <= review(text).words <= 185
    before = console.snapshot()
    with caplog.at_level(logging.DEBUG):
        out = await console.run(f'/draft "{text}"')
    assert "aim for under 100 (ideally 75)" in out
    assert "It asks about a job. Ask for their insight or advice instead" in out
    assert "Open with what you share" in out
    assert "End with a question" in out
    assert "It's mostly about you, the writer" in out
    assert "isn't stored or logged anywhere" in out
    assert "score" not in out.casefold()
    assert console.snapshot() == before
    assert "relocate" not in caplog.text


async def test_a_draft_over_two_thousand_characters_is_refused_in_one_sentence(
    console: Console,
) -> None:
    out = await console.run("/draft " + "word " * 500)
    assert "`text` can be at most 2000 characters" in out
