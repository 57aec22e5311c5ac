"""Benchmarks: each module prints measurements against a baseline taken in the same run."""
