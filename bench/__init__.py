"""Benchmarks of Intelligence emploi (run as modules: ``python -m bench.NAME``)."""
