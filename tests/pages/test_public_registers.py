"""The public pages of the ticketing-software filing (P1), open without signing in:
the register of filed software with its search, the announcements 公示 and the
links to them in the navigation and on the home page."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import CHINA
from portal.core.extensions import db
from portal.issuance import announcements
from portal.processes.software_filing.models import FilingState, SoftwareFiling
from portal.processes.software_filing.public_register import PER_PAGE
from tests.filing import AGENT_SOFTWARE, FilingSteps
from tests.helpers import Api
from tests.pages.conftest import Team
from tests.pages.support import signed_in, text


@pytest.fixture
def filed(api: Api, team: Team) -> dict[str, Any]:
    """The vendor's cinema ticketing software, filed."""
    steps = FilingSteps(
        api.as_user(team.vendor), api.as_user(team.national), api.as_user(team.institute)
    )
    return steps.filed()


@pytest.fixture
def filed_agent(api: Api, team: Team, filed: dict[str, Any]) -> dict[str, Any]:
    """The agent's online ticket-agent software, filed after the vendor's."""
    steps = FilingSteps(
        api.as_user(team.agent), api.as_user(team.national), api.as_user(team.institute)
    )
    return steps.filed(AGENT_SOFTWARE)


def register(client: FlaskClient, **query: Any) -> str:
    response = client.get("/register/software", query_string=query)
    assert response.status_code == 200
    return text(response)


def stored_filing(app: Flask, filing_number: str) -> SoftwareFiling:
    with app.app_context():
        filing = db.session.scalar(
            sa.select(SoftwareFiling).where(SoftwareFiling.filing_number == filing_number)
        )
        assert filing is not None
        db.session.expunge(filing)
        return filing


def change_filing(app: Flask, filing_number: str, **values: Any) -> None:
    """Set columns of a register entry (what a later filing or the passing of time does)."""
    with app.app_context():
        db.session.execute(
            sa.update(SoftwareFiling)
            .where(SoftwareFiling.filing_number == filing_number)
            .values(**values)
        )
        db.session.commit()


def statuses(client: FlaskClient, **query: Any) -> list[str]:
    """The status badges of the register's entries, in order."""
    body = client.get("/register/software", query_string=query).get_data(as_text=True)
    return re.findall(r'<span class="badge badge-filing-[a-z]+">([^<]+)</span>', body)


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# The register ---------------------------------------------------------------------------


def test_the_register_lists_the_filed_product_without_signing_in(
    app: Flask, client: FlaskClient, filed: dict[str, Any]
) -> None:
    result = filed["result"]
    response = client.get("/register/software")
    assert response.status_code == 200
    page = text(response)
    assert "备案票务软件名录" in page
    assert "名录共收录备案 1 条。" in page
    assert "星光影院票务管理系统" in page and "V3.2.1" in page
    assert "软件商 vendor 有限公司" in page
    assert "产品类别 电影院票务软件" in page
    assert f"备案号 {result['filing_number']}" in page
    assert f"安装包 MD5 {result['package_md5']}" in page
    assert f"安装包 SHA-256 {result['package_sha256']}" in page
    assert statuses(client) == ["已备案"]
    filing = stored_filing(app, result["filing_number"])
    filed_on = filing.filed_at.astimezone(CHINA).date()
    assert filing.valid_from == filed_on
    assert filing.valid_until == filed_on.replace(year=filed_on.year + 3) - timedelta(days=1)
    assert f"备案日期 {chinese_date(filed_on)}" in page
    assert f"有效期至 {chinese_date(filing.valid_until)}" in page
    number = result["certificate_number"]
    assert f"验证备案证书 {number}" in page
    assert re.search(rf'href="/verify/{number}\?t=[^"]+"', response.get_data(as_text=True))
    assert "登录" in page  # nobody is signed in
    # Nothing untranslated on the Chinese page.
    for english in ("Filed", "Vendor", "Valid until", "Search", "filing"):
        assert english not in page


def test_the_verification_link_of_an_entry_opens_the_certificate(
    client: FlaskClient, filed: dict[str, Any]
) -> None:
    body = client.get("/register/software").get_data(as_text=True)
    match = re.search(r'href="(/verify/[^"]+)"', body)
    assert match
    page = client.get(html.unescape(match.group(1)))
    assert page.status_code == 200
    assert filed["result"]["certificate_number"] in text(page)
    assert "有效" in text(page)


def test_an_empty_register_says_so(client: FlaskClient) -> None:
    page = register(client)
    assert "名录共收录备案 0 条。" in page
    assert "尚无已备案的软件。" in page


def test_newest_filing_first_with_each_kind_of_software(
    client: FlaskClient, filed: dict[str, Any], filed_agent: dict[str, Any]
) -> None:
    page = register(client)
    assert "名录共收录备案 2 条。" in page
    assert page.index("星光网络售票平台") < page.index("星光影院票务管理系统")
    assert "电影票网络代售软件" in page and "agent 有限公司" in page
    assert filed_agent["result"]["filing_number"] in page


def test_search_by_product_vendor_or_filing_number(
    client: FlaskClient, filed: dict[str, Any], filed_agent: dict[str, Any]
) -> None:
    cinema, agent = "星光影院票务管理系统", "星光网络售票平台"
    number = filed_agent["result"]["filing_number"]
    for query, found, other in [
        ("影院票务", cinema, agent),  # product name
        ("网络售票", agent, cinema),
        ("VENDOR", cinema, agent),  # vendor, case-insensitive
        ("agent 有限", agent, cinema),
        (number.lower(), agent, cinema),  # filing number
    ]:
        page = register(client, q=f"  {query}  ")
        assert f"与“{query}”匹配的备案共 1 条。" in page, query
        assert found in page and other not in page, query
    body = client.get("/register/software", query_string={"q": number}).get_data(as_text=True)
    assert f'name="q" value="{number}"' in body  # the box keeps the search
    assert "名录共收录备案 2 条。" in register(client, q="  ")  # blank: everything


def test_a_search_that_finds_nothing_says_so(client: FlaskClient, filed: dict[str, Any]) -> None:
    page = register(client, q="不存在的软件")
    assert "与“不存在的软件”匹配的备案共 0 条。" in page
    assert "未找到符合查询条件的备案软件。" in page
    assert "星光影院票务管理系统" not in page
    assert "尚无已备案的软件。" not in page


def test_wildcards_in_the_search_are_plain_characters(
    client: FlaskClient, filed: dict[str, Any]
) -> None:
    for query in ("%", "_", "V3.2.1%", "星光%系统"):
        assert "未找到符合查询条件的备案软件。" in register(client, q=query), query


def test_html_in_the_search_is_shown_as_text(client: FlaskClient, filed: dict[str, Any]) -> None:
    query = '<script>alert("x")</script>'
    response = client.get("/register/software", query_string={"q": query})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body
    assert "未找到符合查询条件的备案软件。" in text(response)


def test_a_long_search_is_cut_to_100_characters(client: FlaskClient, filed: dict[str, Any]) -> None:
    body = client.get("/register/software", query_string={"q": "星" * 150}).get_data(as_text=True)
    assert f'value="{"星" * 100}"' in body
    assert "星" * 101 not in body


def test_the_register_pages_twenty_entries_at_a_time(
    app: Flask, client: FlaskClient, filed: dict[str, Any]
) -> None:
    """Twenty more entries (copies of the real one, filed on the days before it) make
    two pages; the search is kept in the page links."""
    real = stored_filing(app, filed["result"]["filing_number"])
    with app.app_context():
        for n in range(1, PER_PAGE + 1):
            db.session.add(
                SoftwareFiling(
                    filing_number=f"TEST-{n:04d}",
                    variant=real.variant,
                    product_name=f"星光票务测试版{n:02d}",
                    version=f"V1.{n}",
                    vendor_name=real.vendor_name,
                    organization_id=real.organization_id,
                    application_id=real.application_id,
                    filed_at=real.filed_at - timedelta(days=n),
                    valid_from=real.valid_from - timedelta(days=n),
                    valid_until=real.valid_until - timedelta(days=n),
                )
            )
        db.session.commit()

    first = client.get("/register/software")
    page = text(first)
    assert "名录共收录备案 21 条。" in page
    assert "第 1 页，共 2 页" in page
    assert "星光影院票务管理系统" in page  # newest first
    assert "星光票务测试版19" in page and "星光票务测试版20" not in page
    assert "上一页" not in page
    body = first.get_data(as_text=True)
    assert 'rel="next" href="/register/software?page=2"' in body

    second = client.get("/register/software?page=2")
    assert "第 2 页，共 2 页" in text(second)
    assert "星光票务测试版20" in text(second) and "星光影院票务管理系统" not in text(second)
    assert "下一页" not in text(second)
    assert 'rel="prev" href="/register/software?page=1"' in second.get_data(as_text=True)

    searched = client.get("/register/software?q=星光&page=2")
    assert "与“星光”匹配的备案共 21 条。" in text(searched)
    assert "星光票务测试版20" in text(searched)
    prev_link = re.search(r'rel="prev" href="([^"]+)"', searched.get_data(as_text=True))
    assert (
        prev_link
        and "page=1" in prev_link.group(1)
        and "q=%E6%98%9F%E5%85%89" in prev_link.group(1)
    )

    assert "星光影院票务管理系统" in register(client, page="0")  # below 1: the first page
    assert "星光影院票务管理系统" in register(client, page="abc")
    beyond = client.get("/register/software?page=9")
    assert statuses(client, page="9") == []
    assert "此页没有条目。" in text(beyond)
    assert "尚无已备案的软件。" not in text(beyond) and "第 9 页" not in text(beyond)
    assert 'rel="prev" href="/register/software?page=2"' in beyond.get_data(as_text=True)


def test_a_revoked_filing_shows_as_revoked(
    app: Flask, client: FlaskClient, filed: dict[str, Any]
) -> None:
    number = filed["result"]["certificate_number"]
    national = signed_in(app, "national")
    response = national.post(
        f"/verify/{number}/revoke", data={"reason": "检测报告造假", "confirm": "yes"}
    )
    assert response.status_code == 302
    assert filed["result"]["filing_number"] in register(client)  # still listed: the public checks
    assert statuses(client) == ["已撤销备案"]
    assert statuses(client, q=filed["result"]["filing_number"]) == ["已撤销备案"]


@pytest.mark.parametrize(
    ("change", "label"),
    [
        ({"state": FilingState.SUPERSEDED}, "已被新版本替代"),
        ({"valid_until": date(2020, 1, 1)}, "已过期"),
        ({"state": FilingState.REVOKED}, "已撤销备案"),
    ],
)
def test_the_entry_shows_its_live_status(
    app: Flask, client: FlaskClient, filed: dict[str, Any], change: dict[str, Any], label: str
) -> None:
    change_filing(app, filed["result"]["filing_number"], **change)
    assert statuses(client) == [label]


def test_the_register_reads_in_english(client: FlaskClient, filed: dict[str, Any]) -> None:
    client.get("/lang/en")
    response = client.get("/register/software")
    assert '<html lang="en">' in response.get_data(as_text=True)
    page = text(response)
    assert "Register of filed ticketing software" in page
    assert "1 filing in the register." in page
    assert "Vendor vendor 有限公司" in page
    assert "Product category Cinema ticketing software" in page
    assert f"Filing number {filed['result']['filing_number']}" in page
    assert "Filed on" in page and "Valid until" in page
    assert re.search(r"Valid until \d{1,2} [A-Z][a-z]+ \d{4}", page)
    assert statuses(client) == ["Filed"]
    assert "备案票务软件名录" not in page and "已备案" not in page
    found = text(client.get("/register/software?q=nothing"))
    assert "0 filings match “nothing”." in found
    assert "No filed software matches your search." in found


# Announcements --------------------------------------------------------------------------


def test_the_filing_is_announced(client: FlaskClient, filed: dict[str, Any]) -> None:
    result = filed["result"]
    response = client.get("/announcements")
    assert response.status_code == 200
    page = text(response)
    assert "公示公告" in page
    title = "票务软件产品备案公示：vendor 有限公司 星光影院票务管理系统 V3.2.1"
    assert title in page
    assert re.search(r"发布日期：\d{4}年\d{1,2}月\d{1,2}日", page)
    match = re.search(r'href="(/announcements/\d+)"', response.get_data(as_text=True))
    assert match

    detail = client.get(match.group(1))
    assert detail.status_code == 200
    body = text(detail)
    assert title in body
    for line in (
        "软件商：vendor 有限公司",
        "产品名称：星光影院票务管理系统",
        "版本号：V3.2.1",
        "产品类别：电影院票务软件",
        f"备案号：{result['filing_number']}",
        f"安装包 MD5：{result['package_md5']}",
        f"安装包 SHA-256：{result['package_sha256']}",
        f"备案证书编号：{result['certificate_number']}",
    ):
        assert line in body
    assert f"验证证书 {result['certificate_number']}" in body
    html_body = detail.get_data(as_text=True)
    assert 'href="/announcements"' in html_body
    assert 'href="/register/software"' in html_body


def test_announcements_newest_first_and_paged(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        for n in range(1, announcements.PER_PAGE + 2):
            announcement = announcements.publish(
                db.session, kind="notice", title=f"测试公告{n:02d}", body=f"第{n}号公告正文"
            )
            announcement.published_at = datetime(2026, 10, n, 2, tzinfo=CHINA)
        db.session.commit()
    first = text(client.get("/announcements"))
    assert first.index("测试公告21") < first.index("测试公告20")
    assert "测试公告01" not in first
    assert "第 1 页，共 2 页" in first and "下一页" in first
    assert "发布日期：2026年10月21日" in first
    second = client.get("/announcements?page=2")
    assert "测试公告01" in text(second) and "测试公告02" not in text(second)
    assert 'rel="prev" href="/announcements?page=1"' in second.get_data(as_text=True)
    assert "测试公告21" in text(client.get("/announcements?page=0"))
    beyond = client.get("/announcements?page=5")
    assert "此页没有条目。" in text(beyond) and "暂无公示。" not in text(beyond)
    assert "第 5 页" not in text(beyond)
    assert 'rel="prev" href="/announcements?page=2"' in beyond.get_data(as_text=True)


def test_no_announcements_yet(client: FlaskClient) -> None:
    page = text(client.get("/announcements"))
    assert "暂无公示。" in page
    assert "第 1 页" not in page


def test_an_announcement_body_is_shown_as_text(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        announcement = announcements.publish(
            db.session, kind="notice", title="<b>标题</b>", body="第一行\n<script>x()</script>"
        )
        db.session.commit()
        url = f"/announcements/{announcement.id}"
    body = client.get(url).get_data(as_text=True)
    assert "<script>x()</script>" not in body and "<b>标题</b>" not in body
    assert "&lt;script&gt;x()&lt;/script&gt;" in body
    assert "&lt;b&gt;标题&lt;/b&gt;" in body


@pytest.mark.parametrize("path", ["/announcements/999", "/announcements/abc"])
def test_an_unknown_announcement_is_not_found(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    page = text(response)
    assert "页面不存在" in page
    assert "返回首页" in page
    if path.endswith("999"):
        assert "该公示不存在。" in page


def test_announcements_read_in_english(client: FlaskClient, filed: dict[str, Any]) -> None:
    client.get("/lang/en")
    response = client.get("/announcements")
    page = text(response)
    assert "Announcements" in page
    assert re.search(r"Published on \d{1,2} [A-Z][a-z]+ \d{4}", page)
    assert "公示公告" not in page
    match = re.search(r'href="(/announcements/\d+)"', response.get_data(as_text=True))
    assert match
    detail = text(client.get(match.group(1)))
    assert f"Verify the certificate {filed['result']['certificate_number']}" in detail
    assert "Register of filed ticketing software" in detail
    assert "Page not found" in text(client.get("/announcements/999"))


# Navigation and the home page -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", None),
        ("/register/software", "/register/software"),
        ("/announcements", "/announcements"),
    ],
)
def test_the_navigation_links_to_the_public_pages(
    client: FlaskClient, path: str, current: str | None
) -> None:
    response = client.get(path)
    body = response.get_data(as_text=True)
    nav = body[body.index("<nav") : body.index("</nav>")]
    assert '<a href="/announcements"' in nav and ">公示公告</a>" in nav
    assert '<a href="/register/software"' in nav and ">备案软件名录</a>" in nav
    if current:
        assert f'<a href="{current}" aria-current="page">' in nav


def test_signed_in_users_see_the_public_links_too(app: Flask, team: Team) -> None:
    for username in ("vendor", "national"):
        body = signed_in(app, username).get("/").get_data(as_text=True)
        nav = body[body.index("<nav") : body.index("</nav>")]
        assert 'href="/announcements"' in nav and 'href="/register/software"' in nav


def test_the_home_page_points_to_the_public_pages(client: FlaskClient) -> None:
    response = client.get("/")
    page = text(response)
    assert "公开查询" in page
    assert "无需登录：可查询票务软件是否已备案、查阅公示公告，扫描二维码验证证书。" in page
    body = response.get_data(as_text=True)
    card = body[body.index('id="public-title"') :]
    assert 'href="/register/software"' in card and 'href="/announcements"' in card
    client.get("/lang/en")
    english = text(client.get("/"))
    assert "Open to everyone" in english and "Filed software" in english
