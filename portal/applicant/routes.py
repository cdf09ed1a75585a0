"""Routes of the applicant area."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("applicant", __name__)
