"""The wired core that adapters receive: settings, store, engine and dispatcher."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.commands.dispatch import Dispatcher
from bot.commands.registry import Registry
from bot.config import Settings
from bot.deliveries import DeliveryService
from bot.engine import Engine
from bot.health.metrics import Metrics
from bot.health.status import PlatformStatus
from bot.ledger import Ledger
from bot.store import Store


@dataclass(frozen=True)
class Runtime:
    """Everything a platform adapter needs to serve commands, built once by the CLI."""

    settings: Settings
    clock: Clock
    store: Store
    engine: Engine
    registry: Registry
    dispatcher: Dispatcher
    ledger: Ledger
    deliveries: DeliveryService
    status: PlatformStatus = field(default_factory=PlatformStatus)
    """Each platform's connection, which the adapters report and ``/healthz`` shows."""
    metrics: Metrics = field(default_factory=Metrics)
