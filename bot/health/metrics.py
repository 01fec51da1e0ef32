"""Prometheus metrics: commands and their latency as they happen, the rest read at scrape time.

Each ``Metrics`` has its own registry, so every runtime (and every test) counts on its own.
Labels hold only command names, outcomes, platforms and delivery kinds: never a person, a
contact or a workspace, so the series stay few and the metrics reveal nothing about anyone.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest

from bot import __version__
from bot.commands.dispatch import Handled
from bot.health.endpoints import Snapshot

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds; Slack and Discord want an answer within 3, so the buckets are finest below it."""


class Metrics:
    """The metrics of one running reachout."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "reachout_commands",
            "Commands handled, by command and outcome (ok, refused, denied, failed).",
            ("command", "outcome", "platform"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "reachout_command_duration_seconds",
            "Time from a command's arrival in the core to its reply.",
            ("command",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = Gauge(
            "reachout_deliveries",
            "Nudges and reminders in the deliveries ledger, by kind and status.",
            ("kind", "status"),
            registry=self.registry,
        )
        self.connected = Gauge(
            "reachout_platform_connected",
            "1 while the platform is connected, 0 otherwise.",
            ("platform",),
            registry=self.registry,
        )
        self.database_up = Gauge(
            "reachout_database_up",
            "1 while the database answers reads and writes.",
            registry=self.registry,
        )
        self.scheduler_lag = Gauge(
            "reachout_scheduler_lag_seconds",
            "How long the earliest due nudge or reminder has been waiting; 0 when none is.",
            registry=self.registry,
        )
        Info("reachout_build", "The running version.", registry=self.registry).info(
            {"version": __version__}
        )
        self._counters: dict[tuple[str, str, str], Counter] = {}
        self._latencies: dict[str, Histogram] = {}

    def observe(self, handled: Handled) -> None:
        """Count one command; the dispatcher calls this for every command it runs.

        Each label set's series is looked up once and kept (there are a few dozen): the
        client's ``labels()`` checks and locks on every call, twice the cost of counting.
        """
        key = (handled.command, handled.outcome, handled.platform)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = self.commands.labels(*key)
        counter.inc()
        latency = self._latencies.get(handled.command)
        if latency is None:
            latency = self._latencies[handled.command] = self.latency.labels(handled.command)
        latency.observe(handled.seconds)

    def render(self, snapshot: Snapshot) -> bytes:
        """The Prometheus text exposition, with the scrape-time values from ``snapshot``."""
        self.database_up.set(0 if snapshot.database_problem else 1)
        for platform, problem in snapshot.platform_problems.items():
            self.connected.labels(platform).set(0 if problem else 1)
        self.deliveries.clear()
        for kind, status, count in snapshot.deliveries:
            self.deliveries.labels(kind, status).set(count)
        self.scheduler_lag.set(snapshot.scheduler_lag)
        return generate_latest(self.registry)
