"""A fake Socket Mode endpoint: the WebSocket that `apps.connections.open` hands out.

It speaks the protocol slack-sdk's aiohttp `SocketModeClient` expects: a `hello` on
connect, envelopes the client must ack by `envelope_id`, answers to the client's
`sdk-ping-pong:` pings, a `disconnect` message that makes the client reconnect, and an
answer to the client's close frame (or, with `answers_close = False`, a peer that never
answers one, as a busy or unreachable server does).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

ACK_DEADLINE_SECONDS = 3.0  # Slack shows an error (or retries an event) after this
ENVELOPE_TYPES = frozenset({"slash_commands", "events_api", "interactive"})
_RESPONSE_PAYLOAD_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})


class ChangeNotifier:
    """Lets tests wait for something the bot does in the background, without sleeping."""

    def __init__(self) -> None:
        self._condition = asyncio.Condition()

    async def notify(self) -> None:
        async with self._condition:
            self._condition.notify_all()

    async def wait_until(
        self, predicate: Callable[[], bool], within: float, describe: Callable[[], str]
    ) -> None:
        """Return once `predicate()` holds; fail with `describe()` after `within` seconds."""
        async with self._condition:
            try:
                await asyncio.wait_for(self._condition.wait_for(predicate), within)
            except TimeoutError:
                raise AssertionError(f"timed out after {within}s: {describe()}") from None


@dataclass(frozen=True)
class SocketAck:
    """The client's acknowledgement of one envelope, with how long it took."""

    envelope_id: str
    payload: dict[str, Any] | None
    received_at: float  # time.monotonic()
    elapsed: float  # seconds since the envelope was sent
    connection_id: int

    @property
    def in_time(self) -> bool:
        return self.elapsed <= ACK_DEADLINE_SECONDS


@dataclass
class SocketConnection:
    """One WebSocket session from a Socket Mode client."""

    id: int
    app_id: str
    ws: web.WebSocketResponse
    opened_at: float
    closed_at: float | None = None
    close_frame_at: float | None = None  # when the client's close frame arrived
    pings: list[bytes] = field(default_factory=list)  # pings the client sent (we pong)
    pongs: list[bytes] = field(default_factory=list)  # pongs to our pings
    stray: list[str] = field(default_factory=list)  # client frames that were not acks

    @property
    def open(self) -> bool:
        return self.closed_at is None and not self.ws.closed


@dataclass
class SentEnvelope:
    """An envelope pushed to the client; await it (or `.ack()`) for the client's ack."""

    envelope: dict[str, Any]
    connection_id: int
    sent_at: float
    future: asyncio.Future[SocketAck]

    @property
    def envelope_id(self) -> str:
        return str(self.envelope["envelope_id"])

    async def ack(self, within: float = ACK_DEADLINE_SECONDS) -> SocketAck:
        """The ack, or an AssertionError if the client did not ack within `within` seconds."""
        try:
            return await asyncio.wait_for(asyncio.shield(self.future), within)
        except TimeoutError:
            raise AssertionError(
                f"no ack for {self.envelope['type']} envelope {self.envelope_id} in {within}s"
            ) from None

    def __await__(self) -> Generator[Any, None, SocketAck]:
        return self.ack().__await__()


class FakeSocketMode:
    """The WebSocket side of the fake; `FakeSlack` mounts it at `/socket`."""

    def __init__(self, notifier: ChangeNotifier) -> None:
        self._notifier = notifier
        self._tickets: dict[str, str] = {}  # ticket -> app_id
        self._pending: dict[str, SentEnvelope] = {}
        self._ws_base = ""
        self.connections: list[SocketConnection] = []
        self.acks: list[SocketAck] = []
        self.envelopes: list[SentEnvelope] = []
        self.answers_close = True
        self._shut_down = asyncio.Event()

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/socket", self._handle)

    def set_base(self, ws_base: str) -> None:
        self._ws_base = ws_base

    def issue_url(self, app_id: str) -> str:
        """A fresh `ws://` URL, as `apps.connections.open` returns one per call."""
        ticket = secrets.token_hex(16)
        self._tickets[ticket] = app_id
        return f"{self._ws_base}/socket?ticket={ticket}&app_id={app_id}"

    @property
    def open_connections(self) -> list[SocketConnection]:
        return [c for c in self.connections if c.open]

    async def wait_connected(self, count: int = 1, within: float = 3.0) -> SocketConnection:
        """Wait until `count` connections have been opened in total; return the newest."""
        await self._notifier.wait_until(
            lambda: len(self.connections) >= count and self.connections[-1].open,
            within,
            lambda: f"wanted {count} Socket Mode connection(s), have {len(self.connections)}",
        )
        return self.connections[-1]

    async def wait_closed(self, connection: SocketConnection, within: float = 3.0) -> None:
        """Wait until the client has closed (or abandoned) `connection`."""
        await self._notifier.wait_until(
            lambda: connection.closed_at is not None,
            within,
            lambda: f"connection {connection.id} is still open",
        )

    async def send(
        self,
        envelope_type: str,
        payload: Mapping[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        connection: SocketConnection | None = None,
    ) -> SentEnvelope:
        """Push one envelope to the newest open connection (or `connection`)."""
        if envelope_type not in ENVELOPE_TYPES:
            raise ValueError(f"envelope type must be one of {sorted(ENVELOPE_TYPES)}")
        open_now = self.open_connections
        target = connection or (open_now[-1] if open_now else None)
        if target is None or not target.open:
            raise RuntimeError("no Socket Mode client is connected")
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type == "slash_commands" or (
                envelope_type == "interactive"
                and payload.get("type") in _RESPONSE_PAYLOAD_INTERACTIONS
            )
        envelope: dict[str, Any] = {
            "envelope_id": secrets.token_hex(8) + "-" + secrets.token_hex(4),
            "type": envelope_type,
            "payload": dict(payload),
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":  # only Events API deliveries are retried by Slack
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        sent = SentEnvelope(
            envelope=envelope,
            connection_id=target.id,
            sent_at=time.monotonic(),
            future=asyncio.get_running_loop().create_future(),
        )
        self._pending[sent.envelope_id] = sent
        self.envelopes.append(sent)
        await target.ws.send_str(json.dumps(envelope))
        return sent

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the newest client to reconnect, as Slack does every few hours."""
        for connection in self.open_connections[-1:]:
            await connection.ws.send_json(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
            )

    async def drop(self) -> None:
        """Close the newest connection from the server side (a network blip, a deploy)."""
        for connection in self.open_connections[-1:]:
            await connection.ws.close(code=1001, message=b"going away")

    async def ping(self, data: bytes = b"fake-server-ping") -> None:
        """Ping the newest client; its pong lands in `connection.pongs`."""
        for connection in self.open_connections[-1:]:
            await connection.ws.ping(data)

    async def close_all(self) -> None:
        """Close every connection and drop unanswered envelopes; used at shutdown."""
        self._shut_down.set()
        for connection in self.open_connections:
            await connection.ws.close(code=1001, message=b"server shutdown")
        for sent in self._pending.values():
            sent.future.cancel()
        self._pending.clear()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        app_id = self._tickets.get(request.query.get("ticket", ""))
        if app_id is None:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        ws = web.WebSocketResponse(autoping=False, autoclose=False, timeout=1.0)
        await ws.prepare(request)
        connection = SocketConnection(
            id=len(self.connections) + 1, app_id=app_id, ws=ws, opened_at=time.monotonic()
        )
        self.connections.append(connection)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.open_connections),
                "debug_info": {
                    "host": "applink-fake",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": app_id},
            }
        )
        await self._notifier.notify()
        try:
            while True:
                message = await ws.receive()
                if message.type == WSMsgType.CLOSE:
                    connection.close_frame_at = time.monotonic()
                    await self._notifier.notify()
                    if self.answers_close:
                        await ws.close()
                    else:
                        await self._shut_down.wait()
                    break
                if message.type in (WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
                if message.type == WSMsgType.PING:
                    connection.pings.append(message.data)
                    await ws.pong(message.data)
                elif message.type == WSMsgType.PONG:
                    connection.pongs.append(message.data)
                elif message.type == WSMsgType.TEXT:
                    self._receive(connection, message.data)
                await self._notifier.notify()
        finally:
            connection.closed_at = time.monotonic()
            await self._notifier.notify()
        return ws

    def _receive(self, connection: SocketConnection, text: str) -> None:
        """Match an ack to its envelope; anything else is kept as a stray frame."""
        try:
            frame = json.loads(text)
        except ValueError:
            connection.stray.append(text)
            return
        envelope_id = frame.get("envelope_id") if isinstance(frame, dict) else None
        sent = self._pending.pop(str(envelope_id), None)
        if sent is None:
            connection.stray.append(text)
            return
        now = time.monotonic()
        payload = frame.get("payload")
        ack = SocketAck(
            envelope_id=sent.envelope_id,
            payload=payload if isinstance(payload, dict) else None,
            received_at=now,
            elapsed=now - sent.sent_at,
            connection_id=connection.id,
        )
        self.acks.append(ack)
        if not sent.future.done():
            sent.future.set_result(ack)
