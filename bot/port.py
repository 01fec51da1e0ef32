"""The port: everything a platform adapter may ask of the core, and nothing more.

Adapters turn platform payloads into an ``Origin`` and a command, and a ``Reply`` back into a
message; what they need from the core in between is here. They never see the store, the
ledger or the engine, so storage can change (or move to another database) without any
adapter noticing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from bot.commands.arguments import Argument
from bot.commands.dispatch import Dispatcher, refusal
from bot.commands.registry import Registry
from bot.engine import Engine
from bot.errors import UserError
from bot.health.status import PlatformStatus, Probe
from bot.invocation import Origin
from bot.nudges.courier import Courier
from bot.nudges.notifier import Notifier
from bot.nudges.wakeups import Wakeups
from bot.presses.handler import Presses
from bot.replies import Form, Press, Reply, Suggestion
from bot.uploads import Upload, check_upload, read_upload


class AdapterPort:
    """What an adapter may call: run commands, note workspaces, keep a little state of its
    own, connect its notifier so scheduled messages go out through it, and say how its
    connection is (for ``/healthz``).

    Attributes:
        registry: every command, for building native command lists, manifests and help.
    """

    def __init__(
        self,
        engine: Engine,
        dispatcher: Dispatcher,
        registry: Registry,
        courier: Courier,
        status: PlatformStatus,
    ) -> None:
        self.registry = registry
        self._engine = engine
        self._dispatcher = dispatcher
        self._courier = courier
        self._status = status
        self._presses = Presses(engine, dispatcher, registry)

    async def run(self, origin: Origin, path: str, raw: Mapping[str, object]) -> Reply:
        """Run a command whose arguments the platform already separated (native options)."""
        return await self._dispatcher.run(origin, path, raw)

    async def run_text(self, origin: Origin, line: str) -> Reply:
        """Run a command typed as one line of text, such as ``/sent Jane org:Acme``."""
        return await self._dispatcher.run_text(origin, line)

    async def press(self, origin: Origin, action_id: str) -> Press:
        """A button the bot sent, pressed by ``origin``'s user. ``Press.reply`` answers them
        privately, ``form`` is opened instead, ``update`` replaces the pressed message.
        Never raises for a user's mistake: someone else's button, one pressed already or
        one whose step has passed all come back as a reply that says so."""
        return await self._presses.press(origin, action_id)

    async def submit(self, origin: Origin, form_id: str, values: Mapping[str, str]) -> Press:
        """A form the bot opened, submitted with each field's text by ``FormField.name``.
        ``Press.reply`` is the private answer (``error`` set when refused, and then nothing
        changed); ``update`` rewrites the message the form was opened from, if it should."""
        return await self._presses.submit(origin, form_id, values)

    def suggests(self, path: str, option: str) -> bool:
        """Whether option ``option`` of command ``path`` has suggestions as it is typed."""
        return self._presses.suggests(path, option)

    async def suggest(self, origin: Origin, path: str, option: str, typed: str) -> list[Suggestion]:
        """Up to 25 choices for what ``origin``'s user has typed so far: their own contacts,
        most recently active first, or time zones."""
        return await self._presses.suggest(origin, path, option, typed)

    def form(self, path: str) -> Form | None:
        """The form to open for ``/path`` typed with no arguments, if it has one."""
        return self._presses.form(path)

    def upload_argument(self, path: str) -> Argument | None:
        """The argument of command ``path`` whose text may come as a file, if it has one."""
        command = self.registry.find(path)
        arguments = command.arguments if command is not None else ()
        return next((a for a in arguments if a.upload), None)

    def check_upload(self, path: str, upload: Upload) -> Reply | None:
        """A one-sentence refusal for a file ``path`` cannot take (too big, not text), to
        send before downloading it; None if it may be read."""
        argument = self.upload_argument(path)
        if argument is None:
            return refusal(f"`/{path}` doesn't take a file.")
        try:
            check_upload(argument, upload)
        except UserError as problem:
            return refusal(str(problem))
        return None

    async def run_upload(
        self, origin: Origin, path: str, content: bytes, raw: Mapping[str, object] | None = None
    ) -> Reply:
        """Run ``path`` with its file argument read from ``content`` (UTF-8, a byte-order mark
        allowed) beside any other options in ``raw``; the text is checked as typed text is."""
        argument = self.upload_argument(path)
        if argument is None:
            return refusal(f"`/{path}` doesn't take a file.")
        try:
            text = read_upload(argument, content)
        except UserError as problem:
            return refusal(str(problem))
        return await self._dispatcher.run(origin, path, {**(raw or {}), argument.name: text})

    async def note_workspace(self, platform: str, external_id: str, name: str) -> None:
        """Record a workspace the bot is in (or its new name) before anyone types there."""
        await self._engine.note_workspace(platform, external_id, name)

    async def open_channel_cohort(self, origin: Origin, name: str, timezone: str | None) -> None:
        """Bind a cohort to the origin's channel unless one is; its first user organizes it."""
        await self._engine.open_channel_cohort(origin, name, timezone)

    async def get_state(self, key: str) -> str | None:
        """A value the adapter saved under ``key`` (e.g. the hash of the last command sync)."""
        return await self._engine.adapter_state(key)

    async def set_state(self, key: str, value: str) -> None:
        """Save a small value of the adapter's own under ``key``, replacing any before."""
        await self._engine.save_adapter_state(key, value)

    async def first_sighting(self, key: str) -> bool:
        """True the first time any instance on this database asks about ``key`` (e.g. a
        platform's event id), False ever after (for at least a day): a delivery the platform
        repeats, to this instance or another, before or after a restart, is handled once."""
        return await self._engine.first_sighting(key)

    def connect(self, notifier: Notifier) -> None:
        """Send scheduled messages for ``notifier.platform`` through it from now on."""
        self._courier.register(notifier)

    def track_connection(self, platform: str, probe: Probe) -> None:
        """The adapter is serving ``platform``; ``probe`` says, when asked, whether its
        connection is up (None) or what is wrong."""
        self._status.track(platform, probe)

    @asynccontextmanager
    async def scheduled_messages(self) -> AsyncIterator[None]:
        """Deliver due nudges and reminders while the block runs (for a process, like the
        console, that runs its own loop rather than ``reachout run``)."""
        wakeups = Wakeups(self._courier)
        await wakeups.start()
        try:
            yield
        finally:
            await wakeups.stop()
