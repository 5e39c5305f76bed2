"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd in a thread), which can be told to
answer "try again later" a number of times or to refuse an address for good."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    port: int = 0
    received: list[EmailMessage] = field(default_factory=list)
    busy_times: int = 0            # answer 451 to this many messages first
    refused: set[str] = field(default_factory=set)  # answer 550 to these recipients

    def config(self) -> dict[str, Any]:
        return {"LDPTRAIN_MAIL_SERVER": "127.0.0.1", "LDPTRAIN_MAIL_PORT": self.port,
                "LDPTRAIN_MAIL_USE_TLS": False}

    def environ(self) -> dict[str, str]:
        return {"LDPTRAIN_MAIL_SERVER": "127.0.0.1", "LDPTRAIN_MAIL_PORT": str(self.port),
                "LDPTRAIN_MAIL_USE_TLS": "false"}


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address in self.inbox.refused:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.inbox.busy_times > 0:
            self.inbox.busy_times -= 1
            return "451 4.3.0 busy, try again later"
        self.inbox.received.append(
            message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    inbox = Inbox(port=_free_port())
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
