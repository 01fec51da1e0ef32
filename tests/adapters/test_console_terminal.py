"""The console in a pseudo-terminal, as a person uses it: the real ``python -m bot console``
on a temporary database, keys typed one by one (pexpect)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pexpect
import pytest

ROOT = Path(__file__).resolve().parents[2]
LEFT, UP, BACKSPACE, CTRL_C, CTRL_D = "\x1b[D", "\x1b[A", "\x7f", "\x03", "\x04"


class Terminal:
    """One console process on a pseudo-terminal, wide enough that nothing wraps."""

    def __init__(self, folder: Path, name: str = "Alex") -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("REACHOUT_", "DISCORD_", "SLACK_"))
        }
        # No terminal answers prompt_toolkit's cursor-position request here; say so up front
        # rather than have it wait for the answer.
        env.update(
            PYTHONPATH=str(ROOT), REACHOUT_TIMEZONE="UTC", TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1"
        )
        self.prompt = f"{name}>"
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "bot", "console", "--as", name],
            cwd=str(folder),
            env=env,
            dimensions=(40, 200),
            encoding="utf-8",
            timeout=30,
        )
        self.child.expect_exact(self.prompt)

    def enter(self, keys: str, expect: str) -> str:
        """Type ``keys``, press Enter, and return the output up to ``expect``."""
        self.child.send(keys + "\r")
        self.child.expect_exact(expect)
        output = str(self.child.before)
        self.child.expect_exact(self.prompt)
        return output

    def tab(self, keys: str) -> None:
        """Type ``keys`` and Tab, and wait until the screen is still: completion runs in the
        background, so keys typed at once could land before it does."""
        self.child.send(keys + "\t")
        while self.child.expect([pexpect.TIMEOUT, r".+"], timeout=0.5) != 0:
            continue

    def quit(self) -> int:
        self.child.send(CTRL_D)
        self.child.expect(pexpect.EOF)
        self.child.close()
        return int(self.child.exitstatus or 0)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    opened = Terminal(tmp_path)
    yield opened
    if opened.child.isalive():
        opened.child.terminate(force=True)


def test_the_line_can_be_edited_before_it_is_sent(terminal: Terminal) -> None:
    terminal.enter(f"/sent Jne Dooe{BACKSPACE}{BACKSPACE}e{LEFT * 6}a", "Logged an outreach")
    terminal.enter("/contacts", "Jane Doe")
    assert terminal.quit() == 0


def test_up_arrow_recalls_lines_from_earlier_runs(tmp_path: Path, terminal: Terminal) -> None:
    terminal.enter("/goal emails:5", "5 emails a week")
    terminal.enter("/sent Jane Doe", "Logged an outreach email to Jane Doe")
    assert terminal.quit() == 0
    history = tmp_path / "reachout-console-history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600

    again = Terminal(tmp_path)
    again.enter(UP, "Logged an outreach email to Jane Doe. That's 2 of 5")
    again.enter(UP * 3 + BACKSPACE + "6", "6 emails a week")
    assert again.quit() == 0


def test_tab_completes_commands_options_choices_and_contact_names(terminal: Terminal) -> None:
    terminal.enter("/sent Jane Doe", "Logged")
    terminal.tab("/follo")
    terminal.enter("Jane Doe", "Logged a follow-up to Jane Doe")
    terminal.tab("/sent Sam o")
    terminal.enter("Acme", "Logged an outreach email to Sam (Acme)")
    terminal.tab("/interview Sam status:sch")
    terminal.enter("", "Interview with Sam (Acme) scheduled")
    terminal.tab("/reply jane d")
    terminal.enter("", "Jane Doe replied")
    terminal.tab("/cohort sche")
    terminal.tab("checkin_day:of")
    terminal.enter("", "no midweek check-in")
    assert terminal.quit() == 0


def test_a_choice_opens_a_form_asked_on_the_prompt_kept_out_of_the_history(
    tmp_path: Path, terminal: Terminal
) -> None:
    terminal.enter("/progress", "[1] Log an email")
    terminal.child.send("/do 1\r")
    terminal.child.expect_exact("Who did you write to?:")
    terminal.child.send(CTRL_C)
    terminal.child.expect_exact("Stopped “Log an email”: nothing was logged.")
    terminal.child.expect_exact(terminal.prompt)
    terminal.child.send("/do 1\r")
    terminal.child.expect_exact("Who did you write to?:")
    terminal.child.send("Sam Lee\r")
    terminal.child.expect_exact("Their organisation (optional):")
    terminal.child.send("Globex\r")
    terminal.child.expect_exact("A private note for yourself (optional):")
    terminal.enter("", "Logged an outreach email to Sam Lee (Globex).")
    assert terminal.quit() == 0
    history = (tmp_path / "reachout-console-history").read_text(encoding="utf-8")
    assert "+/do 1\n" in history
    assert "Sam Lee" not in history
    assert "Globex" not in history


def test_a_kickoff_arriving_while_typing_is_printed_above_the_half_typed_line(
    terminal: Terminal,
) -> None:
    now = datetime.now(UTC)
    due = (now + timedelta(minutes=1 if now.second < 50 else 2)).replace(second=0)
    terminal.enter(
        f"/cohort schedule kickoff_day:{due:%A} kickoff_time:{due:%H:%M}", "Schedule saved"
    )
    terminal.child.send("/sent Ja")
    terminal.child.expect_exact("New week, Local cohort!", timeout=150)
    terminal.child.expect_exact(f"{terminal.prompt} /sent Ja")
    terminal.enter("ne", "Logged an outreach email to Jane.")
    assert terminal.quit() == 0


def test_a_pipe_still_gets_the_plain_loop_without_a_prompt(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REACHOUT_")}
    env.update(PYTHONPATH=str(ROOT), REACHOUT_TIMEZONE="UTC", TERM="dumb")
    command = f"printf '/sent Jane\\n/progress\\n' | {sys.executable} -m bot console --as Alex"
    child = pexpect.spawn("sh", ["-c", command], cwd=str(tmp_path), env=env, encoding="utf-8")
    child.expect(pexpect.EOF, timeout=30)
    child.close()
    output, status = str(child.before), child.exitstatus
    assert status == 0
    assert "Logged an outreach email to Jane." in output
    assert "Alex>" not in output
    assert "\x1b[" not in output
    assert not (tmp_path / "reachout-console-history").exists()
