"""Target employers through the console: Dalton's ranking, the top five, what to write to
next, CSV import (all or nothing, every bad row by line), privacy, export and forget."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.targets import Target, rank_targets
from tests.conftest import Console

TEN = """employer,alumni,motivation,posting
Acme Labs,yes,3,no
Initech,no,3,yes
Globex,yes,2,yes
Umbrella Bio,no,1,no
Stark Analytics,yes,3,yes
Wayne Data,no,2,no
Tyrell Genomics,no,2,yes
Cyberdyne,yes,1,yes
Soylent Foods,no,3,no
Hooli,yes,2,no
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def ranked_names(out: str) -> list[str]:
    names = []
    for line in out.splitlines():
        head, _, rest = line.partition(". ")
        if head.isdigit():
            names.append(rest.removeprefix("⭐ ").split(":")[0])
    return names


async def test_a_ten_row_list_is_imported_ranked_and_suggests_a_sensible_next(
    console: Console, tmp_path: Path
) -> None:
    out = await console.run(f"/targets import {write(tmp_path, 'ten.csv', TEN)}")
    assert "Imported 10 employers; your list has 10" in out
    shown = await console.run("/targets")
    assert ranked_names(shown) == [
        "Stark Analytics",
        "Initech",
        "Acme Labs",
        "Soylent Foods",
        "Globex",
        "Tyrell Genomics",
        "Hooli",
        "Wayne Data",
        "Cyberdyne",
        "Umbrella Bio",
    ]
    assert shown.count("⭐") == 6  # five active, and the legend
    assert "Next: Stark Analytics: motivation 3 (dream), posting open, an advocate there" in (
        await console.run("/targets next")
    )
    await console.run('/sent Jane Doe org:"stark analytics"')
    assert "Stark Analytics: motivation 3 (dream), posting open, an advocate there · 1 contact" in (
        await console.run("/targets list")
    )
    assert "Next: Initech" in await console.run("/targets next")


async def test_the_next_target_comes_back_once_its_clock_has_stopped(console: Console) -> None:
    await console.run("/targets add Acme motivation:3")
    await console.run("/sent Jane org:Acme")
    assert "Every employer on your list has an email waiting" in await console.run("/targets next")
    await console.run("/reply Jane")
    assert "Next: Acme" in await console.run("/targets next")


async def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(
    console: Console, tmp_path: Path
) -> None:
    await console.run("/targets add Acme")
    before = console.snapshot()
    bad = "\n".join(
        [
            "Initech,no,3,yes",
            ",yes,3,no",
            "Globex,maybe,2,no",
            "Hooli,no,5,no",
            "Initech,no,1,no",
            "a,b,c,d,e",
        ]
    )
    out = await console.run(f"/targets import {write(tmp_path, 'bad.csv', bad)}")
    assert out.startswith("Nothing was imported")
    for expected in (
        "line 2: the employer is empty",
        "line 3: alumni should be yes or no",
        "line 4: motivation should be 1, 2 or 3",
        "line 5: Initech is already on an earlier line",
        "line 6: 5 columns",
    ):
        assert expected in out
    assert "line 1" not in out
    assert console.snapshot() == before


async def test_oversized_and_overlong_lists_are_refused_in_one_sentence(
    console: Console, tmp_path: Path
) -> None:
    before = console.snapshot()
    huge = write(tmp_path, "huge.csv", "Acme,yes,3,no\n" * 400_000)  # about 5.6 MB
    assert huge.stat().st_size > 5_000_000
    out = await console.run(f"/targets import {huge}")
    assert out == (
        "That file is more than 160 KB, which is all I read: keep the rows you need and upload "
        "it again."
    )
    overlong = write(tmp_path, "overlong.csv", "Acme,yes,3,no\n" * 3000)  # 42,000 characters
    assert "`csv` can be at most 40000 characters" in (
        await console.run(f"/targets import {overlong}")
    )
    rows = "".join(f"Org {n},no,2,no\n" for n in range(201))
    out = await console.run(f"/targets import {write(tmp_path, 'long.csv', rows)}")
    assert "That list has 201 rows; a target list holds at most 200" in out
    assert "I can't read the file" in await console.run("/targets import /no/such/file.csv")
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert "isn't UTF-8 text" in await console.run(f"/targets import {binary}")
    nul = write(tmp_path, "nul.csv", "Acme\x00,yes,3,no\n")
    assert "control character" in await console.run(f"/targets import {nul}")
    assert "`motivation` must be a whole number from 1 to 3" in (
        await console.run("/targets add Acme motivation:9")
    )
    assert "isn't on your list" in await console.run("/targets remove Nowhere")
    assert console.snapshot() == before


async def test_a_formula_is_stored_as_text_and_exported_safely(
    console: Console, tmp_path: Path
) -> None:
    formula = '=HYPERLINK("http://evil.example","click")'
    row_text = '"' + formula.replace('"', '""') + '",no,3,no'
    await console.run("/targets import " + str(write(tmp_path, "f.csv", row_text)))
    assert f"1. ⭐ {formula}: motivation 3" in await console.run("/targets")
    out = await console.run("/targets export")
    exported = Path(out.rsplit("(saved to ", 1)[1].rstrip(")"))
    [header, row] = list(csv.reader(exported.read_text(encoding="utf-8").splitlines()))
    assert header == ["employer", "alumni", "motivation", "posting"]
    assert row[0] == "'" + formula
    document = await console.run("/mydata export")
    data = json.loads(Path(document.rsplit("(saved to ", 1)[1].rstrip(")")).read_text("utf-8"))
    assert data["targets"][0]["employer"] == formula
    again = await console.run(f"/targets import {exported}")
    assert "your list has 1" in again


async def test_targets_are_private_and_forget_erases_them(console: Console) -> None:
    await console.run("/targets add Acme motivation:3")
    assert "Your target list is empty" in await console.run("/targets", as_name="Sam")
    await console.run("/mydata forget confirm:yes", as_name="Alex")
    assert console.count("targets") == 0


def target(ident: int, motivation: int, posting: bool, advocate: bool) -> Target:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=ident)
    return Target(ident, 1, f"Org {ident}", advocate, motivation, posting, at)


@given(
    st.lists(st.tuples(st.integers(1, 3), st.booleans(), st.booleans()), min_size=1, max_size=30)
)
def test_ranking_is_motivation_then_posting_then_advocate_then_first_added(
    rows: list[tuple[int, bool, bool]],
) -> None:
    targets = [target(i, m, p, a) for i, (m, p, a) in enumerate(rows)]
    ranked = rank_targets(targets)
    keys = [(-t.motivation, not t.posting, not t.advocate, t.id) for t in ranked]
    assert keys == sorted(keys)
    assert sorted(t.id for t in ranked) == list(range(len(rows)))
