"""reachout: keeps a cohort writing informational-interview emails."""

__version__ = "0.1.0"
