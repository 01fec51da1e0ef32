"""Presses benchmark: a reminder's button through the core, and contact suggestions.

    python -m benchmarks.presses [--members 50] [--rounds 5] [--contacts 1000] [--quick]

1. **Button presses at 50 in flight.** ``--members`` members each have a contact waiting for
   its follow-up; each round, every member presses *Followed up* on their reminder at once
   (``AdapterPort.press``: the checks, then ``/followup`` under the message's key), and
   every member then presses it again (the double click, which must log nothing). The
   same-run baseline is the same members typing ``/followup`` at once
   (``AdapterPort.run_text``), interleaved round by round. Reports the press p99 against the
   typed command's, and checks none was lost and none logged twice.
2. **Suggestions with 1,000 contacts.** One member with ``--contacts`` contacts asks for
   suggestions as they type (``AdapterPort.suggest`` for ``/followup contact:``, with "", one,
   two and three letters); the baseline is reading the same member's contacts
   (``/contacts`` through the port), which every suggestion must stay well under Discord's
   3 s autocomplete deadline beside.

This measures the core on its own, without a platform in front of it: what a click or a
keystroke adds to an adapter's round trip. Prints a Markdown table with PASS/FAIL and
exits 1 if a target fails.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.nudges import Row, machine, table
from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import load_settings
from bot.followups import Step
from bot.invocation import Origin
from bot.presses.buttons import reminder_buttons
from bot.runtime import Runtime

PRESS_P99_MS = 100.0
SUGGEST_P99_MS = 50.0
START = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def origin(index: int) -> Origin:
    return Origin("console", "bench", "Bench", "general", f"u{index}", f"Member {index}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def timed(work: Awaitable[object]) -> float:
    started = time.perf_counter()
    await work
    return (time.perf_counter() - started) * 1000


async def reminders(runtime: Runtime, clock: ManualClock, members: int, day: int) -> list[str]:
    """Each member's *Followed up* id for a new contact logged a week before the round."""
    clock.set(START + timedelta(days=day))
    ids = []
    for i in range(members):
        await runtime.port.run_text(origin(i), f"/sent Contact {day}-{i} org:Acme")
        inv = await runtime.engine.resolve(origin(i))
        [contact] = list(await runtime.engine.recent_contacts(inv))[:1]
        state = await runtime.engine.contact_state(inv, contact.id)
        assert state is not None
        assert state.state.anchor_id is not None
        [button, *_] = reminder_buttons(
            inv.member.id, contact, Step.FOLLOW_UP, state.state.anchor_id
        )
        ids.append(button.action_id)
    clock.set(START + timedelta(days=day + 9))
    return ids


async def press_rows(runtime: Runtime, clock: ManualClock, members: int, rounds: int) -> list[Row]:
    presses: list[float] = []
    repeats: list[float] = []
    typed: list[float] = []
    lost = doubled = 0
    for r in range(rounds):
        ids = await reminders(runtime, clock, members, r * 20)
        results = await asyncio.gather(
            *(_press(runtime, origin(i), ids[i], presses) for i in range(members))
        )
        lost += sum(1 for ok in results if not ok)
        again = await asyncio.gather(
            *(_press(runtime, origin(i), ids[i], repeats) for i in range(members))
        )
        doubled += sum(1 for ok in again if ok)
        await asyncio.gather(
            *(
                _typed(runtime, origin(i), f"/followup Contact {r * 20}-{i}", typed)
                for i in range(members)
            )
        )
    press_p99, typed_p99 = percentile(presses, 0.99), percentile(typed, 0.99)
    return [
        Row(
            "press",
            f"typed /followup, {members} at once (baseline), p50 / p99",
            f"{statistics.median(typed):.1f} / {typed_p99:.1f} ms",
        ),
        Row(
            "press",
            f"*Followed up*, {members} at once, p50 / p99",
            f"{statistics.median(presses):.1f} / {press_p99:.1f} ms = "
            f"{press_p99 / typed_p99:.2f}x baseline",
            f"p99 <= {PRESS_P99_MS:.0f} ms",
            press_p99 <= PRESS_P99_MS,
        ),
        Row(
            "press",
            "second press of each (already done), p50 / p99",
            f"{statistics.median(repeats):.1f} / {percentile(repeats, 0.99):.1f} ms",
        ),
        Row(
            "press",
            f"presses lost / logged twice, of {members * rounds}",
            f"{lost} / {doubled}",
            "0 / 0",
            lost == 0 and doubled == 0,
        ),
    ]


async def _press(runtime: Runtime, who: Origin, action_id: str, times: list[float]) -> bool:
    started = time.perf_counter()
    pressed = await runtime.port.press(who, action_id)
    times.append((time.perf_counter() - started) * 1000)
    return pressed.reply is not None and not pressed.reply.error


async def _typed(runtime: Runtime, who: Origin, line: str, times: list[float]) -> None:
    started = time.perf_counter()
    await runtime.port.run_text(who, line)
    times.append((time.perf_counter() - started) * 1000)


async def suggest_rows(runtime: Runtime, clock: ManualClock, contacts: int) -> list[Row]:
    who = origin(10_000)
    for i in range(contacts):
        if i % 20 == 0:
            clock.set(START + timedelta(days=400 + i // 20))
        await runtime.port.run_text(who, f'/sent "Person {i:04d} Surname{i % 97}" org:Org{i % 50}')
    typings = ["", "p", "pe", "per", "s", "su", "sur", "9"]
    suggest: list[float] = []
    baseline: list[float] = []
    most = 0
    for _ in range(25):
        for typed in typings:
            started = time.perf_counter()
            found = await runtime.port.suggest(who, "followup", "contact", typed)
            suggest.append((time.perf_counter() - started) * 1000)
            most = max(most, len(found))
        baseline.append(await timed(runtime.port.run_text(who, "/contacts")))
    p99 = percentile(suggest, 0.99)
    base = percentile(baseline, 0.99)
    return [
        Row(
            "suggest",
            f"/contacts of a member with {contacts:,} contacts (baseline), p50 / p99",
            f"{statistics.median(baseline):.1f} / {base:.1f} ms",
        ),
        Row(
            "suggest",
            f"contact suggestions, {contacts:,} contacts, p50 / p99",
            f"{statistics.median(suggest):.1f} / {p99:.1f} ms = {p99 / base:.2f}x baseline",
            f"p99 <= {SUGGEST_P99_MS:.0f} ms",
            p99 <= SUGGEST_P99_MS,
        ),
        Row("suggest", "most choices in one answer", str(most), "<= 25", most <= 25),
    ]


async def measure(folder: Path, members: int, rounds: int, contacts: int) -> list[Row]:
    settings = load_settings(
        {"REACHOUT_DATABASE": str(folder / "presses.db"), "REACHOUT_TIMEZONE": "America/New_York"},
        env_file=None,
    )
    clock = ManualClock(START)
    async with open_runtime(settings, clock) as runtime:
        return await press_rows(runtime, clock, members, rounds) + await suggest_rows(
            runtime, clock, contacts
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="10 members, 2 rounds, 200 contacts")
    options = parser.parse_args()
    if options.quick:
        options.members, options.rounds, options.contacts = 10, 2, 200
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="reachout-presses-") as folder:
        rows = asyncio.run(measure(Path(folder), options.members, options.rounds, options.contacts))
    print(table(rows))
    failed = [r for r in rows if r.ok is False]
    print("all targets met" if not failed else f"{len(failed)} target(s) missed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
