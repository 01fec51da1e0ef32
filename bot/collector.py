"""How often CPython's cyclic garbage collector runs while the bot serves.

By default it collects the youngest objects after every 700 allocations beyond
deallocations. Serving a command allocates thousands (the platform libraries turn each
gateway event, request and response into objects), nearly all freed at once by reference
counting, so most of those collections find nothing to free. Every 10,000 allocations,
with the older generations collected as often relative to it as before, cost about a
tenth less CPU an interaction under load (docs/benchmarks.md) and about a megabyte more
memory after 10,000 commands.
"""

from __future__ import annotations

import gc

SERVING_THRESHOLDS = (10_000, 10, 10)
"""``gc.set_threshold`` while serving: the youngest generation's, then the two ratios."""


def tune_for_serving() -> None:
    """Collect less often; called once as ``reachout run`` starts serving."""
    gc.set_threshold(*SERVING_THRESHOLDS)
