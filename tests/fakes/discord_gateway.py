"""The gateway half of the fake Discord: a websocket speaking Discord's gateway protocol v10.

It is kept apart from the REST half so the protocol (opcodes, sequence numbers, close codes,
zlib-stream framing) can be read on its own. The world it describes (users, guilds) comes from
the object that owns it, through the small :class:`GatewayWorld` protocol.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

# Gateway opcodes, as Discord numbers them.
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Close codes Discord uses; discord.py decides from them whether to resume, re-identify or give up.
CLOSE_UNKNOWN_ERROR = 4000
CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_DISALLOWED_INTENTS = 4014

# Intents that an application must switch on in the developer portal before it may ask for them.
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT


class GatewayWorld(Protocol):
    """What the gateway needs to know about the fake's world to answer a client."""

    token: str
    privileged_intents: int

    def ready_payload(self, session: GatewaySession) -> dict[str, Any]:
        """The READY dispatch for a freshly identified session."""
        ...

    def guild_create_payloads(self, intents: int) -> list[dict[str, Any]]:
        """One GUILD_CREATE per guild the bot is in, shaped by the session's intents."""
        ...

    def members_chunk_payloads(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """GUILD_MEMBERS_CHUNK dispatches answering an op 8 REQUEST_GUILD_MEMBERS."""
        ...

    async def gateway_changed(self) -> None:
        """Wake up whoever waits for gateway state (a session became ready, closed, ...)."""
        ...


@dataclass
class GatewayFrame:
    """One frame as it crossed the socket, decoded, with the direction it went."""

    direction: str  # "sent" (fake -> client) or "received" (client -> fake)
    payload: dict[str, Any]
    at: float


@dataclass
class GatewaySession:
    """One websocket connection from a client, from HELLO to close.

    A session is *ready* once it has identified (or resumed) and been sent READY (RESUMED).
    """

    ws: web.WebSocketResponse
    query: dict[str, str]
    compress: bool
    session_id: str = ""
    sequence: int = 0
    identify: dict[str, Any] | None = None
    resumed_from: str | None = None
    ready: bool = False
    heartbeats: int = 0
    close_code: int | None = None
    frames: list[GatewayFrame] = field(default_factory=list)
    _deflate: Any = None
    _send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def intents(self) -> int:
        """The intents this session asked for in IDENTIFY (0 before it identified)."""
        return int((self.identify or {}).get("intents", 0))

    def serves(self, guild_id: int | None) -> bool:
        """Whether Discord routes this guild's events here: ``(guild_id >> 22) % shards``
        is the session's shard (DMs go to shard 0); an unsharded session gets everything."""
        shard = (self.identify or {}).get("shard")
        if not shard:
            return True
        shard_id, count = int(shard[0]), int(shard[1])
        return ((guild_id >> 22) % count if guild_id is not None else 0) == shard_id

    @property
    def open(self) -> bool:
        """Whether frames can still be sent on this session."""
        return not self.ws.closed and self.close_code is None

    async def send(self, op: int, d: Any = None, t: str | None = None) -> None:
        """Send one gateway frame; dispatches (op 0) get the next sequence number."""
        frame: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
        async with self._send_lock:
            if op == OP_DISPATCH:
                self.sequence += 1
                frame["s"] = self.sequence
            raw = json.dumps(frame, separators=(",", ":"))
            self.frames.append(GatewayFrame("sent", frame, time.monotonic()))
            if self.compress:
                # zlib-stream: one deflate context per connection, each frame ends in a sync flush.
                if self._deflate is None:
                    self._deflate = zlib.compressobj()
                data = self._deflate.compress(raw.encode()) + self._deflate.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(raw)

    async def dispatch(self, event: str, data: Any) -> None:
        """Send a DISPATCH (op 0) event such as INTERACTION_CREATE."""
        await self.send(OP_DISPATCH, data, event)

    async def close(self, code: int, message: str = "") -> None:
        """Close the socket from the server side with a gateway close code."""
        if self.close_code is None:
            self.close_code = code
        await self.ws.close(code=code, message=message.encode())


class GatewayServer:
    """Accepts gateway connections and plays Discord's part of the protocol."""

    def __init__(
        self,
        world: GatewayWorld,
        *,
        heartbeat_interval_ms: int = 41_250,
        compress: bool = False,
    ) -> None:
        self._world = world
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.compress = compress
        self.sessions: list[GatewaySession] = []
        self._known_sessions: dict[str, GatewaySession] = {}
        self.refusing = False
        """While set, new connections get HTTP 503, as during a Discord gateway outage."""
        self.refused = 0

    def current(self, guild_id: int | None = None) -> GatewaySession | None:
        """The most recent ready, open session that serves ``guild_id`` (its shard, when the
        client shards): where Discord would deliver that guild's events now."""
        for session in reversed(self.sessions):
            if session.ready and session.open and session.serves(guild_id):
                return session
        return None

    async def close_all(self, code: int = 1001) -> None:
        """Close every open socket, as Discord does when it goes away."""
        for session in self.sessions:
            if not session.ws.closed:
                await session.close(code)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for ``GET /gateway``: runs one session until the socket closes."""
        if self.refusing:
            self.refused += 1
            await self._world.gateway_changed()
            return web.Response(status=503, text="gateway unavailable")
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        query = dict(request.query)
        wants_zlib = query.get("compress") == "zlib-stream"
        session = GatewaySession(ws=ws, query=query, compress=self.compress and wants_zlib)
        self.sessions.append(session)
        try:
            await session.send(OP_HELLO, {"heartbeat_interval": self.heartbeat_interval_ms})
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_text(session, message.data)
                elif message.type is WSMsgType.BINARY:
                    # Clients send text; Discord answers binary input with a decode error.
                    await session.close(CLOSE_DECODE_ERROR, "Error while decoding payload.")
                elif message.type is WSMsgType.ERROR:
                    break
        except ConnectionResetError:
            pass  # the client vanished without a close frame; recorded as 1006 below
        finally:
            if session.close_code is None:
                session.close_code = ws.close_code or 1006
            await self._world.gateway_changed()
        return ws

    async def _on_text(self, session: GatewaySession, raw: str) -> None:
        try:
            frame = json.loads(raw)
            op = frame["op"]
        except (ValueError, KeyError, TypeError):
            await session.close(CLOSE_DECODE_ERROR, "Error while decoding payload.")
            return
        session.frames.append(GatewayFrame("received", frame, time.monotonic()))
        data = frame.get("d")
        if op == OP_HEARTBEAT:
            session.heartbeats += 1
            await session.send(OP_HEARTBEAT_ACK)
        elif op == OP_IDENTIFY:
            await self._identify(session, data)
        elif op == OP_RESUME:
            await self._resume(session, data)
        elif op == OP_REQUEST_GUILD_MEMBERS:
            if not session.ready:
                await session.close(CLOSE_NOT_AUTHENTICATED, "Not authenticated.")
                return
            for chunk in self._world.members_chunk_payloads(data):
                await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
        elif op == OP_PRESENCE_UPDATE:
            pass  # recorded in frames; nothing to answer
        else:
            await session.close(CLOSE_UNKNOWN_OPCODE, "Unknown opcode.")

    async def _identify(self, session: GatewaySession, data: dict[str, Any]) -> None:
        if session.identify is not None:
            await session.close(CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if not isinstance(data, dict) or data.get("token") != self._world.token:
            await session.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self._world.privileged_intents:
            await session.close(CLOSE_DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        session.identify = data
        session.session_id = secrets.token_hex(16)
        self._known_sessions[session.session_id] = session
        await session.dispatch("READY", self._world.ready_payload(session))
        session.ready = True
        await self._world.gateway_changed()
        for guild in self._world.guild_create_payloads(intents):
            if session.serves(int(guild["id"])):
                await session.dispatch("GUILD_CREATE", guild)

    async def _resume(self, session: GatewaySession, data: dict[str, Any]) -> None:
        old = self._known_sessions.get(str((data or {}).get("session_id")))
        if old is None or data.get("token") != self._world.token:
            # d=false: the client must start over with a fresh IDENTIFY.
            await session.send(OP_INVALID_SESSION, False)
            return
        session.identify = old.identify
        session.session_id = old.session_id
        session.sequence = max(old.sequence, int(data.get("seq") or 0))
        session.resumed_from = old.session_id
        self._known_sessions[session.session_id] = session
        await session.dispatch("RESUMED", {"_trace": ['["fake-discord-gateway",{"micros":0}]']})
        session.ready = True
        await self._world.gateway_changed()

    async def send_reconnect(self) -> None:
        """Ask the current session to reconnect (op 7), as Discord does before maintenance."""
        session = self.current()
        if session is None:
            raise RuntimeError("no ready gateway session to send RECONNECT to")
        # discord.py closes this socket itself and RESUMEs on a new one.
        await session.send(OP_RECONNECT)
