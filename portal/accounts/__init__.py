"""Organisations, users, passwords, API tokens: who may sign in and as what."""
