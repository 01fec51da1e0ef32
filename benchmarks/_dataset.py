"""A realistic reachout database of any size, built fast.

The schema, indexes and triggers come from the real migrations; the rows go in with plain
``sqlite3`` in one transaction, because a million rows through the engine would take far
longer than the benchmark itself. The triggers stay on during the load, and undone actions
are inserted live and then undone, so ``member_totals``, ``clock_checks`` and whatever later
migrations derive from actions are exactly what the bot would have written.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from bot.invocation import Origin
from bot.models import ActionKind
from storage.connection import open_database, to_db
from storage.repository import backfill_contact_states
from storage.schema import migrate

HISTORY_DAYS = 730
"""Two years: the history of the standard datasets."""


@dataclass(frozen=True)
class Scale:
    """How big a database to build, and over how many days of history before "now"."""

    members: int
    cohorts: int
    actions: int
    history_days: int = HISTORY_DAYS

    def over(self, history_days: int) -> Scale:
        """The same members over a longer or shorter history, at the same density.

        Density is actions per member per day, so the actions scale with the history.
        """
        actions = round(self.actions * history_days / self.history_days)
        return replace(self, actions=actions, history_days=history_days)


FULL = Scale(members=10_000, cohorts=100, actions=1_000_000)
QUICK = Scale(members=1_000, cohorts=10, actions=100_000)


def platform_scale(actions: int) -> Scale:
    """The Discord and Slack benchmarks' database for ``actions``: the engine's density.

    100 actions per member over two years and 100 members a cohort, as in ``FULL`` (which
    ``actions=1_000_000`` gives exactly); at least four cohorts, so that there is a Discord
    and a Slack workspace to send commands to.
    """
    members = max(400, actions // 100)
    return Scale(members=members, cohorts=max(4, members // 100), actions=actions)


NOW = datetime(2025, 11, 19, 15, 30, tzinfo=UTC)
"""The benchmark's fixed "now", a Wednesday: weeks and months are part-way through."""

NAMED_SHARE = 0.30
"""Share of actions logged against a named contact; the rest are unnamed ``/sent`` logs."""
UNDONE_SHARE = 0.02

_DAY_US = 86_400_000_000

CACHE = Path(__file__).resolve().parent.parent / ".bench"
"""Where built databases are kept between runs (ignored by git: ``*.db``)."""

# Forty names each read better as text than as forty quoted strings.
_FIRST = (  # noqa: SIM905
    "Aisha Ben Carmen Dmitri Elena Farid Grace Hiro Ines Jonas Kofi Lena Mateo Nadia Omar Priya "
    "Quinn Rosa Sven Tara Umar Vera Wen Ximena Yusuf Zoe Amara Bruno Chloe Diego Esther Felix "
    "Gita Hugo Ivy Jamal Keiko Liam Maya Noor"
).split()
_LAST = (  # noqa: SIM905
    "Abbott Baker Chen Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Lopez Mensah "
    "Novak Okafor Patel Quispe Rossi Sato Tanaka Ueda Varga Wang Xu Yilmaz Zhang Ahmed Brown "
    "Costa Davies Evans Fraser Gupta Hughes Iyer Jones Kim Lee Moreau Nguyen"
).split()
_ORGS = (
    "Acme Labs",
    "Globex",
    "Initech",
    "Umbrella Bio",
    "Stark Analytics",
    "Wayne Health",
    "Hooli",
    "Pied Piper",
    "Vandelay Industries",
    "Soylent",
    "Tyrell Robotics",
    "Cyberdyne",
    "Wonka Foods",
    "Gringotts Capital",
    "Oscorp",
    "the county health department",
    "a consulting firm",
    "a climate startup",
)
_NOTES = (
    "alum, met at a conference",
    "found on LinkedIn",
    "introduced by my advisor",
    "asked about their move from academia",
    "short and sweet",
)
_ZONES = (
    "America/New_York",
    "Europe/London",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Europe/Berlin",
    "Australia/Sydney",
    "America/Chicago",
    "UTC",
)


@dataclass(frozen=True)
class BenchMember:
    """A member in the database, with what an adapter would know about them."""

    id: int
    cohort_id: int
    platform: str
    workspace_id: str
    workspace_name: str
    channel_id: str
    user_id: str
    display_name: str
    contacts: tuple[str, ...]

    def origin(self) -> Origin:
        """The member typing a command in their cohort's channel."""
        return Origin(
            platform=self.platform,
            workspace_id=self.workspace_id,
            workspace_name=self.workspace_name,
            channel_id=self.channel_id,
            user_id=self.user_id,
            user_name=self.display_name,
        )


@dataclass(frozen=True)
class Dataset:
    """The members of a built database and how long building it took."""

    members: list[BenchMember]
    build_seconds: float


def build_database(path: Path, scale: Scale, seed: int, now: datetime = NOW) -> Dataset:
    """Create, migrate and fill the database at ``path``, timing the whole build."""
    started = time.perf_counter()
    asyncio.run(_create_schema(path))
    rng = random.Random(seed)
    rows = _Rows(scale, rng, now)
    _bulk_load(path, rows)
    return Dataset(rows.bench_members, time.perf_counter() - started)


def live_now() -> datetime:
    """A "now" for benchmarks that run the bot on the real clock: yesterday, 00:00 UTC.

    History ending a day before the run leaves every member's local "today" empty in every
    time zone, so no one starts a run near the daily cap, while the current week and month
    still hold the days before.
    """
    today = datetime.now(UTC).date() - timedelta(days=1)
    return datetime.combine(today, datetime.min.time(), UTC)


def cached(scale: Scale, seed: int, now: datetime) -> Path:
    """The database for ``scale``, built the first time it is asked for and kept.

    The file is named by everything that determines its contents (and the migrations it was
    built with), so a repeated run finds it instead of rebuilding. Runs that write must
    work on a copy (``cached_copy``), so the cache stays as built.
    """
    CACHE.mkdir(exist_ok=True)
    migrations = len(
        list((Path(__file__).resolve().parent.parent / "storage/migrations").glob("*.sql"))
    )
    name = (
        f"m{scale.members}-c{scale.cohorts}-a{scale.actions}-d{scale.history_days}"
        f"-s{seed}-{now:%Y%m%dT%H%M}-v{migrations}.db"
    )
    path = CACHE / name
    if not path.exists():
        print(f"building {path} (once; later runs reuse it)...", flush=True)
        building = path.with_suffix(f".{os.getpid()}.db")
        building.unlink(missing_ok=True)
        try:
            dataset = build_database(building, scale, seed, now)
            _checkpoint(building)
            building.rename(path)
        finally:
            for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
                leftover.unlink(missing_ok=True)
        print(f"built in {dataset.build_seconds:.1f} s", flush=True)
    return path


def cached_copy(scale: Scale, seed: int, now: datetime, folder: Path) -> Path:
    """A fresh copy, ``folder/reachout.db``, of the cached database for ``scale``."""
    return copy_of(cached(scale, seed, now), folder)


def copy_of(source: Path, folder: Path) -> Path:
    """``source`` copied to ``folder/reachout.db``, for a run to write to."""
    copy = folder / "reachout.db"
    shutil.copyfile(source, copy)
    return copy


def settle_clocks(path: Path) -> None:
    """Clear the follow-up clocks' checks that are already due, as a running bot would have.

    The bulk load's triggers leave every contact's clock due for a look at its last action,
    so a bot started on the database would spend its first minutes catching up on two
    years of reminders; one that had been running all along would have done that as they
    fell due. Clearing the due checks (the clocks themselves are computed from the actions
    and unchanged) lets a run measure commands, not that one-off catch-up.
    """
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(
                "DELETE FROM clock_checks WHERE check_at <= ?", (to_db(datetime.now(UTC)),)
            )
    finally:
        conn.close()


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so the one file is the whole database."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()


def load_members(path: Path) -> list[BenchMember]:
    """The members of a built database, read back from it, with their contacts' names."""
    conn = sqlite3.connect(path)
    try:
        names: dict[int, list[str]] = {}
        for member_id, name in conn.execute("SELECT member_id, name FROM contacts ORDER BY id"):
            names.setdefault(member_id, []).append(name)
        rows = conn.execute(
            "SELECT m.id, m.cohort_id, w.platform, w.external_id, w.name, c.channel_id, "
            "m.user_id, m.display_name FROM members m JOIN workspaces w ON w.id = m.workspace_id "
            "JOIN cohorts c ON c.id = m.cohort_id ORDER BY m.id"
        ).fetchall()
    finally:
        conn.close()
    return [
        BenchMember(
            id=row[0],
            cohort_id=row[1],
            platform=row[2],
            workspace_id=row[3],
            workspace_name=row[4],
            channel_id=row[5],
            user_id=row[6],
            display_name=row[7],
            contacts=tuple(names.get(row[0], ())),
        )
        for row in rows
    ]


async def _create_schema(path: Path) -> None:
    async with open_database(path) as db:
        await migrate(db)


class _Rows:
    """Every row of the database, generated from one seeded random source.

    Times are integer microseconds since midnight UTC ``history_days`` before "now" and become
    ``to_db`` text through a per-day prefix cache, which is twice as fast as ``to_db``.
    """

    def __init__(self, scale: Scale, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        origin = datetime.combine(
            (now - timedelta(days=scale.history_days)).date(), datetime.min.time(), UTC
        )
        self._now_us = (now - origin) // timedelta(microseconds=1)
        self._day_prefix = [
            to_db(origin + timedelta(days=day))[:11] for day in range(scale.history_days + 2)
        ]
        self.workspaces: list[tuple[object, ...]] = []
        self.cohorts: list[tuple[object, ...]] = []
        self.members: list[tuple[object, ...]] = []
        self.contacts: list[tuple[object, ...]] = []
        self.actions: list[tuple[object, ...]] = []
        self.undos: list[tuple[str, int]] = []
        self.bench_members: list[BenchMember] = []
        self._people: list[BenchMember] = []
        self._joined: list[int] = []
        self._activity: list[float] = []
        self._cohort_of: list[int] = []
        self._make_people(scale)
        self._cum_activity = list(accumulate(self._activity))
        self._make_actions(scale)

    def stamp(self, us: int) -> str:
        day, rest = divmod(us, _DAY_US)
        seconds, micro = divmod(rest, 1_000_000)
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        return f"{self._day_prefix[day]}{hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}Z"

    def _make_people(self, scale: Scale) -> None:
        rng = self.rng
        start = self.stamp(0)
        n_workspaces = max(1, scale.cohorts // 2)
        places: list[tuple[str, str, str]] = []
        for w in range(n_workspaces):
            platform = "discord" if w % 2 == 0 else "slack"
            external = f"{900000000000000000 + w}" if platform == "discord" else f"T{w:08X}"
            places.append((platform, external, f"Grad Careers {w + 1}"))
            self.workspaces.append((w + 1, *places[w], start))
        channels = []
        for c in range(scale.cohorts):
            w = c * n_workspaces // scale.cohorts
            channels.append(f"{800000000000000000 + c}" if w % 2 == 0 else f"C{c:08X}")
            self.cohorts.append(
                (c + 1, w + 1, channels[c], f"Cohort {c + 1}", _ZONES[c % len(_ZONES)],
                 6 if c % 5 == 4 else 0, 5 if c % 4 == 3 else 3, 2 if c % 3 == 2 else None, start)
            )  # fmt: skip
        for m in range(scale.members):
            c = m * scale.cohorts // scale.members
            w = c * n_workspaces // scale.cohorts
            joined = rng.randrange(int(self._now_us * 0.75))
            self._joined.append(joined)
            # Lognormal effort: most members log a little, a few log a lot.
            self._activity.append(rng.lognormvariate(0, 1) * (self._now_us - joined))
            self._cohort_of.append(c + 1)
            user = f"{700000000000000000 + m}" if w % 2 == 0 else f"U{m:08X}"
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            self.members.append(
                (m + 1, w + 1, user, name, c + 1, 5 if rng.random() < 0.1 else None, None,
                 rng.choice(_ZONES) if rng.random() < 0.2 else None,
                 0 if rng.random() < 0.1 else 1, 1 if rng.random() < 0.3 else 0, 1,
                 self.stamp(joined))
            )  # fmt: skip
            self._people.append(BenchMember(m + 1, c + 1, *places[w], channels[c], user, name, ()))

    def _pick_members(self, k: int) -> list[int]:
        """``k`` member indexes, each chosen in proportion to how active the member is."""
        return self.rng.choices(range(len(self.members)), cum_weights=self._cum_activity, k=k)

    def _make_actions(self, scale: Scale) -> None:
        """Named contact threads for ~30% of actions, unnamed emails for the rest, by time."""
        named_target = round(scale.actions * NAMED_SHARE)
        events: list[tuple[int, int, int | None, str, int]] = []
        names: list[list[str]] = [[] for _ in self.members]
        while len(events) < named_target:
            for m in self._pick_members(1000):
                self._thread(m, names[m], events)
                if len(events) >= named_target:
                    break
        del events[named_target:]  # the latest steps of the last contact's story
        rng = self.rng
        for m in self._pick_members(scale.actions - named_target):
            joined = self._joined[m]
            count = rng.choices((1, 2, 3), (85, 10, 5))[0]
            events.append(
                (joined + rng.randrange(self._now_us - joined), m, None, "email_sent", count)
            )
        events.sort()
        for action_id, (at, m, contact_id, kind, count) in enumerate(events, start=1):
            if rng.random() < UNDONE_SHARE:
                undone = min(at + rng.randrange(10, 600) * 1_000_000, self._now_us)
                self.undos.append((self.stamp(undone), action_id))
            note = rng.choice(_NOTES) if rng.random() < 0.1 else ""
            self.actions.append(
                (action_id, m + 1, self._cohort_of[m], contact_id, kind, count, note,
                 self.stamp(at))
            )  # fmt: skip
        self.bench_members = [
            replace(person, contacts=tuple(names[m])) for m, person in enumerate(self._people)
        ]

    def _thread(
        self, m: int, names: list[str], events: list[tuple[int, int, int | None, str, int]]
    ) -> None:
        """One contact's story: an email, maybe a follow-up, a reply, an interview, thanks."""
        rng = self.rng
        joined = self._joined[m]
        first = joined + rng.randrange(self._now_us - joined)
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if name in names:
            name = f"{name} {len(names) + 1}"
        names.append(name)
        contact_id = len(self.contacts) + 1
        org = rng.choice(_ORGS) if rng.random() < 0.8 else ""
        key = " ".join(name.split()).casefold()
        self.contacts.append((contact_id, m + 1, name, key, org, self.stamp(first)))
        steps = [(first, ActionKind.EMAIL_SENT)]
        reply = first + _days(rng, 1, 14) if rng.random() < 0.35 else None
        follow_up = first + _days(rng, 7, 12)
        if rng.random() < 0.5 and (reply is None or reply > follow_up):
            steps.append((follow_up, ActionKind.FOLLOW_UP_SENT))
        if reply is not None:
            steps.append((reply, ActionKind.REPLY_RECEIVED))
            if rng.random() < 0.6:
                scheduled = reply + _days(rng, 0.1, 3)
                steps.append((scheduled, ActionKind.INTERVIEW_SCHEDULED))
                if rng.random() < 0.9:
                    done = scheduled + _days(rng, 2, 14)
                    steps.append((done, ActionKind.INTERVIEW_DONE))
                    if rng.random() < 0.8:
                        steps.append((done + _days(rng, 0.05, 2), ActionKind.THANK_YOU_SENT))
        for at, kind in sorted(steps):
            if at >= self._now_us:
                break
            events.append((at, m, contact_id, kind.value, 1))


def _days(rng: random.Random, low: float, high: float) -> int:
    return int(rng.uniform(low, high) * _DAY_US)


def _bulk_load(path: Path, rows: _Rows) -> None:
    """Insert every row in one transaction with the action indexes set aside.

    Building an index once is much faster than updating it a million times in random order;
    the indexes are recreated from their own stored SQL, so the schema ends up unchanged.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")
        schema_before = _schema(conn)
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'actions' "
            "AND type = 'index' AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        conn.executemany(
            "INSERT INTO workspaces (id, platform, external_id, name, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            rows.workspaces,
        )
        conn.executemany(
            "INSERT INTO cohorts (id, workspace_id, channel_id, name, timezone, week_start, "
            "email_goal, interview_goal, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.cohorts,
        )
        conn.executemany(
            "INSERT INTO members (id, workspace_id, user_id, display_name, cohort_id, email_goal, "
            "interview_goal, timezone, show_on_leaderboard, allow_mentions, reminders_by_dm, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.members,
        )
        conn.executemany(
            "INSERT INTO contacts (id, member_id, name, name_key, organization, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows.contacts,
        )
        conn.executemany(
            "INSERT INTO actions (id, member_id, cohort_id, contact_id, kind, count, note, "
            "occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows.actions,
        )
        # Undone the way /undo does it, so the undo triggers run too.
        conn.executemany("UPDATE actions SET undone_at = ? WHERE id = ?", rows.undos)
        for _, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        # The rows went in past the store, so each contact's kept state is worked out the
        # way migration 0004 does it for an existing database.
        conn.row_factory = sqlite3.Row
        conn.execute("BEGIN")
        backfill_contact_states(conn)
        conn.execute("COMMIT")
        conn.row_factory = None
        if _schema(conn) != schema_before:
            raise RuntimeError("the bulk load changed the schema")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"
    ).fetchall()
