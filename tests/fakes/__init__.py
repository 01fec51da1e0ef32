"""Realistic fakes of Discord and Slack, served over loopback."""
