"""The hardening tests read the API's messages in English (``Accept-Language: en``)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test client of these tests asks for English, as an English program would."""
    original = FlaskClient.__init__

    def init(self: FlaskClient, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    monkeypatch.setattr(FlaskClient, "__init__", init)
