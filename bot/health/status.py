"""Each configured platform's state, as the adapters and the supervisor report it.

An adapter whose credentials were accepted hands over a probe that says, when asked, whether
its connection is up; until then, or after it stopped, the supervisor's last word stands.
Asking live instead of recording events means ``/healthz`` cannot miss a reconnect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Probe = Callable[[], Awaitable[str | None]]
"""None while connected, else what is wrong, in words for the person running the bot."""

CONNECTING = "connecting"


@dataclass
class _State:
    reason: str | None
    probe: Probe | None = None


class PlatformStatus:
    """The board ``/healthz``, ``/metrics`` and the supervisor share."""

    def __init__(self) -> None:
        self._states: dict[str, _State] = {}

    @property
    def platforms(self) -> list[str]:
        return list(self._states)

    def expect(self, platform: str) -> None:
        """``platform`` is configured and starting."""
        self._states[platform] = _State(CONNECTING)

    def track(self, platform: str, probe: Probe) -> None:
        """The adapter is serving ``platform``; ``probe`` tells how its connection is."""
        self._states[platform] = _State(None, probe)

    def down(self, platform: str, reason: str) -> None:
        """``platform`` is not being served, for ``reason``."""
        self._states[platform] = _State(reason)

    def tracking(self, platform: str) -> bool:
        """Whether the adapter got as far as serving (its credentials were accepted)."""
        state = self._states.get(platform)
        return state is not None and state.probe is not None

    async def problems(self) -> dict[str, str | None]:
        """Each platform's problem right now, or None where it is connected."""
        found: dict[str, str | None] = {}
        for platform, state in list(self._states.items()):
            if state.probe is None:
                found[platform] = state.reason
                continue
            try:
                found[platform] = await state.probe()
            except Exception as error:  # a probe must never take /healthz down with it
                found[platform] = f"cannot tell ({type(error).__name__})"
        return found
