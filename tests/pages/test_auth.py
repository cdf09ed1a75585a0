"""Registration, sign-in and sign-out pages."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Organization, OrgType, Role, User
from portal.accounts.services import AccountService, Registration
from portal.core.extensions import db
from tests.helpers import PASSWORD, Auth, Factory, make_uscc, registration_data
from tests.pages.support import count, text

EXISTING_USCC = make_uscc(424242)


def registration(**overrides: str) -> dict[str, str]:
    return registration_data(page=True, **overrides)


def test_register_page_offers_every_org_type(client: FlaskClient) -> None:
    page = client.get("/auth/register")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for org_type in OrgType:
        assert f'value="{org_type.value}"' in body
    for label in (
        "票务软件商",
        "电影票网络代售商",
        "电影院",
        "经营性互联网文化单位",
        "电子支付平台",
        "文化企业",
    ):
        assert label in body


def test_register_signs_in_and_creates_the_organisation(app: Flask, client: FlaskClient) -> None:
    response = client.post("/auth/register", data=registration())
    assert response.status_code == 302
    assert response.headers["Location"] == "/applicant/"
    dashboard = client.get("/applicant/")
    assert dashboard.status_code == 200
    assert "长沙星光影城有限公司" in text(dashboard)
    assert "注册成功" in text(dashboard)
    assert count(app, Organization) == 1
    assert count(app, User) == 1


def _bad_uscc() -> str:
    good = make_uscc()
    return good[:-1] + ("0" if good[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"uscc": "BAD"}, "统一社会信用代码无效"),
        ({"mobile": "12345678901"}, "不是有效的中国大陆手机号码"),
        ({"password": "Ab1!", "confirm": "Ab1!"}, "密码长度至少为 8 个字符"),
        ({"password": "alllowercase", "confirm": "alllowercase"}, "密码须至少包含"),
        ({"password": "Xingguang-2026", "confirm": "Xingguang-2026"}, "密码不能包含用户名"),
        ({"confirm": "Another-Pass-2026"}, "两次输入的密码不一致"),
        ({"username": "a b"}, "用户名须为 3 至 64 个"),
        ({"org_type": "bank"}, "不是有效的选择"),
        ({"uscc": EXISTING_USCC}, "该统一社会信用代码已注册"),
        ({"username": "taken"}, "该用户名已被使用"),
    ],
    ids=[
        "uscc-format",
        "mobile",
        "short-password",
        "weak-password",
        "password-with-username",
        "confirmation",
        "username",
        "org-type",
        "duplicate-uscc",
        "duplicate-username",
    ],
)
def test_register_refuses_bad_input(
    app: Flask, client: FlaskClient, overrides: dict[str, str], message: str
) -> None:
    _existing(app)
    before = (count(app, Organization), count(app, User))
    response = client.post("/auth/register", data=registration(**overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert (count(app, Organization), count(app, User)) == before
    assert client.get("/applicant/").status_code == 302  # not signed in


def test_register_refuses_a_wrong_check_digit(app: Flask, client: FlaskClient) -> None:
    response = client.post("/auth/register", data=registration(uscc=_bad_uscc()))
    assert response.status_code == 200
    assert "统一社会信用代码无效（校验位不符）" in text(response)
    assert count(app, Organization) == 0


@pytest.mark.parametrize(
    "field",
    ["org_name", "uscc", "org_type", "contact_name", "mobile", "username", "password", "confirm"],
)
def test_register_requires_every_field(app: Flask, client: FlaskClient, field: str) -> None:
    response = client.post("/auth/register", data=registration(**{field: ""}))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'id="{field}-error"' in body
    assert "此项为必填项" in text(response)
    assert f'aria-describedby="{field}-error"' in body or f"{field}-hint {field}-error" in body
    assert count(app, User) == 0


def _existing(app: Flask) -> None:
    with app.app_context():
        AccountService(db.session).register_enterprise(
            Registration(
                org_name="已注册公司",
                uscc=EXISTING_USCC,
                org_type="cinema",
                contact_name="李四",
                mobile="13900139000",
                username="taken",
                password=PASSWORD,
            )
        )


def test_login_goes_to_the_role_home(factory: Factory, app: Flask) -> None:
    factory.applicant(username="cinema")
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    factory.staff(Role.ADMIN, username="root")
    for username, home in (
        ("cinema", "/applicant/"),
        ("hunan", "/review/"),
        ("root", "/admin/definitions"),
    ):
        response = Auth(app.test_client()).login(username)
        assert response.status_code == 302
        assert response.headers["Location"] == home


@pytest.mark.parametrize(
    ("username", "password"),
    [("cinema", "Wrong-Password-1"), ("nobody", PASSWORD), ("cinema", "")],
    ids=["wrong-password", "unknown-user", "empty-password"],
)
def test_login_failure_is_one_generic_message(
    factory: Factory, client: FlaskClient, username: str, password: str
) -> None:
    factory.applicant(username="cinema")
    response = Auth(client).login(username, password)
    assert response.status_code == 200
    page = text(response)
    if password:
        assert "用户名或密码错误" in page
    else:
        assert "此项为必填项" in page
    assert "不存在" not in page
    assert client.get("/applicant/").status_code == 302


@pytest.mark.parametrize(
    ("next_url", "location"),
    [
        ("/applicant/?tab=1", "/applicant/?tab=1"),
        ("https://evil.example/steal", "/applicant/"),
        ("//evil.example/steal", "/applicant/"),
        ("/\\evil.example", "/applicant/"),
        ("javascript:alert(1)", "/applicant/"),
    ],
    ids=["local", "absolute", "scheme-relative", "backslash", "javascript"],
)
def test_login_follows_only_local_next(
    factory: Factory, client: FlaskClient, next_url: str, location: str
) -> None:
    factory.applicant(username="cinema")
    response = client.post(
        "/auth/login",
        query_string={"next": next_url},
        data={"username": "cinema", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_protected_page_sends_to_login_with_next(client: FlaskClient) -> None:
    response = client.get("/applicant/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    login_page = client.get(response.headers["Location"])
    assert "请先登录" in text(login_page)


def test_logout_requires_post(factory: Factory, client: FlaskClient, auth: Auth) -> None:
    factory.applicant(username="cinema")
    auth.login("cinema")
    refused = client.get("/auth/logout")
    assert refused.status_code == 405
    assert "无法以这种方式使用" in text(refused)
    assert client.get("/applicant/").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/applicant/").status_code == 302


def test_header_shows_name_role_and_sign_out(
    factory: Factory, client: FlaskClient, auth: Auth
) -> None:
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    auth.login("hunan")
    page = client.get("/review/")
    assert "湖南省 省级电影主管部门" in text(page)
    assert 'action="/auth/logout"' in page.get_data(as_text=True)


@pytest.fixture
def rate_limited(app_config: dict[str, Any]) -> None:
    app_config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")


def test_login_is_rate_limited(rate_limited: None, client: FlaskClient) -> None:
    for _ in range(3):
        assert Auth(client).login("nobody", "Wrong-Password-1").status_code == 200
    response = Auth(client).login("nobody", "Wrong-Password-1")
    assert response.status_code == 429
    assert "尝试次数过多" in text(response)
    assert client.get("/auth/login").status_code == 200  # only sign-in attempts count


@pytest.fixture
def csrf_enabled(app_config: dict[str, Any]) -> None:
    app_config.update(WTF_CSRF_ENABLED=True)


def test_forms_need_the_csrf_token(
    csrf_enabled: None, factory: Factory, client: FlaskClient
) -> None:
    factory.applicant(username="cinema")
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    refused = client.post("/auth/login", data={"username": "cinema", "password": PASSWORD})
    assert refused.status_code == 400
    assert "请求无法处理" in text(refused)
    assert "Traceback" not in refused.get_data(as_text=True)
