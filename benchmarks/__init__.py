"""Performance benchmarks: commands of their own, run by hand, not part of the tests.

``python -m benchmarks.engine`` measures the engine and storage; see docs/benchmarks.md.
"""
