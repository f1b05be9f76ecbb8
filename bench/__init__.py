"""Benchmarks and synthetic data for the loader (not part of the shipped app)."""
