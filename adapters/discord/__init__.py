"""The Discord adapter: slash commands generated from the registry, replies, and delivery.

Importing this package connects to nothing.
"""
