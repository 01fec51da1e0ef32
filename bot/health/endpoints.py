"""What the health port serves: its paths, and the snapshot read for each request.

Kept apart from the server and the metrics, which load aiohttp's web server and the
Prometheus client: a bot with no ``REACHOUT_HEALTH_PORT`` never imports either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"


@dataclass(frozen=True)
class Snapshot:
    """What is read when ``/healthz`` or ``/metrics`` is asked for."""

    database_problem: str | None
    platform_problems: Mapping[str, str | None]
    deliveries: Iterable[tuple[str, str, int]] = ()
    """(kind, status, how many) rows of the deliveries ledger."""
    scheduler_lag: float = 0.0
    """Seconds since the earliest delivery that is due was due; 0 when nothing is overdue."""

    @property
    def problems(self) -> list[str]:
        """Everything that makes the bot unhealthy, one phrase each."""
        found = [f"database: {self.database_problem}"] if self.database_problem else []
        platforms = self.platform_problems.items()
        found += [f"{name}: {problem}" for name, problem in platforms if problem]
        return found
