"""A real SMTP server (aiosmtpd) on a free local port, and an app that mails to it."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

SENDER = "portal@portal.test"


@dataclass
class Received:
    recipients: list[str]
    message: Message

    @property
    def subject(self) -> str:
        return str(email.header.make_header(email.header.decode_header(self.message["Subject"])))

    @property
    def body(self) -> str:
        part = self.message.get_payload(decode=True)
        assert isinstance(part, bytes)
        return part.decode(self.message.get_content_charset() or "utf-8")


@dataclass
class SmtpServer:
    """An SMTP server that keeps what it receives; it can be stopped and started
    again on the same port (a mail server that is down for a while)."""

    port: int
    received: list[Received] = field(default_factory=list)
    controller: Controller | None = None

    async def handle_DATA(  # noqa: N802 - aiosmtpd's handler hook
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        self.received.append(Received(list(envelope.rcpt_tos), email.message_from_bytes(content)))
        return "250 Message accepted"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp: SmtpServer) -> dict[str, Any]:
    """The test app, sending e-mail to :func:`smtp` (plain SMTP, no STARTTLS)."""
    return {
        **app_config,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp.port,
        "SMTP_FROM": SENDER,
        "SMTP_STARTTLS": False,
    }
