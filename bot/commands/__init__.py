"""The command layer: one registry of typed commands, its parser, handlers and help."""
