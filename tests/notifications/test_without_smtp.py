"""Without ``SMTP_HOST`` the portal sends no e-mail and keeps none for later;
the messages are in the portal all the same."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from portal.accounts.models import Role, User
from portal.core.config import ConfigError, Settings
from portal.mail.models import OutboxEmail
from tests.helpers import Api, Factory, count_rows
from tests.notifications.conftest import SmtpServer
from tests.notifications.test_decisions_by_email import (
    OFFICE,
    REASON,
    colleague_with_address,
    messages_about,
    tick,
)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "SMTP_HOST": ""}


def test_nothing_is_sent_or_kept_when_smtp_host_is_unset(
    app: Flask, api: Api, factory: Factory, smtp: SmtpServer
) -> None:
    user: User = factory.applicant()
    colleague_with_address(app, user, OFFICE, "office")
    cinema = api.as_user(user)
    application = cinema.submitted_cinema_application()

    returned = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43")).decide(
        application["id"], "return", REASON
    )

    assert returned.status_code == 200
    (message,) = messages_about(cinema, application)
    assert REASON in message["message"]
    assert count_rows(app, OutboxEmail) == 0
    assert tick(app) == "0 timer(s) fired"
    assert smtp.received == []


def test_smtp_host_needs_a_sender(tmp_path: Any) -> None:
    env = {"PORTAL_ENV": "testing", "SMTP_HOST": "mail.example.cn"}
    with pytest.raises(ConfigError, match="SMTP_FROM"):
        Settings.from_env(env, instance_path=str(tmp_path))
    with pytest.raises(ConfigError, match="SMTP_PORT"):
        Settings.from_env(
            {**env, "SMTP_FROM": "portal@example.cn", "SMTP_PORT": "smtp"},
            instance_path=str(tmp_path),
        )
    settings = Settings.from_env(
        {**env, "SMTP_FROM": "portal@example.cn", "SMTP_STARTTLS": "false"},
        instance_path=str(tmp_path),
    )
    assert (settings.SMTP_HOST, settings.SMTP_PORT, settings.SMTP_STARTTLS) == (
        "mail.example.cn",
        587,
        False,
    )
    assert "secret" not in repr(Settings(SMTP_PASSWORD="secret"))
