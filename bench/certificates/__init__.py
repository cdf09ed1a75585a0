"""Issuing a certificate, and verifying certificates under load (see run.py)."""
