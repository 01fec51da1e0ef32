"""``python -m reachout``: the same command line as ``reachout`` and ``python -m bot``."""
