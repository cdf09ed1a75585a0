"""The public register of filed software: revoked filings apart and without a
validity, and the search by the package's full MD5 or SHA-256 (page and API)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import OrgType, Role
from portal.core.extensions import db
from portal.processes.software_filing.models import SoftwareFiling
from tests.filing import AGENT_SOFTWARE, FilingSteps, package_zip
from tests.helpers import Api, Factory
from tests.pages.support import signed_in, text


@pytest.fixture
def filings(api: Api, factory: Factory) -> list[dict[str, Any]]:
    """Two filed products: the vendor's (to be revoked) and the agent's."""
    national = api.as_user(factory.staff(Role.NATIONAL_REVIEWER, username="national"))
    institute = api.as_user(factory.staff(Role.TESTING_INSTITUTE, username="institute"))
    vendor = factory.applicant(org_type=OrgType.TICKETING_VENDOR, username="vendor")
    agent = factory.applicant(org_type=OrgType.TICKET_AGENT, username="agent")
    # Packages of their own: two zips built in the same second would be identical.
    first = FilingSteps(api.as_user(vendor), national, institute).filed(
        package=package_zip("vendor build")
    )
    second = FilingSteps(api.as_user(agent), national, institute).filed(AGENT_SOFTWARE)
    return [first, second]


def digests(app: Flask, filing_number: str) -> tuple[str, str]:
    with app.app_context():
        filing = db.session.scalar(
            sa.select(SoftwareFiling).where(SoftwareFiling.filing_number == filing_number)
        )
        assert filing is not None and filing.package_md5 and filing.package_sha256
        return filing.package_md5, filing.package_sha256


def revoke(app: Flask, filed: dict[str, Any]) -> None:
    national = signed_in(app, "national")
    response = national.post(
        f"/verify/{filed['result']['certificate_number']}/revoke",
        data={"reason": "检测报告造假", "confirm": "yes"},
    )
    assert response.status_code == 302


def sections(client: FlaskClient, **query: Any) -> tuple[str, str]:
    """The register page's HTML before the revoked section, and the revoked section."""
    html = client.get("/register/software", query_string=query).get_data(as_text=True)
    main, _, revoked = html.partition('<section class="card register-revoked"')
    return main, revoked


def test_revoked_filings_are_listed_apart_without_a_validity(
    app: Flask, client: FlaskClient, filings: list[dict[str, Any]]
) -> None:
    revoked_filing, in_force = filings
    revoke(app, revoked_filing)

    main, revoked = sections(client)

    assert in_force["result"]["filing_number"] in main
    assert revoked_filing["result"]["filing_number"] not in main
    assert revoked_filing["result"]["filing_number"] in revoked
    assert "已撤销的备案" in revoked and "badge-filing-revoked" in revoked
    assert "有效期至" not in revoked and "Valid until" not in revoked
    assert "badge-filing-revoked" not in main


def test_without_revocations_there_is_no_revoked_section(
    client: FlaskClient, filings: list[dict[str, Any]]
) -> None:
    main, revoked = sections(client)

    assert revoked == ""
    assert all(f["result"]["filing_number"] in main for f in filings)


@pytest.mark.parametrize("kind", ["md5", "sha256", "MD5 in capitals", "sha256 with spaces"])
def test_the_search_finds_a_package_by_its_full_digest(
    app: Flask, client: FlaskClient, filings: list[dict[str, Any]], kind: str
) -> None:
    wanted, other = filings[1], filings[0]
    md5, sha256 = digests(app, wanted["result"]["filing_number"])
    assert (md5, sha256) != digests(app, other["result"]["filing_number"])
    query = {
        "md5": md5,
        "sha256": sha256,
        "MD5 in capitals": md5.upper(),
        "sha256 with spaces": f"  {sha256}  ",
    }[kind]

    page = text(client.get("/register/software", query_string={"q": query}))
    api = client.get("/api/v1/register/software", query_string={"q": query}).get_json()

    assert wanted["result"]["filing_number"] in page
    assert other["result"]["filing_number"] not in page
    assert [item["filing_number"] for item in api["items"]] == [wanted["result"]["filing_number"]]


def test_a_digest_of_a_revoked_package_finds_it_among_the_revoked(
    app: Flask, client: FlaskClient, filings: list[dict[str, Any]]
) -> None:
    revoked_filing = filings[0]
    revoke(app, revoked_filing)
    md5, _ = digests(app, revoked_filing["result"]["filing_number"])

    main, revoked = sections(client, q=md5)

    assert revoked_filing["result"]["filing_number"] in revoked
    assert "没有符合条件的在册备案" in re.sub(r"<[^>]+>", "", main)
    api = client.get("/api/v1/register/software", query_string={"q": md5}).get_json()
    assert [item["status"] for item in api["items"]] == ["revoked"]


@pytest.mark.parametrize("query", ["0" * 31, "0" * 32, "g" * 32, "0" * 64, "0" * 63])
def test_a_digest_of_no_package_finds_nothing(
    client: FlaskClient, filings: list[dict[str, Any]], query: str
) -> None:
    api = client.get("/api/v1/register/software", query_string={"q": query}).get_json()

    assert api["items"] == [] and api["total"] == 0
    assert client.get("/register/software", query_string={"q": query}).status_code == 200
