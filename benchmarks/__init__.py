"""Benchmarks for newsbrief: ``python -m benchmarks [--quick]``."""
