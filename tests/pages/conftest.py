"""Fixtures of the page tests."""

from tests.pages.catalogue import compiled_catalogue

__all__ = ["compiled_catalogue"]
