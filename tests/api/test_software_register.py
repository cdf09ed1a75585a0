"""The public register of filed ticketing software (GET /api/v1/register/software) and
the announcements 公示 of filings, as the public (not signed in) meets them."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
import time_machine

from portal.applications.models import Application
from portal.core.extensions import db
from portal.issuance.models import Announcement, Certificate
from portal.processes.software_filing.models import SoftwareFiling
from portal.processes.software_filing.services import filing_number
from tests.api.filing_fixtures import (  # noqa: F401 (cast_fixture is the fixture "cast")
    CHINA,
    Cast,
    announcements,
    cast_fixture,
    china_today,
    day_before_anniversary,
)
from tests.filing import AGENT_SOFTWARE
from tests.querycount import statements

REGISTER = "/api/v1/register/software"


def register(cast: Cast, **params: Any) -> dict[str, Any]:
    response = cast.api.client.get(REGISTER, query_string=params)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/json"
    return dict(response.get_json())


def numbers(page: dict[str, Any]) -> list[str]:
    return [item["filing_number"] for item in page["items"]]


def filed_directly(cast: Cast, how_many: int) -> list[str]:
    """``how_many`` register entries of one vendor's application, each of another
    product and a second apart, written as rows (numbered by the portal's numbering):
    21 full filings through the API would take a minute. Their numbers, oldest first."""
    draft = cast.vendor_steps.create()
    filed_at = datetime.now(UTC) - timedelta(hours=1)
    today = china_today()
    filed = []
    with cast.app.app_context():
        application = db.session.get(Application, uuid.UUID(draft["id"]))
        assert application is not None
        for index in range(how_many):
            at = filed_at + timedelta(seconds=index)
            number = filing_number(db.session, at)
            db.session.add(
                SoftwareFiling(
                    filing_number=number,
                    variant="cinema_software",
                    product_name=f"分页测试产品{index:02d}",
                    version="V1.0",
                    vendor_name=application.organization.name,
                    organization_id=application.organization_id,
                    application_id=application.id,
                    package_md5=f"{index:032x}",
                    package_sha256=f"{index:064x}",
                    filed_at=at,
                    valid_from=today,
                    valid_until=day_before_anniversary(today, 3),
                )
            )
            filed.append(number)
        db.session.commit()
    return filed


def test_the_register_lists_filed_software_newest_first(cast: Cast) -> None:
    vendor = cast.vendor_steps.filed()
    agent = cast.agent_steps.filed(AGENT_SOFTWARE)
    cast.vendor_steps.submitted(product_name="尚未备案的票务软件")  # under review: not listed

    page = register(cast)

    assert (page["total"], page["page"], page["pages"], page["per_page"]) == (2, 1, 1, 20)
    assert page["q"] == ""
    assert numbers(page) == [agent["result"]["filing_number"], vendor["result"]["filing_number"]]
    for item, filed, name in [
        (page["items"][0], agent, "yunying 有限公司"),
        (page["items"][1], vendor, "xingguang 有限公司"),
    ]:
        result = filed["result"]
        assert item["status"] == "filed"
        assert item["vendor"] == name
        assert item["product_name"] == filed["data"]["product_name"]
        assert item["version"] == "V3.2.1"
        assert item["variant"] == filed["data"]["variant"]
        assert item["package_md5"] == result["package_md5"]
        assert item["package_sha256"] == result["package_sha256"]
        assert item["certificate_number"] == result["certificate_number"]
        assert re.fullmatch(
            rf"https://portal\.test/verify/{result['certificate_number']}\?t=[\w-]+\.[\w-]+\.[\w-]+",
            item["verify_url"],
        )
        assert item["valid_from"] == china_today().isoformat()
        assert item["valid_until"] == day_before_anniversary(china_today(), 3).isoformat()
        assert item["filed_at"].endswith("+08:00")
    assert cast.api.client.get(REGISTER).headers["Cache-Control"] == "no-store"


def test_search_by_product_vendor_or_filing_number(cast: Cast) -> None:
    year = china_today().year
    cast.vendor_steps.filed(product_name="StarLight 影院票务管理系统")
    cast.agent_steps.filed(AGENT_SOFTWARE, product_name="云影网络售票平台")
    vendor, agent = f"DYPW{year}-0001", f"DYPW{year}-0002"
    expected = {
        "starlight": [vendor],  # product, case-insensitive
        "STARLIGHT 影院": [vendor],
        "网络售票": [agent],  # a Chinese substring of the product
        "影": [agent, vendor],
        "YunYing": [agent],  # vendor (the agent's company), case-insensitive
        "xingguang 有限": [vendor],
        "有限公司": [agent, vendor],
        f"dypw{year}-0001": [vendor],  # filing number, case-insensitive
        f"{year}-000": [agent, vendor],
        "  网络售票  ": [agent],
        "不存在的软件": [],
        "%": [],  # no LIKE wildcards
        "_": [],
    }
    for query, found in expected.items():
        page = register(cast, q=query)
        assert numbers(page) == found, query
        assert page["total"] == len(found), query
    empty = register(cast, q="不存在的软件")
    assert (empty["items"], empty["total"], empty["q"]) == ([], 0, "不存在的软件")
    assert register(cast, q="  网络售票  ")["q"] == "网络售票"


def test_twenty_a_page(cast: Cast) -> None:
    filed = filed_directly(cast, 21)
    assert len(set(filed)) == 21
    newest_first = list(reversed(filed))

    first = register(cast)
    second = register(cast, page=2)
    past = register(cast, page=3)

    assert (first["total"], first["pages"], first["page"]) == (21, 2, 1)
    assert numbers(first) == newest_first[:20]
    assert numbers(second) == newest_first[20:] == [filed[0]]
    assert second["page"] == 2
    assert (past["items"], past["total"]) == ([], 21)
    assert numbers(register(cast, page=0)) == newest_first[:20]
    assert numbers(register(cast, page="two")) == newest_first[:20]
    assert {item["status"] for item in first["items"]} == {"filed"}
    matching = register(cast, q="分页测试产品0")
    assert (matching["total"], matching["pages"]) == (10, 1)
    assert numbers(matching) == list(reversed(filed[:10]))


def test_a_revoked_filing_certificate_revokes_the_entry(cast: Cast) -> None:
    filed = cast.vendor_steps.filed()
    number = filed["result"]["certificate_number"]
    url = f"/api/v1/certificates/{number}/revoke"
    reason = {"reason": "安装使用的软件与备案软件不一致，取消备案"}
    assert cast.vendor.post(url, json=reason).status_code == 403
    assert cast.institute.post(url, json=reason).status_code == 403
    assert cast.national.post(url, json={"reason": " "}).status_code == 422
    assert register(cast)["items"][0]["status"] == "filed"

    response = cast.national.post(url, json=reason)

    assert response.status_code == 200, response.get_json()
    (entry,) = register(cast)["items"]
    assert entry["status"] == "revoked"
    assert entry["filing_number"] == filed["result"]["filing_number"]
    assert numbers(register(cast, q=filed["result"]["filing_number"])) == [entry["filing_number"]]
    public = cast.api.client.get(f"/api/v1/certificates/{number}").get_json()
    assert (public["status"], public["revocation_reason"]) == ("revoked", reason["reason"])
    # The revocation of the filing 取消备案 is announced, with its reason.
    filed_notice, revoked_notice = sorted(announcements(cast.app), key=lambda a: a.id)
    assert (filed_notice.kind, revoked_notice.kind) == ("software_filed", "filing_revoked")
    assert revoked_notice.title.startswith("取消票务软件产品备案公示")
    assert filed["result"]["filing_number"] in revoked_notice.body
    assert reason["reason"] in revoked_notice.body
    assert revoked_notice.certificate_id == filed_notice.certificate_id
    # Revoking again changes nothing and announces nothing more.
    assert cast.national.post(url, json=reason).status_code == 409
    assert len(announcements(cast.app)) == 2


def test_after_its_last_valid_day_the_entry_is_expired(cast: Cast) -> None:
    cast.vendor_steps.filed()
    last_day = day_before_anniversary(china_today(), 3)

    with time_machine.travel(datetime.combine(last_day, time(23, 30), CHINA), tick=False):
        assert register(cast)["items"][0]["status"] == "filed"
    with time_machine.travel(
        datetime.combine(last_day + timedelta(days=1), time(0, 30), CHINA), tick=False
    ):
        assert register(cast)["items"][0]["status"] == "expired"


def test_a_filing_is_announced(cast: Cast) -> None:
    filed = cast.vendor_steps.filed()
    result = filed["result"]

    (announcement,) = announcements(cast.app)

    assert announcement.kind == "software_filed"
    assert str(announcement.application_id) == filed["id"]
    assert result["filing_number"] in announcement.body
    assert result["package_md5"] in announcement.body
    assert result["package_sha256"] in announcement.body
    assert "星光影院票务管理系统" in announcement.title
    assert "V3.2.1" in announcement.title
    with cast.app.app_context():
        certificate = db.session.scalar(
            sa.select(Certificate.number)
            .join(Announcement, Announcement.certificate_id == Certificate.id)
            .where(Announcement.id == announcement.id)
        )
    assert certificate == result["certificate_number"]
    cast.agent_steps.filed(AGENT_SOFTWARE)
    assert [a.kind for a in announcements(cast.app)] == ["software_filed", "software_filed"]


def test_an_empty_register(cast: Cast) -> None:
    page = register(cast)
    assert (page["items"], page["total"], page["pages"]) == ([], 0, 1)


def test_the_register_is_walked_by_cursor_too(cast: Cast) -> None:
    filed = filed_directly(cast, 21)
    newest_first = list(reversed(filed))

    first = register(cast, limit=8)
    walked, page = numbers(first), first
    while page["next"]:
        assert "page=" not in page["next"] and "limit=8" in page["next"]
        page = cast.api.client.get(page["next"]).get_json()
        assert page["page"] is None and page["total"] == 21 and page["per_page"] == 8
        walked += numbers(page)

    assert walked == newest_first
    assert (first["page"], first["pages"], first["total"]) == (1, 3, 21)
    # A page asked for by number continues by cursor where it ends.
    second = register(cast, page=2)
    assert numbers(second) == newest_first[20:]
    assert second["next"] is None
    assert numbers(cast.api.client.get(register(cast)["next"]).get_json()) == newest_first[20:]


def test_a_register_page_costs_two_statements_whatever_its_length(cast: Cast) -> None:
    filed_directly(cast, 3)
    with cast.app.app_context():
        engine = db.engine
    with statements(engine) as few:
        assert len(register(cast)["items"]) == 3
    filed_directly(cast, 18)
    with statements(engine) as many:
        assert len(register(cast)["items"]) == 20
    assert len(few) == len(many) == 2, many
