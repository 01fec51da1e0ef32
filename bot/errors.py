"""Errors whose message is meant for the person who typed the command."""


class UserError(Exception):
    """Something the user can fix; the message says what was wrong and what would work."""


class PlatformUnreachable(Exception):
    """A platform could not be reached (network, outage); worth trying again later.

    The message says where reachout tried to reach it, for the person running the bot.
    """
