"""The import direction of DESIGN.md section 8: adapters -> bot <- storage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_LIBRARIES = {"discord", "slack_bolt", "slack_sdk"}


def imported_modules(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Top-level modules each file of a package imports, found by reading its source."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(root))] = names
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


def test_the_checker_finds_forbidden_imports_anywhere_in_a_file(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text(
        "import discord.ext\n"
        "def f():\n    from slack_bolt.async_app import AsyncApp\n"
        "from adapters.console import render\nfrom . import sibling\n"
    )
    assert imported_modules("pkg", tmp_path) == {"pkg/a.py": {"discord", "slack_bolt", "adapters"}}
