"""Serving a small aiohttp app on a configured host and port (Slack's HTTP mode, health).

A port that is taken or a host that can't be bound is one line naming the two settings.
"""

from __future__ import annotations

from aiohttp import web

from bot.config import ConfigError


async def listen(
    app: web.Application,
    host: str,
    port: int,
    *,
    host_setting: str,
    port_setting: str,
    shutdown_timeout: float,
) -> tuple[web.AppRunner, str]:
    """Start serving ``app``; returns its runner (to clean up) and its base URL."""
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=shutdown_timeout
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        await runner.cleanup()
        raise ConfigError(
            port_setting,
            f"cannot listen on {host}:{port} ({error.strerror or error}); "
            f"choose another {port_setting} or {host_setting}",
        ) from None
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in str(bound_host) else str(bound_host)
    return runner, f"http://{shown}:{bound_port}"
