"""The Discord adapter: slash commands generated from the registry, replies, and delivery.

``reachout run`` calls :func:`serve` when ``DISCORD_TOKEN`` is set; ``reachout discord
invite-url`` calls :func:`invite_url`. Importing this package connects to nothing.
"""

from adapters.discord.config import SETTINGS
from adapters.discord.notifier import DiscordNotifier
from adapters.discord.service import check_settings, doctor, invite_url, serve

__all__ = ["SETTINGS", "DiscordNotifier", "check_settings", "doctor", "invite_url", "serve"]
