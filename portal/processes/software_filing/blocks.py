"""The building blocks only the software filing needs: the testing commission
letter and the filing itself (number, certificate, register, announcement)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.applications.blocks import BlockContext
from portal.processes.software_filing.services import FilingService


def issue_testing_commission(
    ctx: BlockContext, params: Mapping[str, Any], data: Mapping[str, Any]
) -> str:
    """Issue the testing commission letter 委托检测书 of a ticketing-software filing
    to the testing institute (000 §一(一)3, 5) and return its number."""
    service = FilingService(ctx.session, ctx.issuing)
    return service.commission_testing(ctx.application, actor=ctx.actor).number


def file_software(
    ctx: BlockContext, params: Mapping[str, Any], data: Mapping[str, Any]
) -> dict[str, str]:
    """File the tested software (000 §一(一)3): filing number, filing certificate,
    register entry and announcement. Returns ``filing_number``, ``package_md5``,
    ``package_sha256`` and ``certificate_number`` (the BPMN merges them into the
    application's result)."""
    return (
        FilingService(ctx.session, ctx.issuing).file(ctx.application, actor=ctx.actor).as_result()
    )
