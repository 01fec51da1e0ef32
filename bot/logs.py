"""Logging: text for people, one JSON object a line for log collectors; secrets never shown.

Redaction happens on the finished text of every field, tracebacks included, so a secret that
reaches a log through an exception or a library's debug output is caught as well as one in
a message. Besides the configured secrets, anything shaped like a Slack or Discord token, or
an ``Authorization`` header's credential, is replaced.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

LOG_FORMATS = ("text", "json")
MASK = "********"
CONTEXT_FIELDS = ("platform", "workspace", "command", "duration")
"""Fields a record may carry (``extra=``) that JSON lines show as their own keys."""

_TOKEN_SHAPES = re.compile(
    r"xox[a-z]-[A-Za-z0-9-]{8,}"  # Slack bot, user and configuration tokens
    r"|xapp-[A-Za-z0-9-]{8,}"  # Slack app-level tokens
    r"|[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"  # Discord bot tokens
    r"|(?<=Bot )[A-Za-z0-9._-]{24,}|(?<=Bearer )[A-Za-z0-9._-]{24,}"  # header credentials
)


class Redactor:
    """Replaces the configured secrets, and anything token-shaped, in a piece of text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return _TOKEN_SHAPES.sub(MASK, text)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message`` with any traceback, redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, context fields, exception."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._redact(record.getMessage()),
        }
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = self._redact(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = self._redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = self._redact(record.exc_text)
        if record.stack_info:
            line["stack"] = self._redact(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(
    level: str, fmt: str, secrets: Iterable[str], *, interactive: bool = False
) -> None:
    """Log to standard error; a terminal session only shows warnings unless asked for DEBUG."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    number = logging.getLevelName(level)
    if interactive and number > logging.DEBUG:
        number = max(number, logging.WARNING)
    root.setLevel(number)
    logging.getLogger("apscheduler").setLevel(max(number, logging.WARNING))
