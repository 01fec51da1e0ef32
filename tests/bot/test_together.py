"""``together``: independent reads at once on a server, one after the other on SQLite."""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field

import pytest

from bot.store import Store, together


@dataclass
class Reads:
    """Reads that note when each starts and ends, on a store that overlaps them or not."""

    reads_overlap: bool
    events: list[str] = field(default_factory=list)

    async def read(self, name: str, fail: bool = False) -> str:
        self.events.append(f"start {name}")
        await asyncio.sleep(0.01)
        if fail:
            raise RuntimeError(name)
        self.events.append(f"end {name}")
        return name.upper()


def store(reads: Reads) -> Store:
    return reads  # type: ignore[return-value]


async def test_on_a_server_the_reads_overlap_and_come_back_in_order() -> None:
    reads = Reads(reads_overlap=True)
    found = await together(store(reads), reads.read("a"), reads.read("b"))
    assert found == ("A", "B")
    assert reads.events[:2] == ["start a", "start b"]


async def test_without_a_server_each_read_ends_before_the_next_begins() -> None:
    reads = Reads(reads_overlap=False)
    found = await together(
        store(reads), reads.read("a"), reads.read("b"), reads.read("c"), reads.read("d"),
        reads.read("e"),
    )  # fmt: skip
    assert found == ("A", "B", "C", "D", "E")
    assert reads.events == [f"{edge} {name}" for name in "abcde" for edge in ("start", "end")]


async def test_a_read_that_fails_stops_the_rest_and_leaves_none_unawaited() -> None:
    reads = Reads(reads_overlap=False)
    first, failing, later = reads.read("a"), reads.read("b", fail=True), reads.read("c")
    last, never = reads.read("d"), reads.read("e")
    with pytest.raises(RuntimeError, match="b"):
        await together(store(reads), first, failing, later, last, never)
    assert reads.events == ["start a", "end a", "start b"]
    assert all(inspect.getcoroutinestate(c) == inspect.CORO_CLOSED for c in (later, last, never))
