"""Errors whose message is meant for the person who typed the command."""


class UserError(Exception):
    """Something the user can fix; the message says what was wrong and what would work."""
