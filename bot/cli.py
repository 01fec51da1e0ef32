"""``reachout``: the command line, and the one place that wires concrete pieces together.

Adapters are loaded by name, so ``bot`` never imports a platform library.
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
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Protocol

from bot import __version__
from bot.clock import Clock, SystemClock
from bot.commands.catalog import build_registry
from bot.commands.dispatch import Dispatcher
from bot.commands.registry import Registry
from bot.config import ConfigError, Settings, configure_logging, load_settings, url_password
from bot.engine import Engine
from bot.nudges.courier import Courier
from bot.nudges.lease import Lease, LeasedWakeups, LeaseLost
from bot.nudges.ledger import Ledger
from bot.nudges.wakeups import Wakeups
from bot.port import AdapterPort
from bot.runtime import Runtime
from bot.store import Store
from bot.timezones import UnknownTimezone, require_timezone
from storage import copying
from storage.connection import Database, open_database
from storage.lease import FileLease
from storage.ledger import SqliteLedger
from storage.postgres import wiring as postgres_wiring
from storage.repository import SqliteStore
from storage.schema import SchemaTooNew, migrate, schema_version

log = logging.getLogger("reachout")

EXIT_USAGE = 2

PLATFORMS = {"discord": "adapters.discord", "slack": "adapters.slack"}
CREDENTIALS = {
    "discord": ("DISCORD_TOKEN",),
    "slack": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"),
}
"""Settings whose presence asks ``reachout run`` to start a platform."""
CONSOLE = "adapters.console"


class PlatformModule(Protocol):
    """What ``reachout run`` needs from a platform adapter module."""

    async def serve(self, port: AdapterPort, settings: Settings) -> None: ...


class DiscordModule(Protocol):
    """What ``reachout discord`` needs from the Discord adapter."""

    async def invite_url(self, settings: Settings) -> str: ...


class ConsoleModule(Protocol):
    """What ``reachout console`` needs from the console adapter."""

    async def serve_console(self, port: AdapterPort, name: str, timezone: str | None) -> None: ...


class SlackModule(Protocol):
    """What ``reachout slack manifest`` needs from the Slack adapter."""

    def manifest_yaml(self, registry: Registry, http_url: str | None) -> str: ...


class CliError(Exception):
    """A clean one-line failure with an exit status."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status


@asynccontextmanager
async def open_store(settings: Settings, *, upgrade: bool = True) -> AsyncIterator[Database]:
    """The database, migrated; a file that isn't a usable database is one clear error."""
    async with AsyncExitStack() as stack:
        try:
            db = await stack.enter_async_context(open_database(settings.database))
            if upgrade:
                await migrate(db)
        except SchemaTooNew as problem:
            raise CliError(f"REACHOUT_DATABASE: {problem}") from None
        except sqlite3.DatabaseError as problem:
            raise CliError(
                f"REACHOUT_DATABASE: cannot use {settings.database} as a reachout database "
                f"({problem})"
            ) from None
        yield db


@asynccontextmanager
async def open_storage(settings: Settings) -> AsyncIterator[tuple[Store, Ledger]]:
    """The store and ledger of ``REACHOUT_DATABASE``: PostgreSQL for a URL, else SQLite."""
    if settings.database_url is not None:
        try:
            async with postgres_wiring.open_storage(settings) as opened:
                yield opened
        except postgres_wiring.Unusable as problem:
            raise CliError(f"REACHOUT_DATABASE: {problem}") from None
        return
    async with open_store(settings) as db:
        yield SqliteStore(db), SqliteLedger(db)


def scheduler_lease(settings: Settings) -> Lease:
    """What makes one process of those on the database run the scheduler."""
    if settings.database_url is not None:
        return postgres_wiring.scheduler_lease(settings)
    return FileLease(settings.database)


@asynccontextmanager
async def open_runtime(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Runtime]:
    """Open and migrate the database and build the core on it; close everything on exit."""
    async with open_storage(settings) as (store, ledger):
        registry = build_registry()
        clock = clock or SystemClock()
        courier = Courier(store, ledger, clock)
        engine = Engine(store, clock, settings.timezone, ledger=ledger, courier=courier)
        dispatcher = Dispatcher(engine, registry)
        port = AdapterPort(engine, dispatcher, registry, courier)
        yield Runtime(settings, clock, store, engine, registry, dispatcher, ledger, courier, port)


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
        await console.serve_console(runtime.port, name, timezone)
    return 0


async def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    if settings.database_url is not None:
        try:
            before, after = await postgres_wiring.migrate_database(settings)
        except postgres_wiring.Unusable as problem:
            raise CliError(f"REACHOUT_DATABASE: {problem}") from None
        done = f"schema {before} -> {after}" if after != before else f"schema {before}, up to date"
        print(f"{settings.database_label}: {done}")
        return 0
    async with open_store(settings, upgrade=False) as db:
        before = await schema_version(db)
        try:
            applied = await migrate(db)
        except (SchemaTooNew, sqlite3.DatabaseError) as problem:
            raise CliError(f"REACHOUT_DATABASE: {problem}") from None
    if applied:
        print(f"{settings.database}: schema {before} -> {applied[-1].number}")
    else:
        print(f"{settings.database}: schema {before}, up to date")
    return 0


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
        command = postgres_wiring.pg_dump_command(settings.database_url, args.path)
        print(
            "reachout backs up SQLite only; for PostgreSQL use pg_dump, which takes a "
            "consistent copy while the bot runs (restore with pg_restore):",
            file=sys.stderr,
        )
        print(shlex.join(command))
        return 1
    target = _backup_target(settings, args.path)
    async with open_store(settings, upgrade=False) as db:
        db.backup_to(target)
    print(f"Backed up {settings.database} to {target}")
    return 0


async def _copy_database(settings: Settings, args: argparse.Namespace) -> int:
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
    modules = [_platform(name) for name in wanted]
    async with open_runtime(settings) as runtime:
        log.info("starting %s", ", ".join(wanted))
        wakeups = LeasedWakeups(
            Wakeups(runtime.courier), scheduler_lease(settings), settings.standby_seconds
        )
        await wakeups.start()
        serving = [asyncio.create_task(module.serve(runtime.port, settings)) for module in modules]
        serving.append(asyncio.create_task(_watch_lease(wakeups)))
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
                raise error
    return 0


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


async def _slack(settings: Settings, args: argparse.Namespace) -> int:
    if args.slack_command != "manifest":
        raise CliError("usage: reachout slack manifest [--http URL]")
    slack: SlackModule = _adapter("slack")
    print(slack.manifest_yaml(build_registry(), args.http), end="")
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
    commands.add_parser("migrate", help="bring the database schema up to date")
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
        "manifest", help="print the Slack app manifest (YAML) for Create New App > From a manifest"
    )
    manifest.add_argument(
        "--http",
        metavar="URL",
        help="the bot's public https URL, for HTTP mode (default: Socket Mode)",
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
        print(f"reachout: {problem}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings, interactive=args.command == "console")
    try:
        return asyncio.run(_HANDLERS[args.command](settings, args))
    except CliError as problem:
        print(f"reachout: {problem}", file=sys.stderr)
        return problem.status
    except ConfigError as problem:
        print(f"reachout: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
