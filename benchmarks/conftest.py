"""Benchmarks run only when asked: python -m pytest benchmarks --benchmark-only."""
