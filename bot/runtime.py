"""The wired core, built once by the CLI: settings, storage, engine, commands, courier.

The CLI and the tests hold all of it; adapters are handed only ``port``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.commands.dispatch import Dispatcher
from bot.commands.registry import Registry
from bot.config import Settings
from bot.engine import Engine
from bot.health.status import PlatformStatus
from bot.nudges.courier import Courier
from bot.nudges.ledger import Ledger
from bot.port import AdapterPort
from bot.store import Store

if TYPE_CHECKING:
    from bot.health.metrics import Metrics


@dataclass(frozen=True)
class Runtime:
    """Everything the CLI and the tests hold; adapters get only what they may call."""

    settings: Settings
    clock: Clock
    store: Store
    engine: Engine
    registry: Registry
    dispatcher: Dispatcher
    ledger: Ledger
    courier: Courier
    port: AdapterPort
    status: PlatformStatus
    """Each platform's connection, which the adapters report and ``/healthz`` shows."""
    metrics: Metrics | None
    """The commands counted for ``/metrics``; None when no health port serves them."""
