"""The garbage collector's thresholds while the bot serves."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.collector import SERVING_THRESHOLDS, tune_for_serving


@pytest.fixture
def thresholds_restored() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


@pytest.mark.usefixtures("thresholds_restored")
def test_serving_collects_the_young_generation_less_often_and_the_old_ones_in_proportion() -> None:
    gc.set_threshold(700, 10, 10)
    tune_for_serving()
    assert gc.get_threshold() == SERVING_THRESHOLDS
    young, middle, old = SERVING_THRESHOLDS
    assert young > 700
    assert (middle, old) == (10, 10)
    assert gc.isenabled()
