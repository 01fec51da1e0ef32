"""The import direction: adapters -> bot <- storage, no circles, adapters through the port;
and what a running bot leaves unloaded until a command needs it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_LIBRARIES = {"discord", "slack_bolt", "slack_sdk"}
PAST_THE_PORT = {"storage", "bot.store", "bot.nudges.ledger", "bot.runtime", "bot.engine"}
"""What an adapter must not import: storage, its contracts, and the wired core behind the
port (``bot.port.AdapterPort`` is the way in)."""


def _imports(tree: ast.AST) -> set[str]:
    """Every absolute module name a file imports, wherever in the file the import is."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def full_imports(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Modules each file of a package imports, by full dotted name."""
    return {
        str(path.relative_to(root)): _imports(ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted((root / package).rglob("*.py"))
    }


def imported_modules(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Top-level modules each file of a package imports, found by reading its source."""
    return {
        path: {name.split(".")[0] for name in names}
        for path, names in full_imports(package, root).items()
    }


def module_name(path: str) -> str:
    dotted = path.removesuffix(".py").replace("/", ".")
    return dotted.removesuffix(".__init__")


def import_graph(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (``from a.b import c`` names
    ``a.b``, or ``a.b.c`` where that is a module)."""
    files = full_imports(package, root)
    modules = {module_name(path) for path in files}
    graph: dict[str, set[str]] = {}
    for path, names in files.items():
        targets = set()
        for name in names:
            if name in modules:
                targets.add(name)
        graph[module_name(path)] = targets
    for path in files:
        tree = ast.parse((root / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    child = f"{node.module}.{alias.name}"
                    if child in modules:
                        graph[module_name(path)].add(child)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules, or a module importing itself
    (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("path_and_names", imported_modules("bot").items(), ids=str)
def test_bot_never_imports_a_platform_library_or_an_adapter(
    path_and_names: tuple[str, set[str]],
) -> None:
    path, names = path_and_names
    assert not names & (PLATFORM_LIBRARIES | {"adapters"}), path


@pytest.mark.parametrize("path_and_names", imported_modules("storage").items(), ids=str)
def test_storage_never_imports_adapters_or_platform_libraries(
    path_and_names: tuple[str, set[str]],
) -> None:
    path, names = path_and_names
    assert not names & (PLATFORM_LIBRARIES | {"adapters"}), path


def test_only_the_cli_imports_storage_from_bot() -> None:
    users = {path for path, names in imported_modules("bot").items() if "storage" in names}
    assert users == {"bot/cli.py"}


@pytest.mark.parametrize("package", ["bot", "adapters", "storage"])
def test_no_package_has_an_import_cycle(package: str) -> None:
    assert cycles(import_graph(package)) == []


@pytest.mark.parametrize("path_and_names", full_imports("adapters").items(), ids=str)
def test_adapters_reach_the_core_only_through_the_port(
    path_and_names: tuple[str, set[str]],
) -> None:
    path, names = path_and_names
    past = {n for n in names if any(n == f or n.startswith(f + ".") for f in PAST_THE_PORT)}
    assert past == set(), path


def test_the_checker_finds_forbidden_imports_anywhere_in_a_file(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text(
        "import discord.ext\n"
        "def f():\n    from slack_bolt.async_app import AsyncApp\n"
        "from adapters.console import render\nfrom . import sibling\n"
    )
    assert imported_modules("pkg", tmp_path) == {"pkg/a.py": {"discord", "slack_bolt", "adapters"}}


def test_the_cycle_checker_finds_a_circle_through_three_modules(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("import pkg.c\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import thing\n"
    )
    (package / "d.py").write_text("from pkg import a\n")
    assert cycles(import_graph("pkg", tmp_path)) == [["pkg.a", "pkg.c", "pkg.sub.b"]]


NOT_AT_START = {
    "holidays",
    "yaml",
    "asyncpg",
    "PIL",
    "matplotlib",
    "prompt_toolkit",
    "prometheus_client",
}
"""Libraries a bot running Discord and Slack on SQLite loads only when a command needs them:
a calendar looked up, a manifest printed, PostgreSQL configured, a chart drawn, a terminal,
a health port set."""


def _modules_after(code: str) -> set[str]:
    """Top-level modules loaded in a fresh interpreter once ``code`` has run."""
    shown = "import sys; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run(  # noqa: S603 - this interpreter, code of this file
        [sys.executable, "-c", f"{code}\n{shown}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return set(done.stdout.split())


def test_the_cli_with_both_adapters_leaves_heavy_libraries_unloaded() -> None:
    loaded = _modules_after(
        "import bot.cli\nfor name in bot.cli.PLATFORMS.values(): __import__(name)"
    )
    assert {"bot", "discord", "slack_bolt", "aiohttp"} <= loaded
    assert loaded & NOT_AT_START == set()


def test_a_calendar_lookup_and_a_manifest_load_what_they_need() -> None:
    loaded = _modules_after(
        "from datetime import date\n"
        "from bot.holidays import HolidayCalendar\n"
        "from adapters.slack.manifest import manifest_text\n"
        "from bot.commands.catalog import build_registry\n"
        "assert HolidayCalendar('US').holiday(date(2026, 7, 4))\n"
        "assert manifest_text(build_registry()).startswith('#')"
    )
    assert {"holidays", "yaml"} <= loaded
