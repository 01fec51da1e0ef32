"""``reachout``: the command line, and the one place that wires concrete pieces together.

Adapters are loaded by name, so ``bot`` never imports a platform library. PostgreSQL's
modules (asyncpg) and ``copy-database``'s are imported where a command needs them, so a bot
on SQLite never loads them (about 3 MB). The health server and the Prometheus client are
loaded only when ``REACHOUT_HEALTH_PORT`` asks for them (1.5-3.5 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import shlex
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

import aiohttp

from bot import __version__
from bot.charts.renderer import ChartRenderer
from bot.clock import Clock, SystemClock
from bot.collector import tune_for_serving
from bot.commands.catalog import build_registry
from bot.commands.dispatch import Dispatcher
from bot.commands.registry import Registry
from bot.config import (
    CORE_SETTINGS,
    ConfigError,
    Settings,
    load_settings,
    setting_names,
    unknown_settings,
    url_password,
)
from bot.doctor import Check, Status, needs_fixing, render, settings_checks
from bot.engine import Engine
from bot.health.endpoints import HEALTH_PATH, Snapshot
from bot.health.status import PlatformStatus
from bot.logs import configure_logging
from bot.nudges.courier import Courier
from bot.nudges.lease import Lease, LeasedWakeups, LeaseLost
from bot.nudges.ledger import Ledger
from bot.nudges.wakeups import Wakeups
from bot.port import AdapterPort
from bot.runtime import Runtime
from bot.store import Store
from bot.supervisor import RETRY_BACKOFF, Backoff, EveryPlatformRefused, supervise
from bot.timezones import UnknownTimezone, require_timezone
from storage.connection import Database, open_database
from storage.health import database_problem, delivery_counts, inspect_database
from storage.lease import FileLease
from storage.ledger import SqliteLedger
from storage.repository import SqliteStore
from storage.schema import SchemaTooNew, available_migrations
from storage.upgrade import Upgrade, UpgradeFailed, pending, upgrade

if TYPE_CHECKING:
    from bot.health.server import HealthServer

log = logging.getLogger("reachout")

EXIT_USAGE = 2
HEALTH_CHECK_SECONDS = 5.0

PLATFORMS = {"discord": "adapters.discord", "slack": "adapters.slack"}
CREDENTIALS = {
    "discord": ("DISCORD_TOKEN",),
    "slack": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"),
}
"""Settings whose presence asks ``reachout run`` to start a platform."""
CONSOLE = "adapters.console"


class PlatformModule(Protocol):
    """What ``reachout run`` needs from a platform adapter module."""

    SETTINGS: tuple[str, ...]
    """The names of the settings the adapter reads."""

    def check_settings(self, settings: Settings) -> None:
        """Raise ``ConfigError`` for a malformed setting, before anything connects."""
        ...

    async def serve(self, port: AdapterPort, settings: Settings) -> None: ...

    async def doctor(self, settings: Settings) -> list[Check]:
        """``reachout doctor``'s rows for this platform, with a real credentials check."""
        ...


class DiscordModule(Protocol):
    """What ``reachout discord`` needs from the Discord adapter."""

    async def invite_url(self, settings: Settings) -> str: ...


class ConsoleModule(Protocol):
    """What ``reachout console`` needs from the console adapter."""

    async def serve_console(
        self, port: AdapterPort, name: str, timezone: str | None, *, files_dir: Path
    ) -> None: ...


class SlackModule(Protocol):
    """What ``reachout slack manifest`` needs from the Slack adapter."""

    def manifest_text(self, registry: Registry, http_url: str | None, fmt: str) -> str: ...


class CliError(Exception):
    """A clean one-line failure with an exit status."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status


@asynccontextmanager
async def open_store(settings: Settings, *, upgrade_schema: bool = True) -> AsyncIterator[Database]:
    """The database, migrated (after a backup); a file that isn't one is one clear error."""
    async with AsyncExitStack() as stack:
        try:
            db = await stack.enter_async_context(open_database(settings.database))
            if upgrade_schema:
                _report_upgrade(settings, await upgrade(db, __version__), print_it=False)
        except (SchemaTooNew, UpgradeFailed) as problem:
            raise CliError(f"REACHOUT_DATABASE: {problem}") from None
        except sqlite3.DatabaseError as problem:
            raise CliError(
                f"REACHOUT_DATABASE: cannot use {settings.database} as a reachout database "
                f"({problem})"
            ) from None
        yield db


def _report_upgrade(settings: Settings, done: Upgrade, *, print_it: bool) -> None:
    """Say what an upgrade did: on standard output for ``migrate``, in the log otherwise."""
    lines = []
    if done.backup is not None:
        lines.append(f"Backed up {settings.database} to {done.backup} before migrating")
    if done.after != done.before:
        lines.append(f"{settings.database}: schema {done.before} -> {done.after}")
    for line in lines:
        if print_it:
            print(line)
        else:
            log.info("%s", line)


@dataclass(frozen=True)
class DatabaseProbe:
    """The health checks of whichever database the core runs on, for ``/healthz``."""

    problem: Callable[[], Awaitable[str | None]]
    """None while the database answers in time; else why not."""
    deliveries: Callable[[], Awaitable[list[tuple[str, str, int]]]]
    """(kind, status, count) of the deliveries ledger."""


@asynccontextmanager
async def _open_backend(settings: Settings) -> AsyncIterator[tuple[Store, Ledger, DatabaseProbe]]:
    """The store, ledger and health probe of ``REACHOUT_DATABASE``: PostgreSQL for a URL,
    else SQLite (upgraded after a backup)."""
    if settings.database_url is not None:
        from storage.postgres import health as postgres_health
        from storage.postgres import wiring as postgres_wiring

        try:
            async with postgres_wiring.open_storage(settings) as (store, ledger, pool):
                yield (
                    store,
                    ledger,
                    DatabaseProbe(
                        partial(postgres_health.database_problem, pool),
                        partial(postgres_health.delivery_counts, pool),
                    ),
                )
        except postgres_wiring.Unusable as problem:
            raise CliError(f"REACHOUT_DATABASE: {problem}") from None
        return
    async with open_store(settings) as db:
        probe = DatabaseProbe(partial(database_problem, db), partial(delivery_counts, db))
        yield SqliteStore(db), SqliteLedger(db), probe


@asynccontextmanager
async def open_storage(settings: Settings) -> AsyncIterator[tuple[Store, Ledger]]:
    """The store and ledger of ``REACHOUT_DATABASE``, migrated; closed on exit."""
    async with _open_backend(settings) as (store, ledger, _):
        yield store, ledger


def scheduler_lease(settings: Settings) -> Lease:
    """What makes one process of those on the database run the scheduler."""
    if settings.database_url is not None:
        from storage.postgres import wiring as postgres_wiring

        return postgres_wiring.scheduler_lease(settings)
    return FileLease(settings.database)


@asynccontextmanager
async def open_core(
    settings: Settings, clock: Clock | None = None
) -> AsyncIterator[tuple[Runtime, DatabaseProbe]]:
    """Open and migrate the database and build the core on it; close everything on exit."""
    async with _open_backend(settings) as (store, ledger, probe):
        registry = build_registry()
        clock = clock or SystemClock()
        charts = ChartRenderer()
        courier = Courier(store, ledger, clock, charts=charts)
        engine = Engine(
            store, clock, settings.timezone, ledger=ledger, courier=courier, charts=charts
        )
        # Commands are counted only where /metrics can be read; else the client is not loaded.
        metrics = None
        if settings.health_port is not None:
            from bot.health.metrics import Metrics

            metrics = Metrics()
        status = PlatformStatus()
        dispatcher = Dispatcher(engine, registry, on_handled=metrics.observe if metrics else None)
        port = AdapterPort(engine, dispatcher, registry, courier, status)
        runtime = Runtime(
            settings,
            clock,
            store,
            engine,
            registry,
            dispatcher,
            ledger,
            courier,
            port,
            status,
            metrics,
        )
        yield runtime, probe


@asynccontextmanager
async def open_runtime(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Runtime]:
    """The core, for callers that never need the database itself."""
    async with open_core(settings, clock) as (runtime, _):
        yield runtime


async def health_snapshot(runtime: Runtime, probe: DatabaseProbe) -> Snapshot:
    """What ``/healthz`` and ``/metrics`` report, read when asked."""
    next_due = runtime.courier.next_due
    lag = (runtime.clock.now() - next_due).total_seconds() if next_due is not None else 0.0
    return Snapshot(
        database_problem=await probe.problem(),
        platform_problems=await runtime.status.problems(),
        deliveries=await probe.deliveries(),
        scheduler_lag=max(lag, 0.0),
    )


@asynccontextmanager
async def health_server(
    runtime: Runtime, probe: DatabaseProbe
) -> AsyncIterator[HealthServer | None]:
    """``/healthz`` and ``/metrics`` while the block runs, if ``REACHOUT_HEALTH_PORT`` is set."""
    settings = runtime.settings
    if settings.health_port is None or runtime.metrics is None:
        yield None
        return
    from bot.health.server import HealthServer

    server = HealthServer(
        settings.health_host,
        settings.health_port,
        partial(health_snapshot, runtime, probe),
        runtime.metrics,
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def _console(settings: Settings, args: argparse.Namespace) -> int:
    console: ConsoleModule = importlib.import_module(CONSOLE)
    timezone = None
    if args.timezone:
        try:
            timezone = require_timezone(args.timezone)
        except UnknownTimezone as unknown:
            raise CliError(f"--timezone: {unknown}") from None
    name = args.as_name or os.environ.get("USER", "").capitalize() or "You"
    async with open_runtime(settings) as runtime:
        # Exports and charts go beside the SQLite file; on PostgreSQL, in the working folder.
        files_dir = settings.database.resolve().parent
        await console.serve_console(runtime.port, name, timezone, files_dir=files_dir)
    return 0


async def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    if args.check:
        return await _migrate_check(settings)
    if settings.database_url is not None:
        from storage.postgres import wiring as postgres_wiring

        try:
            before, after = await postgres_wiring.migrate_database(settings)
        except postgres_wiring.Unusable as problem:
            raise CliError(f"REACHOUT_DATABASE: {problem}") from None
        said = f"schema {before} -> {after}" if after != before else f"schema {before}, up to date"
        print(f"{settings.database_label}: {said}")
        return 0
    async with open_store(settings, upgrade_schema=False) as db:
        try:
            done = await upgrade(db, __version__)
        except (SchemaTooNew, UpgradeFailed, sqlite3.DatabaseError) as problem:
            raise CliError(f"REACHOUT_DATABASE: {problem}") from None
    _report_upgrade(settings, done, print_it=True)
    if done.after == done.before:
        print(f"{settings.database}: schema {done.before}, up to date")
    return 0


EXIT_PENDING = 1


async def _migrate_check(settings: Settings) -> int:
    """For deploy scripts: 0 when up to date, 1 when migrations are pending; changes nothing."""
    if settings.database_url is not None:
        from storage.postgres import wiring as postgres_wiring

        try:
            state = await postgres_wiring.pending_migrations(settings)
        except postgres_wiring.Unusable as problem:
            raise CliError(f"REACHOUT_DATABASE: {problem}") from None
    elif not settings.database.exists():
        print(f"{settings.database}: does not exist yet; reachout migrate creates it")
        return EXIT_PENDING
    else:
        async with open_store(settings, upgrade_schema=False) as db:
            try:
                state = await pending(db)
            except (SchemaTooNew, sqlite3.DatabaseError) as problem:
                raise CliError(f"REACHOUT_DATABASE: {problem}") from None
    label = settings.database_label
    if not state.migrations:
        print(f"{label}: schema {state.version}, up to date")
        return 0
    names = ", ".join(m.name for m in state.migrations)
    print(
        f"{label}: schema {state.version}, {len(state.migrations)} pending "
        f"({names}); run reachout migrate"
    )
    return EXIT_PENDING


def _backup_target(settings: Settings, path: str) -> Path:
    """Refuse to overwrite anything, and to back up a database that isn't there."""
    target = Path(path)
    if target.exists():
        raise CliError(f"{target} already exists; choose a new file name for the backup")
    if not target.parent.is_dir():
        raise CliError(f"cannot write {target}: the folder {target.parent} does not exist")
    if not settings.database.exists():
        raise CliError(f"REACHOUT_DATABASE: {settings.database} does not exist yet")
    return target


async def _backup(settings: Settings, args: argparse.Namespace) -> int:
    if settings.database_url is not None:
        from storage.postgres import wiring as postgres_wiring

        command = postgres_wiring.pg_dump_command(settings.database_url, args.path)
        print(
            "reachout backs up SQLite only; for PostgreSQL use pg_dump, which takes a "
            "consistent copy while the bot runs (restore with pg_restore):",
            file=sys.stderr,
        )
        print(shlex.join(command))
        return 1
    target = _backup_target(settings, args.path)
    async with open_store(settings, upgrade_schema=False) as db:
        db.backup_to(target)
    print(f"Backed up {settings.database} to {target}")
    return 0


async def _copy_database(settings: Settings, args: argparse.Namespace) -> int:
    from storage import copying

    try:
        counts = await copying.copy_database(args.source, args.target, copying.TextProgress())
    except copying.CopyRefused as refused:
        raise CliError(f"copy-database: {refused}; nothing was copied") from None
    except copying.CountsDiffer as differ:
        print("\n".join(copying.render_counts(differ.counts)))
        raise CliError(f"copy-database: {differ}", status=1) from None
    except SchemaTooNew as problem:
        raise CliError(f"copy-database: {problem}") from None
    except copying.PROBLEMS as problem:
        message = str(problem)
        for password in filter(None, map(url_password, (args.source, args.target))):
            message = message.replace(password, "********")
        raise CliError(f"copy-database: {message}", status=1) from None
    print("\n".join(copying.render_counts(counts)))
    print(f"Copied {sum(c.target for c in counts):,} rows in {len(counts)} tables.")
    return 0


def configured_platforms(settings: Settings) -> list[str]:
    """Platforms whose credentials are set; adapters validate the rest when they start."""
    return [name for name, keys in CREDENTIALS.items() if any(settings.values.get(k) for k in keys)]


def _adapter(name: str) -> ModuleType:
    try:
        return importlib.import_module(PLATFORMS[name])
    except ModuleNotFoundError as missing:
        if missing.name != PLATFORMS[name]:
            raise
        raise CliError(f"{name} support is not part of this version of reachout yet") from None


def _platform(name: str) -> PlatformModule:
    module: PlatformModule = _adapter(name)
    return module


async def _discord(settings: Settings, args: argparse.Namespace) -> int:
    discord_adapter: DiscordModule = _adapter("discord")
    print(await discord_adapter.invite_url(settings))
    return 0


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    wanted = configured_platforms(settings)
    if not wanted:
        raise CliError(
            "no platform is configured. Set DISCORD_TOKEN for Discord, or SLACK_BOT_TOKEN "
            "with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP) for Slack, in "
            "the environment or .env (see .env.example). To try reachout without an account, "
            "run: reachout console"
        )
    modules = {name: _platform(name) for name in wanted}
    problems = []
    for module in modules.values():
        try:
            module.check_settings(settings)
        except ConfigError as problem:
            problems.append(str(problem))
    if problems:
        raise CliError("\n".join(problems))
    tune_for_serving()
    async with open_core(settings) as (runtime, probe), health_server(runtime, probe):
        log.info("starting %s", ", ".join(wanted))
        await serve_platforms(runtime, modules)
    return 0


async def serve_platforms(
    runtime: Runtime, modules: dict[str, PlatformModule], backoff: Backoff = RETRY_BACKOFF
) -> None:
    """Every platform, and the wake-ups while this process holds the scheduler lease, until
    SIGINT or SIGTERM; retry a platform that fails."""
    settings = runtime.settings
    wakeups = LeasedWakeups(
        Wakeups(runtime.courier), scheduler_lease(settings), settings.standby_seconds
    )
    await wakeups.start()
    platforms = {
        name: partial(module.serve, runtime.port, settings) for name, module in modules.items()
    }
    serving = [
        asyncio.create_task(supervise(platforms, runtime.status, backoff)),
        asyncio.create_task(_watch_lease(wakeups)),
    ]
    try:
        await _until_stopped(serving)
    finally:
        # Deliveries in flight finish while the platforms are still connected.
        await wakeups.stop()
        for task in serving:
            task.cancel()
        await asyncio.gather(*serving, return_exceptions=True)
    for task in serving:
        if not task.cancelled() and (error := task.exception()) is not None:
            if isinstance(error, EveryPlatformRefused):
                raise CliError(str(error)) from None
            raise error


async def _watch_lease(wakeups: LeasedWakeups) -> None:
    """Ends only if the scheduler lease is lost, as a clean one-line failure."""
    try:
        await wakeups.watch()
    except LeaseLost as lost:
        raise CliError(str(lost), status=1) from None


async def _until_stopped(serving: list[asyncio.Task[None]]) -> None:
    """Wait for SIGINT or SIGTERM, or for a platform to stop on its own (an error)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        # Windows has no signal handlers; a loop off the main thread cannot install them.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal_number, stop.set)
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([*serving, stopping], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal_number)


async def _health(settings: Settings, args: argparse.Namespace) -> int:
    """For a container's HEALTHCHECK: ask the running bot's ``/healthz``; 0 only if healthy."""
    if settings.health_port is None:
        raise CliError(
            "REACHOUT_HEALTH_PORT: not set, so the running bot serves no /healthz; set it "
            "(e.g. 8080) for both the bot and this check",
            status=1,
        )
    host = settings.health_host
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - listening everywhere: ask it locally
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{settings.health_port}{HEALTH_PATH}"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HEALTH_CHECK_SECONDS)) as s,
            s.get(url) as response,
        ):
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        raise CliError(f"no answer from {url} ({type(error).__name__})", status=1) from None
    if response.status == 200:
        print(f"healthy: {', '.join(f'{k} {v}' for k, v in body['platforms'].items())}")
        return 0
    raise CliError(f"unhealthy: {'; '.join(body.get('problems', []))}", status=1)


async def _doctor(settings: Settings, args: argparse.Namespace) -> int:
    checks = settings_checks(settings, _unknown_setting_warnings())
    if settings.database_url is not None:
        checks += await _postgres_checks(settings)
    else:
        checks += _database_checks(settings.database)
    for name in PLATFORMS:
        checks += await _platform(name).doctor(settings)
    print(render(checks), end="")
    return 1 if needs_fixing(checks) else 0


def _doctor_without_settings(problem: ConfigError) -> int:
    """A bad setting is a row of the table too; the checks that need settings wait for it."""
    checks = [Check("settings", Status.FIX, str(problem))]
    checks += [Check("settings", Status.WARN, w) for w in _unknown_setting_warnings()]
    checks += [
        Check(name, Status.OFF, "not checked: fix the settings first")
        for name in ("database", *PLATFORMS)
    ]
    print(render(checks), end="")
    return 1


async def _postgres_checks(settings: Settings) -> list[Check]:
    """The server answers, and the schema's state; read-only, nothing is migrated here."""
    from storage.postgres import wiring as postgres_wiring

    label = settings.database_label
    try:
        state = await postgres_wiring.pending_migrations(settings)
    except postgres_wiring.Unusable as problem:
        return [Check("database", Status.FIX, str(problem))]
    if state.migrations:
        return [
            Check(
                "database",
                Status.WARN,
                f"{label}: answers, schema {state.version} with {len(state.migrations)} "
                "migration(s) pending (applied at the next start, or run reachout migrate)",
            )
        ]
    return [Check("database", Status.OK, f"{label}: answers, schema {state.version} (up to date)")]


def _database_checks(path: Path) -> list[Check]:
    """Integrity, schema version and WAL size, read-only; nothing is migrated here."""
    if not path.exists():
        return [
            Check("database", Status.WARN, f"{path} does not exist yet; reachout run creates it")
        ]
    try:
        report = inspect_database(path)
    except sqlite3.DatabaseError as problem:
        return [Check("database", Status.FIX, f"cannot use {path} as a database ({problem})")]
    known = len(available_migrations())
    wal = f"WAL {report.wal_bytes / 1024:.0f} KiB"
    if report.integrity != "ok":
        return [
            Check(
                "database",
                Status.FIX,
                f"{path} failed its integrity check ({report.integrity}); stop reachout and "
                "restore the latest backup (docs/deploy.md)",
            )
        ]
    if report.schema_version > known:
        return [
            Check(
                "database",
                Status.FIX,
                f"{path} is at schema {report.schema_version}, newer than this reachout "
                f"({known}); upgrade reachout",
            )
        ]
    if report.schema_version < known:
        pending_count = known - report.schema_version
        return [
            Check(
                "database",
                Status.WARN,
                f"{path}: integrity ok, schema {report.schema_version} with {pending_count} "
                f"migration(s) pending (applied after a backup at the next start, or run "
                f"reachout migrate), {wal}",
            )
        ]
    return [
        Check(
            "database",
            Status.OK,
            f"{path}: integrity ok, schema {report.schema_version} (up to date), {wal}",
        )
    ]


async def _slack(settings: Settings, args: argparse.Namespace) -> int:
    if args.slack_command != "manifest":
        raise CliError("usage: reachout slack manifest [--http URL] [--format yaml|json]")
    slack: SlackModule = _adapter("slack")
    print(slack.manifest_text(build_registry(), args.http, args.format), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reachout",
        description="A Discord and Slack bot that keeps a cohort writing informational-"
        "interview emails. Settings come from the environment and .env (see .env.example).",
    )
    parser.add_argument("--version", action="version", version=f"reachout {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    console = commands.add_parser("console", help="use the bot in this terminal")
    console.add_argument("--as", dest="as_name", metavar="NAME", help="who you are at first")
    console.add_argument("--timezone", metavar="TZ", help="your IANA time zone")
    commands.add_parser("run", help="serve every platform whose credentials are set")
    migrate = commands.add_parser(
        "migrate", help="bring the database schema up to date (a SQLite file is backed up first)"
    )
    migrate.add_argument(
        "--check",
        action="store_true",
        help="only say whether migrations are pending (exit status 1 if so); change nothing",
    )
    backup = commands.add_parser("backup", help="copy the database safely, even while running")
    backup.add_argument("path", metavar="PATH", help="the new backup file")
    copy = commands.add_parser(
        "copy-database",
        help="copy everything into an empty database (SQLite <-> PostgreSQL)",
        description="Copy every row from FROM into TO, which must be empty, in one "
        "transaction; each is a SQLite file (or sqlite:///path) or a postgresql:// URL.",
    )
    copy.add_argument("source", metavar="FROM", help="the database to copy")
    copy.add_argument("target", metavar="TO", help="the empty database to fill")
    slack = commands.add_parser("slack", help="Slack set-up helpers")
    slack_commands = slack.add_subparsers(dest="slack_command", metavar="COMMAND")
    manifest = slack_commands.add_parser(
        "manifest", help="print the Slack app manifest for Create New App > From a manifest"
    )
    manifest.add_argument(
        "--format",
        choices=("yaml", "json"),
        default="yaml",
        help="YAML (the default, with comments) or JSON",
    )
    manifest.add_argument(
        "--http",
        metavar="URL",
        help="the bot's public https URL, for HTTP mode (default: Socket Mode)",
    )
    commands.add_parser(
        "doctor", help="check the settings, the database and each platform's credentials"
    )
    commands.add_parser(
        "health", help="ask the running bot's /healthz (exit status 0 only if healthy)"
    )
    discord = commands.add_parser("discord", help="Discord helpers (see docs/discord.md)")
    discord_commands = discord.add_subparsers(dest="action", metavar="ACTION", required=True)
    discord_commands.add_parser(
        "invite-url", help="print the link that adds the bot to a server, with its permissions"
    )
    return parser


_HANDLERS = {
    "console": _console,
    "run": _run,
    "migrate": _migrate,
    "backup": _backup,
    "copy-database": _copy_database,
    "slack": _slack,
    "discord": _discord,
    "doctor": _doctor,
    "health": _health,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = load_settings(os.environ)
    except ConfigError as problem:
        if args.command == "doctor":
            return _doctor_without_settings(problem)
        return _fail(str(problem), EXIT_USAGE)
    configure_logging(
        settings.log_level,
        settings.log_format,
        settings.secrets(),
        interactive=args.command in ("console", "doctor", "health"),
    )
    try:
        if args.command != "doctor":  # the doctor shows them in its table instead
            for warning in _unknown_setting_warnings():
                log.warning("%s", warning)
        return asyncio.run(_HANDLERS[args.command](settings, args))
    except CliError as problem:
        return _fail(str(problem), problem.status)
    except ConfigError as problem:
        return _fail(str(problem), EXIT_USAGE)
    except KeyboardInterrupt:
        return 130


def _fail(message: str, status: int) -> int:
    """Each problem on its own line, as ``reachout: <setting>: <what to do>``."""
    for line in message.splitlines():
        print(f"reachout: {line}", file=sys.stderr)
    return status


def _unknown_setting_warnings() -> list[str]:
    """A misspelt setting (``DISOCRD_TOKEN``) is a warning, not silently nothing."""
    found = setting_names(os.environ, Path(".env"))
    known = set(CORE_SETTINGS)
    if found.keys() - known:
        # Only now ask the adapters for their names: importing them costs half a second.
        for name in PLATFORMS:
            known.update(_platform(name).SETTINGS)
    return unknown_settings(found, known)
