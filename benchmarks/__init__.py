"""Benchmarks comparing mcrules with a numpy ceiling and peer rule engines on the same data."""
