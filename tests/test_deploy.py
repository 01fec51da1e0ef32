"""The deployment files, tested without Docker or systemd: what they start, and how they stop.

The image's entry point, environment, working folder and health check are read from the
Dockerfile itself and run as the container would run them, against the fake Slack.
``hadolint`` lints the Dockerfile in CI (``.ci/run``).
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest_asyncio
import yaml

from bot.nudges.courier import SEND_TIMEOUT
from tests.fakes.slack import FakeSlack
from tests.processes import base_env, closed_port, reachout_run, slack_socket_env

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Image:
    """The final stage of the Dockerfile, as far as running the container goes."""

    env: dict[str, str] = field(default_factory=dict)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    workdir: str = "/"
    user: str = "root"
    volumes: list[str] = field(default_factory=list)
    stop_signal: str = "SIGTERM"


def read_dockerfile(path: Path = ROOT / "Dockerfile") -> Image:
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    image = Image()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        rest = rest.strip()
        match instruction.upper():
            case "FROM":
                image = Image()  # only the last stage is the image
            case "ENV":
                image.env.update(pair.split("=", 1) for pair in shlex.split(rest))
            case "ENTRYPOINT":
                image.entrypoint = json.loads(rest)
            case "CMD":
                image.cmd = json.loads(rest)
            case "HEALTHCHECK":
                image.healthcheck = json.loads(rest.split(" CMD ", 1)[1])
            case "WORKDIR":
                image.workdir = rest
            case "USER":
                image.user = rest
            case "VOLUME":
                image.volumes = json.loads(rest)
            case "STOPSIGNAL":
                image.stop_signal = rest
    return image


@pytest_asyncio.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


def as_here(argv: list[str]) -> list[str]:
    """The image's ``reachout ...`` as this checkout runs it."""
    assert argv[0] == "reachout"
    return [sys.executable, "-m", "reachout", *argv[1:]]


async def health_check(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *as_here(argv),
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(30):
        out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_the_image_runs_the_bot_on_its_volume_and_its_health_check_turns_green(
    tmp_path: Path, slack: FakeSlack
) -> None:
    image = read_dockerfile()
    assert image.user not in ("root", "0", "")
    assert image.volumes == ["/data"]
    assert image.env["REACHOUT_DATABASE"].startswith(image.volumes[0] + "/")
    assert image.stop_signal == "SIGTERM"
    # The container's folders, under tmp_path; its settings from .env, as compose passes them.
    volume = tmp_path / "data"
    volume.mkdir()
    env = {
        **base_env(volume / "reachout.db", **slack_socket_env(slack)),
        **{k: v.replace("/data", str(volume)) for k, v in image.env.items()},
    }
    workdir = Path(image.workdir.replace("/data", str(volume)))
    # The image's port, 8080, may be taken on this machine: any free one shows the same.
    assert image.env["REACHOUT_HEALTH_PORT"] == "8080"
    env["REACHOUT_HEALTH_PORT"] = str(port := closed_port())

    before_start = await health_check(image.healthcheck, env, workdir)
    async with reachout_run(env, workdir, tuple(as_here([*image.entrypoint, *image.cmd]))) as bot:
        await slack.socket.wait_connected(within=20)
        for _ in range(100):  # as Docker runs the check: every interval, until it passes
            checked = await health_check(image.healthcheck, env, workdir)
            if checked[0] == 0:
                break
            await asyncio.sleep(0.2)
        status, log = await bot.stop()

    assert before_start[0] == 1
    assert f"no answer from http://127.0.0.1:{port}/healthz" in before_start[1]
    assert checked[1].strip() == "healthy: slack connected"
    assert status == 0
    assert (volume / "reachout.db").exists()
    lines = [json.loads(line) for line in log.splitlines()]  # JSON logs in the image
    assert any(line["message"].startswith("starting slack") for line in lines)


def test_compose_keeps_the_database_on_a_volume_and_gives_deliveries_time_to_finish() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["reachout"]
    image = read_dockerfile()

    assert service["build"] == "."
    assert service["restart"] == "unless-stopped"
    assert {"path": ".env", "required": False} in service["env_file"]
    volume, mount = service["volumes"][0].split(":")
    assert volume in compose["volumes"]
    assert mount == image.volumes[0]
    assert service["environment"]["REACHOUT_DATABASE"] == image.env["REACHOUT_DATABASE"]
    assert int(service["stop_grace_period"].removesuffix("s")) > SEND_TIMEOUT
    assert "ports" not in service  # nothing is published unless the organiser says so


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit's sections, each key with all its values (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def test_the_systemd_unit_restarts_on_failure_lets_deliveries_finish_and_is_hardened() -> None:
    unit = read_unit(ROOT / "deploy" / "reachout.service")
    service = unit["Service"]

    assert service["ExecStart"][0].endswith("/bin/reachout run")
    assert service["Restart"] == ["on-failure"]
    assert service["RestartPreventExitStatus"] == ["2"]  # a bad token: restarting won't help
    assert int(service["TimeoutStopSec"][0]) > SEND_TIMEOUT
    assert service["User"] == ["reachout"]
    assert service["WorkingDirectory"] == ["/var/lib/reachout"]
    assert service["StateDirectory"] == ["reachout"]
    assert "REACHOUT_DATABASE=/var/lib/reachout/reachout.db" in service["Environment"]
    for hardening in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "RestrictSUIDSGID"):
        assert service[hardening] == ["yes"]
    assert service["ProtectSystem"] == ["strict"]
    assert service["CapabilityBoundingSet"] == [""]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
