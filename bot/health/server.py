"""``GET /healthz`` and ``GET /metrics`` on ``REACHOUT_HEALTH_PORT``, for every mode.

``/healthz`` answers 200 only while the database answers and every configured platform is
connected, and 503 naming each problem otherwise, so a container's health check or a load
balancer sees what a member would. Both are read when asked, never cached.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.health.endpoints import HEALTH_PATH, METRICS_PATH, Snapshot
from bot.health.metrics import Metrics
from bot.listening import listen

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_SECONDS = 2.0


class HealthServer:
    """The health and metrics endpoints, on their own small aiohttp server."""

    def __init__(
        self,
        host: str,
        port: int,
        snapshot: Callable[[], Awaitable[Snapshot]],
        metrics: Metrics,
    ) -> None:
        self._host = host
        self._port = port
        self._snapshot = snapshot
        self._metrics = metrics
        self._runner: web.AppRunner | None = None
        self.url: str | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(HEALTH_PATH, self._health)
        app.router.add_get(METRICS_PATH, self._metrics_text)
        self._runner, self.url = await listen(
            app,
            self._host,
            self._port,
            host_setting="REACHOUT_HEALTH_HOST",
            port_setting="REACHOUT_HEALTH_PORT",
            shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
        )
        log.info("health: serving %s%s and %s%s", self.url, HEALTH_PATH, self.url, METRICS_PATH)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, request: web.Request) -> web.Response:
        snapshot = await self._snapshot()
        problems = snapshot.problems
        body = {
            "ok": not problems,
            "database": snapshot.database_problem or "ok",
            "platforms": {
                name: problem or "connected" for name, problem in snapshot.platform_problems.items()
            },
        }
        if problems:
            body["problems"] = problems
        return web.json_response(body, status=503 if problems else 200)

    async def _metrics_text(self, request: web.Request) -> web.Response:
        body = self._metrics.render(await self._snapshot())
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
