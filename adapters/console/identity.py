"""Who the console's default member is: the person logged in to this machine, by the name
the system knows them by, so the leaderboard and the cohort's organizers name a person."""

from __future__ import annotations

import getpass
import os

NAME_LIMIT = 80
"""The longest name ``/as`` takes."""
UNNAMED = ("", "You")
"""Names that say no one was named: none, or the placeholder ``reachout console`` passed
when the environment had no ``USER``."""


def system_user_name() -> str:
    """The real name in the user's account (the passwd "gecos" field, up to its first comma),
    else the login name capitalized, as before (members are told apart by name, case
    ignored); "You" only when the system knows neither."""
    try:
        import pwd  # POSIX only: Windows knows the login name alone

        entry = pwd.getpwuid(os.getuid())
    except (ImportError, KeyError):
        real, login = "", _login()
    else:
        real, login = entry.pw_gecos.split(",", 1)[0], entry.pw_name
    real, login = _clean(real), _clean(login)
    if real and real.casefold() != login.casefold():
        return real
    return login.capitalize() or "You"


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _clean(name: str) -> str:
    """The name on one line, spaces collapsed; none if it holds control characters (an
    escape sequence is no name) or is longer than ``/as`` allows."""
    cleaned = " ".join(name.split())
    if not cleaned.isprintable() or len(cleaned) > NAME_LIMIT:
        return ""
    return cleaned
