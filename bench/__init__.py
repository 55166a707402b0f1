"""Benchmarks and the synthetic cluster generator (``bench.generate``); not part of netpol."""
