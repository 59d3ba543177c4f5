"""Benchmarks: run as modules from the repository root (``python -m bench.bench_broadcast``).

They print figures and ratios; they are not tests.
"""
