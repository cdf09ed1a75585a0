"""Keyset paging of the public lists and the administrators' lists: every row once,
in order, by following ``next``; as many statements for 60 rows as for 3; a cursor
that was not made here is 422."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Role, User
from portal.applications.models import Application
from portal.core.extensions import db
from portal.core.paging import encode_cursor
from portal.issuance import announcements
from portal.issuance.models import Certificate, PublicListEntry
from tests.helpers import Api, Factory
from tests.pages.support import signed_in
from tests.querycount import CountStatements, count_statements  # noqa: F401 (a fixture)

START = datetime(2026, 10, 1, tzinfo=UTC)
LIST = "test_pilot_list"


def walk(client: Any, url: str) -> list[dict[str, Any]]:
    """Every item of a JSON list, following ``next`` from ``url``."""
    items: list[dict[str, Any]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        url = body["next"]
    return items


def drafts(app: Flask, api: Api, factory: Factory, count: int) -> list[uuid.UUID]:
    """``count`` applications (copies of one draft, as rows) of one organisation."""
    created = api.as_user(factory.applicant(username="pilot")).new_cinema_application()
    with app.app_context():
        draft = db.session.get(Application, uuid.UUID(created["id"]))
        assert draft is not None
        ids = []
        for _ in range(count):
            copy = Application(
                definition_id=draft.definition_id,
                process_key=draft.process_key,
                organization_id=draft.organization_id,
                created_by_id=draft.created_by_id,
                status=draft.status,
                workflow_state=draft.workflow_state,
            )
            db.session.add(copy)
            db.session.flush()
            ids.append(copy.id)
        db.session.commit()
        return ids


def admit(app: Flask, applications: list[uuid.UUID], *, same_time: bool = False) -> list[str]:
    """One entry of the list per application (a second apart, or all at once); their
    organisations' names, oldest admission first."""
    names = []
    with app.app_context():
        for n, application_id in enumerate(applications):
            application = db.session.get(Application, application_id)
            assert application is not None
            name = f"试点企业{n:02d}"
            db.session.add(
                PublicListEntry(
                    list_key=LIST,
                    title="试点企业名单",
                    title_en="Pilot enterprises",
                    organization_id=application.organization_id,
                    organization_name=name,
                    application_id=application_id,
                    certificate_number=f"TEST{n:06d}",
                    admitted_at=START if same_time else START + timedelta(seconds=n),
                )
            )
            names.append(name)
        db.session.commit()
    return names


@pytest.mark.parametrize("same_time", [False, True])
def test_a_public_list_is_walked_oldest_first(
    app: Flask, client: FlaskClient, api: Api, factory: Factory, same_time: bool
) -> None:
    names = admit(app, drafts(app, api, factory, 7), same_time=same_time)

    items = walk(client, f"/api/v1/public-lists/{LIST}?limit=3")

    assert [item["organization"] for item in items] == names
    first = client.get(f"/api/v1/public-lists/{LIST}?limit=3").get_json()
    assert first["title"] == "试点企业名单" and first["key"] == LIST
    assert re.fullmatch(rf"/api/v1/public-lists/{LIST}\?limit=3&cursor=[\w-]+", first["next"])


def test_the_public_list_page_numbers_its_entries_across_pages(
    app: Flask, client: FlaskClient, api: Api, factory: Factory
) -> None:
    names = admit(app, drafts(app, api, factory, 5))
    first = client.get(f"/public-lists/{LIST}?limit=3").get_data(as_text=True)
    link = re.search(r'rel="next" href="([^"]+)"', first)
    assert link and names[2] in first and names[3] not in first

    second = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)

    assert names[3] in second and names[4] in second and names[2] not in second
    cells = re.findall(r"<td>(\d+)</td>", second)
    assert cells == ["4", "5"]
    assert f'href="/public-lists/{LIST}?limit=3"' in second  # back to the first page
    assert 'rel="next"' not in second


def test_a_public_list_costs_the_same_statements_for_3_rows_as_for_60(
    app: Flask,
    client: FlaskClient,
    api: Api,
    factory: Factory,
    count_statements: CountStatements,  # noqa: F811
) -> None:
    ids = drafts(app, api, factory, 60)
    admit(app, ids[:3])
    with count_statements() as few:
        assert len(client.get(f"/api/v1/public-lists/{LIST}?limit=60").get_json()["items"]) == 3
    with app.app_context():
        db.session.execute(sa.delete(PublicListEntry))
        db.session.commit()
    admit(app, ids)
    with count_statements() as many:
        assert len(client.get(f"/api/v1/public-lists/{LIST}?limit=60").get_json()["items"]) == 60
    assert len(few) == len(many), "\n".join(many)


def publish(app: Flask, count: int) -> list[str]:
    """``count`` announcements a minute apart; their titles, newest first."""
    with app.app_context():
        titles = []
        for n in range(count):
            announcement = announcements.publish(
                db.session, kind="notice", title=f"测试公告{n:02d}", body=f"第{n}号公告"
            )
            announcement.published_at = START + timedelta(minutes=n)
            titles.append(announcement.title)
        db.session.commit()
    return list(reversed(titles))


def test_announcements_are_walked_newest_first(app: Flask, client: FlaskClient) -> None:
    titles = publish(app, 12)

    items = walk(client, "/api/v1/announcements?limit=5")

    assert [item["title"] for item in items] == titles
    assert set(items[0]) == {"id", "kind", "title", "body", "published_at", "certificate"}
    assert items[0]["published_at"].endswith("+08:00")


def test_announcements_cost_the_same_statements_for_3_rows_as_for_60(
    app: Flask,
    client: FlaskClient,
    count_statements: CountStatements,  # noqa: F811
) -> None:
    publish(app, 3)
    with count_statements() as few:
        client.get("/api/v1/announcements?limit=60")
    publish(app, 57)
    with count_statements() as many:
        assert len(client.get("/api/v1/announcements?limit=60").get_json()["items"]) == 60
    assert len(few) == len(many), "\n".join(many)


def issue_rows(app: Flask, factory: Factory, count: int, *, hour: int = 0) -> list[str]:
    """``count`` certificates (rows only, no PDF) of one holder, a minute apart from
    ``hour`` hours after :data:`START`; their numbers, newest first."""
    holder = factory.applicant(username=f"holder{count}")
    numbers = []
    with app.app_context():
        for n in range(count):
            number = f"TEST{count:02d}{n:06d}"
            db.session.add(
                Certificate(
                    number=number,
                    cert_type="notice",
                    title="通知书",
                    subject=f"测试{n}",
                    organization_id=holder.organization_id,
                    issuer="测试",
                    details={},
                    issued_at=START + timedelta(hours=hour, minutes=n),
                    valid_from=date(2026, 10, 1),
                    valid_until=None,
                    token="t",
                )
            )
            numbers.append(number)
        db.session.commit()
    return list(reversed(numbers))


def test_the_admin_certificates_are_paged_newest_first(
    app: Flask,
    factory: Factory,
    count_statements: CountStatements,  # noqa: F811
) -> None:
    factory.staff(Role.ADMIN, username="root")
    admin = signed_in(app, "root")
    with count_statements() as empty:
        admin.get("/admin/certificates")
    numbers = issue_rows(app, factory, 3)
    with count_statements() as few:
        admin.get("/admin/certificates")
    numbers = issue_rows(app, factory, 60, hour=2) + numbers
    with count_statements() as many:
        admin.get("/admin/certificates")
    assert len(few) == len(many) == len(empty), "\n".join(many)

    seen: list[str] = []
    url: str | None = "/admin/certificates?limit=7"
    while url:
        body = admin.get(url).get_data(as_text=True)
        seen += re.findall(r'<a class="number" href="/verify/([A-Z0-9]+)">', body)
        link = re.search(r'rel="next" href="([^"]+)"', body)
        url = link.group(1).replace("&amp;", "&") if link else None
    assert seen == numbers
    assert "测试" in body  # the holder's organisation and subjects are shown


def test_the_admin_users_cost_the_same_statements_for_few_and_many(
    app: Flask,
    factory: Factory,
    count_statements: CountStatements,  # noqa: F811
) -> None:
    factory.staff(Role.ADMIN, username="root")
    admin = signed_in(app, "root")
    factory.applicant(username="one")
    with count_statements() as few:
        admin.get("/admin/users")
    clone_users(app, 60)
    with count_statements() as many:
        admin.get("/admin/users")
    assert len(few) == len(many), "\n".join(many)

    seen: list[str] = []
    url: str | None = "/admin/users?limit=9"
    while url:
        body = admin.get(url).get_data(as_text=True)
        seen += re.findall(r'<th scope="row">([^<]+)</th>', body)
        link = re.search(r'rel="next" href="([^"]+)"', body)
        url = link.group(1).replace("&amp;", "&") if link else None
    with app.app_context():
        expected = list(
            db.session.scalars(sa.select(User.username).order_by(User.role, User.username))
        )
    assert seen == expected and len(seen) == 62


def clone_users(app: Flask, count: int) -> None:
    with app.app_context():
        model = db.session.scalar(sa.select(User).where(User.username == "one"))
        assert model is not None
        for n in range(count):
            db.session.add(
                User(
                    username=f"clone{n:02d}",
                    password_hash=model.password_hash,
                    display_name=f"复制{n}",
                    role=model.role,
                    organization_id=model.organization_id,
                )
            )
        db.session.commit()


@pytest.mark.parametrize(
    "cursor",
    ["abc", "not-a-cursor!", encode_cursor(["2026-10-01", 1]), encode_cursor([1]), "e30"],
)
@pytest.mark.parametrize(
    "url",
    ["/api/v1/announcements", f"/api/v1/public-lists/{LIST}", "/api/v1/register/software"],
)
def test_a_cursor_not_made_here_is_422(
    app: Flask, api: Api, factory: Factory, url: str, cursor: str
) -> None:
    admit(app, drafts(app, api, factory, 1))
    response = app.test_client().get(url, query_string={"cursor": cursor})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "cursor" in response.get_json()["errors"]


@pytest.mark.parametrize("make", [lambda: encode_cursor(["x", "y", 1]), lambda: "abc"])
def test_a_cursor_not_made_here_is_422_on_the_admin_lists(
    app: Flask, factory: Factory, make: Callable[[], str]
) -> None:
    factory.staff(Role.ADMIN, username="root")
    admin = signed_in(app, "root")
    for url in ("/admin/users", "/admin/certificates"):
        assert admin.get(url, query_string={"cursor": make()}).status_code == 422, url
