"""Health and metrics: what each platform's connection is doing, and ``/healthz``, ``/metrics``."""
