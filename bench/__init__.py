"""Benchmarks: repeatable measurements of the portal's hot paths (see README.md).

Not part of the test suite; each benchmark is a module run with ``python -m``.
"""
