"""Uploaded materials: immutable versions in the document store, judged by content."""
