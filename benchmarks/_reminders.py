"""Reminders with buttons, due as ``reachout run`` starts: the seed of the press benchmarks.

The platform benchmarks run the real ``reachout run`` on the real clock, so a reminder can
only be waiting for a member if their history makes it due now. ``seed`` writes that history
through the core (``AdapterPort.run_text``, as the member would type it, on a ``ManualClock``)
before the bot starts:

- every member's time zone is one where a business morning passed within the last two days
  (a fixed-offset ``Etc/GMT`` zone, chosen from the real instant; the cohort keeps its
  calendar), and the cohort's catch-up window is 48 hours, the most it allows;
- each member emailed ``rounds`` contacts ("Pressed r-i") seven business days before that
  morning, so each has a 7-business-day *Followed up* reminder due, and ``reachout run``
  sends them all when it starts; their 3-business-day reminders were delivered on their own
  morning (to a notifier that only records), so none is missed and no digest is due;
- each member emailed ``rounds`` more ("Typed r-i") yesterday, for the typed ``/followup``
  of the same-run baseline; nothing is due about them;
- one more member (the collector) has ``contacts`` contacts, logged in the last hours past
  the daily cap as ``tests/adapters/test_discord_buttons.py`` does, for suggestions.

``check_follow_ups`` then reads the database after the run: exactly one follow-up per
pressed and per typed contact, none for any other.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import load_settings
from bot.followups import FOLLOW_UP_DAYS, SECOND_CONTACT_DAYS, reminder_instant
from bot.invocation import Origin
from bot.models import ActionKind
from bot.nudges.notifier import Receipt
from bot.periods import MORNING, Holidays, day_bounds, is_business_day, local_date, local_to_utc
from bot.replies import Reply
from bot.runtime import Runtime
from bot.store import NewAction

TYPINGS = ("", "p", "pe", "per", "s", "su", "sur", "9", "surname9", "0999", "zzz")
"""What the collector has typed of a contact's name when suggestions are asked: nothing,
a few letters that match every name (the first 25 are enough), fewer and fewer matches,
and none at all (every name compared)."""
GRACE_HOURS = 48
"""The cohort's catch-up window: the most the schema allows (``0002_nudges.sql``)."""
LATEST = timedelta(hours=40)
"""How long ago the chosen morning may be: the run must end inside the 48-hour window."""
EARLIEST = timedelta(minutes=5)


def pressed_name(round_: int, member: int) -> str:
    return f"Pressed {round_}-{member}"


def typed_name(round_: int, member: int) -> str:
    return f"Typed {round_}-{member}"


def collector_name(index: int) -> str:
    """A name of the collector's: "Person 0042 Surname42" (every name is one of a kind)."""
    return f"Person {index:04d} Surname{index % 97}"


@dataclass(frozen=True)
class Instants:
    """When the seeded history happened, in a member's zone ``zone``."""

    zone: str
    emailed: datetime
    third_day: datetime
    due: datetime
    """The morning the *Followed up* reminders came due, within the last ``LATEST``."""


def instants(now: datetime, calendar: Holidays | None) -> Instants:
    """A fixed-offset zone whose latest business morning is the most recent one anywhere
    (at least ``EARLIEST`` ago), and an email seven business days before it."""
    best: tuple[datetime, str] | None = None
    for hours in range(-12, 15):
        name = "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"  # Etc/GMT-5 is UTC+5
        tz = ZoneInfo(name)
        day = local_date(now, tz)
        for back in range(10):
            morning = local_to_utc(day - timedelta(days=back), MORNING, tz)
            if morning <= now - EARLIEST and is_business_day(day - timedelta(days=back), calendar):
                break
        if best is None or morning > best[0]:
            best = (morning, name)
    assert best is not None
    due, name = best
    if now - due > LATEST:
        raise SystemExit(f"no business morning in the last {LATEST} in any zone: try later")
    tz = ZoneInfo(name)
    due_day = local_date(due, tz)
    for back in range(7, 30):
        emailed = local_to_utc(due_day - timedelta(days=back), MORNING, tz) + timedelta(hours=2)
        if reminder_instant(emailed, FOLLOW_UP_DAYS, tz, calendar) == due:
            third = reminder_instant(emailed, SECOND_CONTACT_DAYS, tz, calendar)
            return Instants(name, emailed, third, due)
    raise SystemExit(f"no email day puts a follow-up reminder at {due:%Y-%m-%d %H:%M} UTC")


@dataclass
class Recorder:
    """A notifier that delivers nothing and says it did: the 3-day reminders, settled."""

    platform: str
    idempotency_window: timedelta | None = None
    keys: list[str] = field(default_factory=list)

    async def post_to_channel(
        self, workspace_id: str, channel_id: str, reply: Reply, key: str
    ) -> Receipt:
        self.keys.append(key)
        return Receipt(message_id=f"settled-{len(self.keys)}")

    async def send_direct(self, workspace_id: str, user_id: str, reply: Reply, key: str) -> Receipt:
        self.keys.append(key)
        return Receipt(message_id=f"settled-{len(self.keys)}")


@dataclass(frozen=True)
class Seeded:
    instants: Instants
    members: int
    rounds: int
    contacts: int


async def seed(
    environment: dict[str, str],
    members: Sequence[Origin],
    rounds: int,
    collector: Origin,
    contacts: int,
) -> Seeded:
    """Write the history the press benchmarks need into the database ``reachout run`` will
    open (``environment`` holds its ``REACHOUT_*`` settings)."""
    if not 1 <= rounds <= 20:
        raise SystemExit("--rounds: between 1 and 20 (a member logs at most 20 emails a day)")
    settings = load_settings(
        {k: v for k, v in environment.items() if k.startswith("REACHOUT_")}, env_file=None
    )
    now = datetime.now(UTC)
    clock = ManualClock(now - timedelta(days=40))
    async with open_runtime(settings, clock) as runtime:
        port, engine = runtime.port, runtime.engine
        first = await engine.resolve(members[0])
        when = instants(now, first.calendar)
        clock.set(when.emailed - timedelta(hours=1))
        for origin in members:
            await _typed(port.run_text(origin, f"/settings timezone:{when.zone}"))
        clock.set(when.emailed)
        for r in range(rounds):
            for i, origin in enumerate(members):
                await _typed(port.run_text(origin, f'/sent "{pressed_name(r, i)}"'))
        inv = await engine.resolve(members[0])
        if (inv.timezone, reminder_instant(when.emailed, FOLLOW_UP_DAYS, inv.tz, inv.calendar)) != (
            when.zone,
            when.due,
        ):
            raise SystemExit(f"the seeded reminders would not fall due at {when.due}")
        recorder = Recorder(members[0].platform)
        runtime.courier.register(recorder)
        clock.set(when.third_day + timedelta(minutes=1))
        await runtime.courier.run_due()
        if len(recorder.keys) != len(members) * rounds:
            raise SystemExit(
                f"{len(recorder.keys)} three-day reminders settled, not {len(members) * rounds}"
            )
        clock.set(now - timedelta(days=1))
        for r in range(rounds):
            for i, origin in enumerate(members):
                await _typed(port.run_text(origin, f'/sent "{typed_name(r, i)}"'))
        clock.set(now - timedelta(hours=1))
        await _collect(runtime, collector, contacts)
    conn = sqlite3.connect(settings.database)
    try:
        with conn:
            conn.execute("UPDATE cohorts SET grace_hours = ?", (GRACE_HOURS,))
    finally:
        conn.close()
    return Seeded(when, len(members), rounds, contacts)


async def _typed(work: Awaitable[Reply]) -> None:
    reply = await work
    if reply.error:
        raise SystemExit(f"seeding refused: {reply.text}")


async def _collect(runtime: Runtime, collector: Origin, count: int) -> None:
    """The collector's ``count`` contacts, one a minute up to the clock's now."""
    store = runtime.store
    inv = await runtime.engine.resolve(collector)
    day_start, day_end = day_bounds(inv.now, inv.tz)
    for n in range(count):
        await store.log_action(
            NewAction(
                member_id=inv.member.id,
                cohort_id=inv.cohort.id,
                kind=ActionKind.EMAIL_SENT,
                count=1,
                note="",
                occurred_at=inv.now - timedelta(minutes=count - n),
                contact_name=collector_name(n),
                organization=f"Org{n % 50}",
                day_start=day_start - timedelta(days=2),
                daily_cap=count,
                day_end=day_end,
            )
        )


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process, where /proc tells (Linux)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """The bot process's CPU seconds, added up by kind of work (presses, typed commands)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.seconds: dict[str, float] = {}

    async def measure(self, kind: str, work: Awaitable[None]) -> None:
        before = None if self.pid is None else process_cpu(self.pid)
        await work
        after = None if self.pid is None else process_cpu(self.pid)
        if before is not None and after is not None:
            self.seconds[kind] = self.seconds.get(kind, 0.0) + after - before

    def per(self, kind: str, count: int) -> float:
        """Seconds of CPU per item of ``kind``, of ``count`` items (0 if unmeasured)."""
        return self.seconds.get(kind, 0.0) / count if count else 0.0


def check_follow_ups(database: Path, expected: dict[str, int]) -> tuple[int, int, list[str]]:
    """(missing, doubled, problems): follow-ups per contact name against ``expected``
    (a name not in it must have none)."""
    conn = sqlite3.connect(database)
    try:
        rows = conn.execute(
            "SELECT c.name, count(a.id) FROM contacts c LEFT JOIN actions a "
            "ON a.contact_id = c.id AND a.kind = 'follow_up_sent' AND a.undone_at IS NULL "
            "GROUP BY c.id"
        ).fetchall()
    finally:
        conn.close()
    found = {str(name): int(n) for name, n in rows}
    missing = doubled = 0
    problems = []
    for name, want in expected.items():
        got = found.get(name, 0)
        if got < want:
            missing += want - got
            problems.append(f"{name}: {got} follow-ups, expected {want}")
        elif got > want:
            doubled += got - want
            problems.append(f"{name}: {got} follow-ups, expected {want}")
    for name, got in found.items():
        if name not in expected and got:
            doubled += got
            problems.append(f"{name}: {got} follow-ups, expected none")
    return missing, doubled, problems
