"""Slack: slash commands, buttons and forms, the App Home and delivery, through slack-bolt.

``reachout run`` calls ``serve`` when Slack settings are present; ``reachout slack manifest``
calls ``manifest_text``. Socket Mode (``SLACK_APP_TOKEN``) or HTTP mode
(``SLACK_SIGNING_SECRET``); see docs/slack.md.
"""

from adapters.slack.config import SETTINGS
from adapters.slack.manifest import manifest_text
from adapters.slack.notifier import SlackNotifier
from adapters.slack.service import SlackService, check_settings, doctor, running, serve

__all__ = [
    "SETTINGS",
    "SlackNotifier",
    "SlackService",
    "check_settings",
    "doctor",
    "manifest_text",
    "running",
    "serve",
]
