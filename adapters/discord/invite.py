"""The install link: the two OAuth2 scopes and the least permissions reachout needs."""

from __future__ import annotations

import discord

SCOPES = ("bot", "applications.commands")

BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,  # see the cohort's channel, to post nudges there
    send_messages=True,  # post nudges, reminders and shared leaderboards
    embed_links=True,  # show progress and leaderboards as embeds in those posts
    attach_files=True,  # hand over /mydata export and /cohort export files
)
"""1024 + 2048 + 16384 + 32768 = 52224. Never Mention Everyone, never Administrator."""


def install_link(application_id: int) -> str:
    """The URL a server admin opens to add the bot with its commands."""
    return discord.utils.oauth_url(application_id, permissions=BOT_PERMISSIONS, scopes=SCOPES)
