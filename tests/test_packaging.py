"""What a self-hoster downloads: the sdist holds the docs, the settings template and the tests."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import bot

ROOT = Path(__file__).resolve().parent.parent


def test_the_sdist_carries_docs_settings_template_tests_and_deployment(tmp_path: Path) -> None:
    build = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import sys; from setuptools import build_meta; "
            "print(build_meta.build_sdist(sys.argv[1]))",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    archive = tmp_path / build.stdout.strip().splitlines()[-1]
    with tarfile.open(archive) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    top = f"reachout-{bot.__version__}"
    assert archive.name == f"{top}.tar.gz"
    expected = {
        "LICENSE",
        "CHANGELOG.md",
        "CONTRIBUTING.md",
        "SECURITY.md",
        ".env.example",
        "docs/deploy.md",
        "deploy/reachout.service",
        "Dockerfile",
        "compose.yaml",
        "docs/slack.md",
        "tests/conftest.py",
        "tests/fakes/discord.py",
        "tests/specs/discord-openapi.json",
        "storage/migrations/0001_initial.sql",
        "reachout/__main__.py",
    }
    assert expected <= names, expected - names
    assert not any("__pycache__" in name for name in names)


def test_python_m_reachout_is_the_command_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reachout", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == f"reachout {bot.__version__}"
