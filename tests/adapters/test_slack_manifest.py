"""``reachout slack manifest``: a valid app manifest, generated from the registry."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from adapters.slack.manifest import BOT_SCOPES, build_manifest, manifest_text
from bot.commands.catalog import build_registry
from tests.fakes.slack_model import BOT_SCOPES as FAKE_INSTALL_SCOPES

SCHEMA = Path(__file__).resolve().parents[1] / "specs" / "slack-manifest.schema.1.0.0.json"
PUBLIC_URL = "https://reachout.example.org"


def manifest_for(http_url: str | None = None) -> Any:
    """The manifest as plain data, for reading in tests."""
    return build_manifest(build_registry(), http_url)


def validate(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(manifest)


Cli = Callable[[list[str]], int]


def print_manifest(
    cli: Cli, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    status = cli(["slack", "manifest", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.mark.parametrize("http_url", [None, PUBLIC_URL])
def test_the_manifest_follows_slacks_schema(http_url: str | None) -> None:
    manifest = manifest_for(http_url)

    validate(manifest)


def test_every_command_is_a_slash_command_with_its_description_and_usage() -> None:
    registry = build_registry()

    commands = manifest_for()["features"]["slash_commands"]

    assert [c["command"] for c in commands] == [f"/{c.name}" for c in registry]
    by_name = {c["command"]: c for c in commands}
    assert by_name["/sent"] == {
        "command": "/sent",
        "description": next(c.description for c in registry if c.name == "sent"),
        "usage_hint": "[contact] [org:text] [count:1-20] [note:text] [new:yes|no]",
        "should_escape": True,
    }
    assert by_name["/cohort"]["usage_hint"] == (
        "setup|schedule|goal|preview|nudge-now|stats|report|export|organizers"
    )
    assert by_name["/progress"]["usage_hint"] == "[chart:yes|no]"
    assert all(c["should_escape"] for c in commands)


def test_socket_mode_by_default_with_the_least_scopes_and_the_home_tab() -> None:
    manifest = manifest_for()

    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["event_subscriptions"] == {"bot_events": ["app_home_opened"]}
    assert settings["interactivity"] == {"is_enabled": True}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["oauth_config"] == {"scopes": {"bot": list(BOT_SCOPES)}}
    # The fake installs the app with exactly these scopes: nothing the bot uses is missing.
    assert sorted(BOT_SCOPES) == sorted(FAKE_INSTALL_SCOPES.split(","))


def test_http_mode_points_every_request_at_the_events_url() -> None:
    manifest = manifest_for(PUBLIC_URL + "/")

    url = f"{PUBLIC_URL}/slack/events"
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["event_subscriptions"]["request_url"] == url
    assert settings["interactivity"]["request_url"] == url
    commands = manifest["features"]["slash_commands"]
    assert {c["url"] for c in commands} == {url}


def test_reachout_slack_manifest_prints_yaml_that_reads_back_as_the_manifest(
    cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    socket_status, socket_yaml, _ = print_manifest(cli, capsys)
    http_status, http_yaml, _ = print_manifest(cli, capsys, "--http", PUBLIC_URL)

    assert (socket_status, http_status) == (0, 0)
    assert yaml.safe_load(socket_yaml) == build_manifest(build_registry())
    assert yaml.safe_load(http_yaml) == build_manifest(build_registry(), PUBLIC_URL)
    assert "  slash_commands:\n    - command: /sent\n" in socket_yaml  # block style, readable
    assert socket_yaml.startswith("# reachout's Slack app manifest (Socket Mode).")


@pytest.mark.parametrize("url", ["http://reachout.example.org", "reachout.example.org", "https://"])
def test_a_url_slack_would_not_call_is_one_clear_line(
    url: str, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = print_manifest(cli, capsys, "--http", url)

    assert status == 2
    assert out == ""
    assert err.startswith("reachout: --http: ")
    assert "is not an https:// URL" in err
    assert err.count("\n") == 1


def test_manifest_yaml_is_what_the_cli_prints(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    _, printed, _ = print_manifest(cli, capsys, "--http", PUBLIC_URL)

    assert printed == manifest_text(build_registry(), PUBLIC_URL)


def test_the_manifest_as_json_is_the_same_manifest(
    cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    status, printed, _ = print_manifest(cli, capsys, "--format", "json", "--http", PUBLIC_URL)

    assert status == 0
    assert json.loads(printed) == build_manifest(build_registry(), PUBLIC_URL)


def test_an_unknown_format_is_one_clear_line(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli(["slack", "manifest", "--format", "toml"])
    err = capsys.readouterr().err

    assert exited.value.code == 2
    assert "invalid choice: 'toml'" in err
    assert "Traceback" not in err
