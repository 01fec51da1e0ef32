"""The engine on a big database.

    python -m benchmarks.engine [--quick] [--actions N] [--db PATH] [--keep] [--database URL]

Builds a database of 10,000 members in 100 cohorts with 1,000,000 actions, then measures
through the real ``Engine`` and ``SqliteStore``:

- ``log_action`` throughput, sequential and with 50 concurrent callers, as a ratio against raw
  aiosqlite single-row INSERT+COMMIT into the same database in the same run, and each
  sequential call's p50 and p99 against the raw insert's (target p99 <= 3 ms);
- p50 and p99 latency of the leaderboard (week, month, all time), progress and contacts;
- each of those reads against a same-run replay of the best single hand-written SQL query for
  the same answer on the same database (``benchmarks/_sql.py``), interleaved call by call;
- the same comparison on a history-length curve: 1,000 members over 6 months, 2 years and
  8 years at the same density (actions per member per day), built once and cached in
  ``.bench/``.

With ``--actions N`` the main database holds N actions at the same density (100 a member over
two years, 100 members a cohort): ``--actions 10000000`` is 100,000 members.

With ``--database postgresql://…`` (an empty database) the same dataset is built in SQLite,
moved there with ``reachout copy-database`` (timed), and measured through ``PostgresStore``,
against raw asyncpg single-row INSERT+COMMIT into that database.

Figures are judged against a baseline measured in the same run because the machines this runs
on are noisy. Prints a Markdown table and exits 1 if a target is missed, so it works as a check.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import asyncpg

from benchmarks._dataset import (
    FULL,
    NAMED_SHARE,
    NOW,
    QUICK,
    BenchMember,
    Dataset,
    Scale,
    build_database,
    cached_copy,
    load_members,
    platform_scale,
)
from benchmarks._sql import QUERIES, Query, Replay, check
from bot.clock import ManualClock
from bot.engine import Engine
from bot.invocation import Invocation
from bot.models import ActionKind, Metric, Period
from bot.store import Store
from storage.connection import BUSY_TIMEOUT_MS, open_database, to_db
from storage.copying import TextProgress, copy_database
from storage.postgres.connection import connect, open_postgres
from storage.postgres.store import PostgresStore
from storage.repository import SqliteStore

SEED = 20251119
CALLERS = 50

BUILD_LIMIT_S = 60.0
"""For the full 1,000,000 actions; a bigger ``--actions`` database may take proportionally
longer."""
THROUGHPUT_FLOOR = 0.5
"""Logging through the engine must reach at least half the raw INSERT+COMMIT rate."""
LOG_P99_MS = 3.0
"""A logged email's own wait, one call at a time: the commit is on the write path, the WAL
checkpoint is not (issue 14)."""


@dataclass(frozen=True)
class Plan:
    """How big a database, and how much work to time on it."""

    scale: Scale
    logs: int
    rounds: int
    samples: int
    warmup: int


# Many short rounds, so bursts of load from other processes hit every kind of logging alike.
FULL_PLAN = Plan(FULL, logs=250, rounds=40, samples=1_000, warmup=100)
QUICK_PLAN = Plan(QUICK, logs=100, rounds=20, samples=200, warmup=50)

CURVE_DAYS = {"6 months": 182, "2 years": 730, "8 years": 2_920}
"""The history-length curve: the same members and density, a longer or shorter past."""
CURVE = Scale(members=1_000, cohorts=10, actions=100_000)
"""The standard density (100 actions per member in two years) on 1,000 members: a member's
read costs what their own history holds, so fewer members give the same per-read figures."""
QUICK_CURVE = Scale(members=200, cohorts=2, actions=20_000)
CHECKED = 20
"""Members whose engine answers each hand-written query is checked against, before timing."""

Read = Callable[[Engine, Invocation], Awaitable[object]]

READS: dict[str, tuple[Read, float | None]] = {
    "leaderboard week": (lambda e, i: e.leaderboard(i, Period.WEEK, Metric.INTERVIEWS), 20.0),
    "leaderboard month": (lambda e, i: e.leaderboard(i, Period.MONTH, Metric.INTERVIEWS), 20.0),
    "leaderboard all": (lambda e, i: e.leaderboard(i, Period.ALL, Metric.INTERVIEWS), 50.0),
    "progress": (lambda e, i: e.progress(i), 10.0),
    "contacts": (lambda e, i: e.contacts(i), None),
}
"""Each timed read with its p99 target in milliseconds (None: measured, no target)."""


@dataclass(frozen=True)
class Throughput:
    """Median logs per second, and the median and quartiles of the per-round baseline ratio."""

    per_second: float
    ratio: float
    lower_quartile: float
    upper_quartile: float


@dataclass(frozen=True)
class Latency:
    """Percentiles, not means: a slow command is what a member notices."""

    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class Versus:
    """One read through the engine and through its best single SQL query, call by call."""

    engine: Latency
    sql: Latency

    def ratios(self) -> str:
        return (
            f"{self.engine.p50_ms / self.sql.p50_ms:.1f}x / "
            f"{self.engine.p99_ms / self.sql.p99_ms:.1f}x"
        )


@dataclass(frozen=True)
class Results:
    """Everything one run measured, before it is judged against the targets."""

    baseline_per_second: float
    sequential: Throughput
    concurrent: Throughput
    latencies: dict[str, Latency]
    log_latency: Latency
    raw_latency: Latency
    versus_sql: dict[str, Versus] | None = None
    driver: str = "aiosqlite"


@dataclass
class Timings:
    """Each call's nanoseconds in the timed rounds: the engine's sequential logs and the raw
    baseline's INSERT+COMMITs."""

    logs: list[int] = field(default_factory=list)
    raw: list[int] = field(default_factory=list)


class _Logger:
    """Makes ``engine.log`` calls in the database's proportions: 30% name a contact.

    Logs go round-robin over every member, so nobody nears the daily cap; a third of the named
    logs write to one of the member's contacts again (an update), the rest add a new one.
    """

    def __init__(self, engine: Engine, people: Sequence[tuple[BenchMember, Invocation]]):
        self._engine = engine
        self._people = people
        self._count = 0

    async def log_next(self) -> None:
        i = self._count
        self._count += 1
        person, inv = self._people[i % len(self._people)]
        if i % 10 >= NAMED_SHARE * 10:
            await self._engine.record(inv, ActionKind.EMAIL_SENT)
        elif i % 10 == 0 and person.contacts:
            contact = person.contacts[i % len(person.contacts)]
            await self._engine.record(inv, ActionKind.EMAIL_SENT, contact=contact)
        else:
            await self._engine.record(
                inv, ActionKind.EMAIL_SENT, contact=f"Bench Contact {i}", organization="Acme Labs"
            )


async def measure(path: Path, dataset: Dataset, plan: Plan, url: str | None = None) -> Results:
    """Time reads on the database as built, then logs (which add rows to it)."""
    if url is None:
        async with open_database(path) as db:
            return await _measure(SqliteStore(db), path, None, dataset, plan)
    async with open_postgres(url, pool_size=CALLERS) as pg:
        return await _measure(PostgresStore(pg), path, url, dataset, plan)


async def _measure(
    store: Store, path: Path, url: str | None, dataset: Dataset, plan: Plan
) -> Results:
    rng = random.Random(SEED)
    engine = Engine(store, ManualClock(NOW), "UTC")
    people = []
    for person in dataset.members:
        inv = await engine.resolve(person.origin())
        if inv.member.id != person.id or inv.cohort.id != person.cohort_id:
            raise RuntimeError(f"resolve did not find member {person.id} as built")
        people.append((person, inv))
    rng.shuffle(people)
    invocations = [inv for _, inv in people]
    latencies = {
        name: await _latency(engine, read, invocations, rng, plan)
        for name, (read, _) in READS.items()
    }
    versus = None if url is not None else await versus_sql(engine, path, invocations, rng, plan)
    timings = Timings()
    baseline, sequential, concurrent = await _throughput(path, url, engine, people, plan, timings)
    return Results(
        baseline_per_second=statistics.median(baseline),
        sequential=_relative(sequential, baseline),
        concurrent=_relative(concurrent, baseline),
        latencies=latencies,
        log_latency=_summary(timings.logs),
        raw_latency=_summary(timings.raw),
        versus_sql=versus,
        driver="aiosqlite" if url is None else "asyncpg",
    )


async def versus_sql(
    engine: Engine, path: Path, invocations: list[Invocation], rng: random.Random, plan: Plan
) -> dict[str, Versus]:
    """Each read through the engine and as its hand-written query, alternating call by call.

    Both run on the event loop's thread against the same file, the engine first on even
    samples and the query first on odd ones, so a burst of load or a warm cache favours
    neither. Each query is first checked to hold the engine's answer.
    """
    replay = Replay(path)
    try:
        found = {}
        for name, (read, _) in READS.items():
            query = QUERIES[name]
            for inv in invocations[:CHECKED]:
                check(name, await read(engine, inv), query(replay, inv), inv)
            for _ in range(plan.warmup):
                inv = rng.choice(invocations)
                await read(engine, inv)
                query(replay, inv)
            ours, theirs = [], []
            for sample in range(plan.samples):
                inv = rng.choice(invocations)
                if sample % 2:
                    theirs.append(_timed_query(query, replay, inv))
                ours.append(await _timed_read(read, engine, inv))
                if not sample % 2:
                    theirs.append(_timed_query(query, replay, inv))
            found[name] = Versus(_summary(ours), _summary(theirs))
    finally:
        replay.close()
    return found


async def _timed_read(read: Read, engine: Engine, inv: Invocation) -> int:
    start = time.perf_counter_ns()
    await read(engine, inv)
    return time.perf_counter_ns() - start


def _timed_query(query: Query, replay: Replay, inv: Invocation) -> int:
    start = time.perf_counter_ns()
    query(replay, inv)
    return time.perf_counter_ns() - start


def _summary(timings: list[int]) -> Latency:
    return Latency(_percentile(timings, 50) / 1e6, _percentile(timings, 99) / 1e6)


def history_curve(curve: Scale, plan: Plan) -> dict[str, tuple[Scale, dict[str, Versus]]]:
    """The reads against their queries on databases of the same density, longer and longer."""
    found = {}
    for label, days in CURVE_DAYS.items():
        scale = curve.over(days)
        folder = Path(tempfile.mkdtemp(prefix="reachout-curve-"))
        try:
            path = cached_copy(scale, SEED, NOW, folder)
            found[label] = (scale, asyncio.run(_curve_point(path, plan)))
        finally:
            shutil.rmtree(folder)
        print(f"curve: {label} measured", flush=True)
    return found


async def _curve_point(path: Path, plan: Plan) -> dict[str, Versus]:
    members = load_members(path)
    async with open_database(path) as db:
        engine = Engine(SqliteStore(db), ManualClock(NOW), "UTC")
        invocations = [await engine.resolve(m.origin()) for m in members]
        rng = random.Random(SEED)
        rng.shuffle(invocations)
        return await versus_sql(engine, path, invocations, rng, plan)


def _relative(rates: list[float], baseline: list[float]) -> Throughput:
    """The median rate, and each round's ratio to the baseline measured in that round.

    Pairing each round with the baseline measured just before it cancels the machine's
    changes of speed (other tenants, thermal limits) that a ratio of overall medians would
    not; the quartiles of the ratios show how noisy the run was.
    """
    ratios = [ours / raw for ours, raw in zip(rates, baseline, strict=True)]
    lower, middle, upper = statistics.quantiles(ratios, n=4)
    return Throughput(statistics.median(rates), middle, lower, upper)


async def _latency(
    engine: Engine, read: Read, invocations: list[Invocation], rng: random.Random, plan: Plan
) -> Latency:
    for _ in range(plan.warmup):
        await read(engine, rng.choice(invocations))
    timings = []
    for _ in range(plan.samples):
        inv = rng.choice(invocations)
        start = time.perf_counter_ns()
        await read(engine, inv)
        timings.append(time.perf_counter_ns() - start)
    return Latency(_percentile(timings, 50) / 1e6, _percentile(timings, 99) / 1e6)


def _percentile(values: list[int], p: int) -> float:
    """Nearest-rank percentile: a value that was actually observed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def _throughput(
    path: Path,
    url: str | None,
    engine: Engine,
    people: Sequence[tuple[BenchMember, Invocation]],
    plan: Plan,
    timings: Timings,
) -> tuple[list[float], list[float], list[float]]:
    """Rounds of raw baseline, sequential and concurrent logging, each ``plan.logs`` rows;
    each sequential log's and raw insert's own time goes into ``timings``."""
    if url is not None:
        return await _postgres_throughput(url, engine, people, plan, timings)
    logger = _Logger(engine, people)
    raw = await aiosqlite.connect(path, isolation_level="IMMEDIATE")
    try:
        # The same settings the bot's own connections use, so only the code path differs.
        for pragma in (
            f"busy_timeout = {BUSY_TIMEOUT_MS}",
            "foreign_keys = ON",
            "synchronous = NORMAL",
        ):
            await raw.execute_fetchall(f"PRAGMA {pragma}")
        # Round-robin over the members too: these rows count towards their daily cap.
        rows = itertools.cycle([(inv.member.id, inv.cohort.id) for _, inv in people])
        await _raw_inserts(raw, rows, plan.warmup)
        for _ in range(plan.warmup):
            await logger.log_next()
        baseline, sequential, concurrent = [], [], []
        for _ in range(plan.rounds):
            baseline.append(plan.logs / await _raw_inserts(raw, rows, plan.logs, timings.raw))
            sequential.append(
                plan.logs / await _timed(_sequential(logger, plan.logs, timings.logs))
            )
            concurrent.append(plan.logs / await _timed(_concurrent(logger, plan.logs)))
    finally:
        await raw.close()
    return baseline, sequential, concurrent


async def _raw_inserts(
    conn: aiosqlite.Connection,
    rows: Iterator[tuple[int, int]],
    n: int,
    timings: list[int] | None = None,
) -> float:
    """Seconds for ``n`` single-row INSERT+COMMITs of unnamed emails: the baseline."""
    occurred_at = to_db(NOW)
    start = time.perf_counter_ns()
    for member_id, cohort_id in itertools.islice(rows, n):
        began = time.perf_counter_ns()
        await conn.execute(
            "INSERT INTO actions (member_id, cohort_id, contact_id, kind, count, note, "
            "occurred_at) VALUES (?, ?, NULL, 'email_sent', 1, '', ?)",
            (member_id, cohort_id, occurred_at),
        )
        await conn.commit()
        if timings is not None:
            timings.append(time.perf_counter_ns() - began)
    return (time.perf_counter_ns() - start) / 1e9


async def _postgres_throughput(
    url: str,
    engine: Engine,
    people: Sequence[tuple[BenchMember, Invocation]],
    plan: Plan,
    timings: Timings,
) -> tuple[list[float], list[float], list[float]]:
    """As ``_throughput``, with raw asyncpg single-row INSERT+COMMIT as the baseline."""
    logger = _Logger(engine, people)
    raw = await connect(url)
    try:
        rows = itertools.cycle([(inv.member.id, inv.cohort.id) for _, inv in people])
        await _raw_postgres_inserts(raw, rows, plan.warmup)
        for _ in range(plan.warmup):
            await logger.log_next()
        baseline, sequential, concurrent = [], [], []
        for _ in range(plan.rounds):
            baseline.append(
                plan.logs / await _raw_postgres_inserts(raw, rows, plan.logs, timings.raw)
            )
            sequential.append(
                plan.logs / await _timed(_sequential(logger, plan.logs, timings.logs))
            )
            concurrent.append(plan.logs / await _timed(_concurrent(logger, plan.logs)))
    finally:
        await raw.close()
    return baseline, sequential, concurrent


async def _raw_postgres_inserts(
    conn: asyncpg.Connection,
    rows: Iterator[tuple[int, int]],
    n: int,
    timings: list[int] | None = None,
) -> float:
    """Seconds for ``n`` single-row INSERT+COMMITs (autocommit) of unnamed emails."""
    start = time.perf_counter_ns()
    for member_id, cohort_id in itertools.islice(rows, n):
        began = time.perf_counter_ns()
        await conn.execute(
            "INSERT INTO actions (member_id, cohort_id, contact_id, kind, count, note, "
            "occurred_at) VALUES ($1, $2, NULL, 'email_sent', 1, '', $3)",
            member_id,
            cohort_id,
            NOW,
        )
        if timings is not None:
            timings.append(time.perf_counter_ns() - began)
    return (time.perf_counter_ns() - start) / 1e9


async def _timed(work: Awaitable[None]) -> float:
    start = time.perf_counter_ns()
    await work
    return (time.perf_counter_ns() - start) / 1e9


async def _sequential(logger: _Logger, n: int, timings: list[int]) -> None:
    for _ in range(n):
        began = time.perf_counter_ns()
        await logger.log_next()
        timings.append(time.perf_counter_ns() - began)


async def _concurrent(logger: _Logger, n: int) -> None:
    """``CALLERS`` tasks sharing the one engine, as a busy bot's command handlers would."""
    remaining = n

    async def caller() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await logger.log_next()

    await asyncio.gather(*(caller() for _ in range(CALLERS)))


@dataclass(frozen=True)
class Line:
    """One row of the printed table; ``passed`` is None where there is no target."""

    measure: str
    figure: str
    versus_baseline: str
    target: str
    passed: bool | None


def build_limit(scale: Scale) -> float:
    """Seconds the build of ``scale`` may take: the full size's limit, or more for more."""
    return BUILD_LIMIT_S * max(1.0, scale.actions / FULL.actions)


def report(scale: Scale, dataset: Dataset, results: Results) -> list[Line]:
    """The table: every figure, its ratio to the same-run baseline, and its target."""
    insert_ms = 1000 / results.baseline_per_second
    lines = [
        Line(
            f"build: {scale.members:,} members, {scale.cohorts} cohorts, {scale.actions:,} actions",
            f"{dataset.build_seconds:.1f} s",
            "",
            f"< {build_limit(scale):.0f} s",
            dataset.build_seconds < build_limit(scale),
        ),
        Line(
            f"log: raw {results.driver} INSERT+COMMIT (baseline)",
            f"{results.baseline_per_second:,.0f}/s",
            "1.00x",
            "",
            None,
        ),
    ]
    for name, throughput in (
        ("log_action, sequential", results.sequential),
        (f"log_action, {CALLERS} concurrent callers", results.concurrent),
    ):
        lines.append(
            Line(
                name,
                f"{throughput.per_second:,.0f}/s",
                f"{throughput.ratio:.2f}x (IQR {throughput.lower_quartile:.2f}-"
                f"{throughput.upper_quartile:.2f})",
                f">= {THROUGHPUT_FLOOR:.2f}x",
                throughput.ratio >= THROUGHPUT_FLOOR,
            )
        )
    own, raw = results.log_latency, results.raw_latency
    lines.append(
        Line(
            "log_action, sequential, p50 / p99",
            f"{own.p50_ms:.2f} / {own.p99_ms:.2f} ms",
            f"raw {raw.p50_ms:.2f} / {raw.p99_ms:.2f} ms: "
            f"{own.p50_ms / raw.p50_ms:.1f}x / {own.p99_ms / raw.p99_ms:.1f}x",
            f"p99 <= {LOG_P99_MS:.0f} ms",
            own.p99_ms <= LOG_P99_MS,
        )
    )
    for name, (_, limit_ms) in READS.items():
        latency = results.latencies[name]
        lines.append(
            Line(
                f"{name}, p50 / p99",
                f"{latency.p50_ms:.2f} / {latency.p99_ms:.2f} ms",
                f"{latency.p50_ms / insert_ms:.1f} / {latency.p99_ms / insert_ms:.1f} inserts",
                "" if limit_ms is None else f"p99 <= {limit_ms:.0f} ms",
                None if limit_ms is None else latency.p99_ms <= limit_ms,
            )
        )
    return lines


def curve_table(
    main: tuple[Scale, dict[str, Versus]] | None,
    curve: dict[str, tuple[Scale, dict[str, Versus]]],
) -> str:
    """Engine against the best single SQL, read by read, for each history length."""
    header = "| history | read | engine p50 / p99 | best SQL p50 / p99 | engine ÷ SQL p50 / p99 |"
    lines = [header, "|---|---|---:|---:|---:|"]
    rows = ([("2 years (the main dataset)", *main)] if main else []) + [
        (label, *found) for label, found in curve.items()
    ]
    for label, scale, versus in rows:
        place = f"{label}: {scale.members:,} members, {scale.actions:,} actions"
        for name, v in versus.items():
            lines.append(
                f"| {place} | {name} | {v.engine.p50_ms:.2f} / {v.engine.p99_ms:.2f} ms | "
                f"{v.sql.p50_ms:.2f} / {v.sql.p99_ms:.2f} ms | {v.ratios()} |"
            )
    return "\n".join(lines)


def render(lines: list[Line]) -> str:
    """A Markdown table, readable in a terminal and ready to paste into docs/benchmarks.md."""
    header = ("measure", "result", "vs baseline", "target", "")
    cells = [header] + [
        (
            line.measure,
            line.figure,
            line.versus_baseline,
            line.target,
            "" if line.passed is None else "PASS" if line.passed else "FAIL",
        )
        for line in lines
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    aligns = ("<", ">", ">", "<", "<")

    def row(values: Sequence[str]) -> str:
        padded = (f"{v:{a}{w}}" for v, a, w in zip(values, aligns, widths, strict=True))
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":" if a == ">" else "-" * (w + 2))
            for a, w in zip(aligns, widths, strict=True)
        )
        + "|"
    )
    return "\n".join([row(cells[0]), rule, *(row(c) for c in cells[1:])])


def machine() -> str:
    """What the figures were measured on, for docs/benchmarks.md."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for text in cpuinfo.read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, aiosqlite {aiosqlite.__version__}; "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.engine",
        description=(__doc__ or "").partition("\n\n")[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a small run ({QUICK.members:,} members, {QUICK.actions:,} actions) to develop with",
    )
    parser.add_argument(
        "--db", type=Path, metavar="PATH", help="build the database here (must not exist)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="measure on this empty PostgreSQL database instead (postgresql://…)",
    )
    parser.add_argument(
        "--actions",
        type=int,
        metavar="N",
        help="the full run on N actions at the same density (10,000,000: 100,000 members)",
    )
    parser.add_argument(
        "--no-curve",
        action="store_true",
        help="skip the history-length curve (6 months to 8 years)",
    )
    args = parser.parse_args(argv)
    if args.database is not None and not args.database.startswith(("postgresql:", "postgres:")):
        parser.error("--database: give a postgresql:// URL (SQLite is the default)")
    if args.actions is not None and (args.actions < 1 or args.quick):
        parser.error("--actions: give a number of actions above 0, without --quick")
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    if args.actions is not None:
        plan = replace(plan, scale=platform_scale(args.actions))
    if args.db is not None:
        if args.db.exists():
            parser.error(f"--db: {args.db} already exists; the benchmark builds a new database")
        if not args.db.parent.is_dir():
            parser.error(f"--db: the folder {args.db.parent} does not exist")
        path, folder = args.db, None
    else:
        folder = Path(tempfile.mkdtemp(prefix="reachout-bench-"))
        path = folder / "engine.db"
    try:
        print(f"machine: {machine()}", flush=True)
        dataset = build_database(path, plan.scale, SEED)
        print(f"built {path} in {dataset.build_seconds:.1f} s", flush=True)
        if args.database is not None:
            started = time.perf_counter()
            asyncio.run(copy_database(str(path), args.database, TextProgress()))
            print(f"copy-database to PostgreSQL: {time.perf_counter() - started:.1f} s")
        print("measuring...", flush=True)
        results = asyncio.run(measure(path, dataset, plan, args.database))
        lines = report(plan.scale, dataset, results)
    finally:
        if args.keep:
            print(f"database kept at {path}")
        elif folder is not None:
            shutil.rmtree(folder)
        else:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
    print(render(lines))
    if args.database is None and not args.no_curve:
        curve = history_curve(QUICK_CURVE if args.quick else CURVE, plan)
        main_versus = None if results.versus_sql is None else (plan.scale, results.versus_sql)
        print()
        print(curve_table(main_versus, curve))
    failed = [line.measure for line in lines if line.passed is False]
    if failed:
        print(f"FAILED: {'; '.join(failed)}")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
