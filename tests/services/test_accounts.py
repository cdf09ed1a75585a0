"""AccountService: registration, staff users, sign-in and API tokens."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from portal.accounts.models import ApiToken, Organization, OrgType, Role, User
from portal.accounts.passwords import verify_password
from portal.accounts.services import AccountService, Registration
from portal.core.errors import Conflict, Invalid, Unauthorized
from portal.core.models import AuditEvent
from tests.helpers import PASSWORD, make_uscc


def registration(**overrides: str) -> Registration:
    form = Registration(
        org_name="长沙星光影城有限公司",
        uscc=make_uscc(),
        org_type="cinema",
        contact_name="王经理",
        mobile="13912345678",
        username="xingguang",
        password=PASSWORD,
    )
    return replace(form, **overrides)


def test_register_enterprise(session: Session) -> None:
    form = registration()

    user = AccountService(session).register_enterprise(form, ip="10.0.0.1")

    assert user.role is Role.APPLICANT
    assert user.display_name == "王经理"
    org = session.get(Organization, user.organization_id)
    assert org is not None
    assert (org.name, org.uscc, org.org_type) == (form.org_name, form.uscc, OrgType.CINEMA)
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "registered")).one()
    assert event.actor_id == user.id
    assert event.ip == "10.0.0.1"


def test_the_password_is_stored_as_an_argon2_hash_only(session: Session) -> None:
    user = AccountService(session).register_enterprise(registration())
    session.expire_all()

    stored = session.get(User, user.id)
    assert stored is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert verify_password(stored.password_hash, PASSWORD)
    row = session.execute(sa.select(User.__table__).where(User.id == user.id)).one()
    assert PASSWORD not in [str(value) for value in row]


def test_registration_lists_every_problem(session: Session) -> None:
    form = Registration(
        org_name="",
        uscc="123",
        org_type="bank",
        contact_name="",
        mobile="1",
        username="a",
        password="weak",
    )
    with pytest.raises(Invalid) as raised:
        AccountService(session).register_enterprise(form)
    assert set(raised.value.errors) == {
        "org_name",
        "uscc",
        "org_type",
        "contact_name",
        "mobile",
        "username",
        "password",
    }
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_duplicate_uscc_and_username_are_conflicts(session: Session) -> None:
    accounts = AccountService(session)
    first = registration()
    accounts.register_enterprise(first)

    with pytest.raises(Conflict):
        accounts.register_enterprise(registration(uscc=first.uscc, username="other"))
    with pytest.raises(Conflict):
        accounts.register_enterprise(registration(username=first.username))
    assert session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 1


# Signing in ----------------------------------------------------------------------------


@pytest.fixture
def user(session: Session) -> User:
    return AccountService(session).register_enterprise(registration())


def test_authenticate(session: Session, user: User) -> None:
    signed_in = AccountService(session).authenticate("xingguang", PASSWORD, ip="10.0.0.2")
    assert signed_in.id == user.id
    assert signed_in.last_login_at is not None
    assert session.scalars(
        sa.select(AuditEvent.ip).where(AuditEvent.action == "signed_in")
    ).all() == ["10.0.0.2"]


def _failure(session: Session, username: str, password: str) -> Unauthorized:
    with pytest.raises(Unauthorized) as raised:
        AccountService(session).authenticate(username, password)
    return raised.value


def test_authentication_failures_do_not_reveal_which_users_exist(
    session: Session, user: User
) -> None:
    unknown = _failure(session, "nobody", PASSWORD)
    wrong = _failure(session, "xingguang", "Wrong-Pass-2026")
    user.active = False
    session.commit()
    disabled = _failure(session, "xingguang", PASSWORD)

    assert unknown.message == wrong.message == disabled.message
    assert unknown.code == wrong.code == disabled.code == "unauthorized"
    assert not session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "signed_in")).all()


def test_failed_sign_ins_are_recorded_with_name_and_address(session: Session, user: User) -> None:
    with pytest.raises(Unauthorized):
        AccountService(session).authenticate("XingGuang", "Wrong-Pass-2026", ip="10.0.0.9")
    (event,) = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sign_in_failed"))
    assert event.details == {"username": "xingguang"}
    assert event.ip == "10.0.0.9"
    assert event.actor_id is None


def test_an_outdated_hash_is_upgraded_on_sign_in(session: Session, user: User) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    session.commit()

    AccountService(session).authenticate("xingguang", PASSWORD)

    session.expire_all()
    upgraded = session.get(User, user.id)
    assert upgraded is not None
    assert upgraded.password_hash != weak
    assert verify_password(upgraded.password_hash, PASSWORD)


# Tokens --------------------------------------------------------------------------------


def test_only_the_tokens_hash_is_stored(session: Session, user: User) -> None:
    issued = AccountService(session).issue_token(user)

    (row,) = session.execute(sa.select(ApiToken.__table__)).all()
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in [str(value) for value in row]
    assert AccountService(session).user_for_token(issued.token).id == user.id  # type: ignore[union-attr]


def test_token_lifetime(session: Session, user: User) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    accounts = AccountService(session, token_ttl=timedelta(hours=2))
    with time_machine.travel(start, tick=False):
        issued = accounts.issue_token(user)
    assert issued.expires_at == start + timedelta(hours=2)

    with time_machine.travel(start + timedelta(hours=2) - timedelta(seconds=1), tick=False):
        assert accounts.user_for_token(issued.token) is not None
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        assert accounts.user_for_token(issued.token) is None


def test_revoked_token_and_disabled_user(session: Session, user: User) -> None:
    accounts = AccountService(session)
    revoked, other = accounts.issue_token(user), accounts.issue_token(user)
    row = session.scalars(
        sa.select(ApiToken).where(
            ApiToken.token_hash == hashlib.sha256(revoked.token.encode()).hexdigest()
        )
    ).one()
    row.revoked_at = datetime.now(UTC)
    user.active = False
    session.commit()

    assert accounts.user_for_token(revoked.token) is None
    assert accounts.user_for_token(other.token) is None


@pytest.mark.parametrize("token", ["", "x", "a" * 43])
def test_unknown_token(session: Session, user: User, token: str) -> None:
    AccountService(session).issue_token(user)
    assert AccountService(session).user_for_token(token) is None


# Staff users and their scope -----------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "scope", "stored"),
    [
        (Role.PROVINCIAL_REVIEWER, "43", "43"),
        (Role.PROVINCIAL_REVIEWER, "430000", "43"),
        (Role.PROVINCIAL_REVIEWER, " 11 ", "11"),
        (Role.CULTURE_REVIEWER, "410000", "41"),
        (Role.CITY_REVIEWER, "4301", "4301"),
        (Role.CITY_REVIEWER, "430100", "4301"),
        (Role.COUNTY_REVIEWER, "430102", "430102"),
        (Role.DISTRICT_REVIEWER, "410102", "410102"),
        (Role.NATIONAL_REVIEWER, "", ""),
        (Role.NATIONAL_REVIEWER, "43", ""),  # nationwide whatever is given
        (Role.NATIONAL_REVIEWER, "not a code", ""),
        (Role.TESTING_INSTITUTE, "", ""),
        (Role.ADMIN, "430102", ""),
    ],
)
def test_scope_is_normalised_to_the_roles_level(
    session: Session, role: Role, scope: str, stored: str
) -> None:
    user = AccountService(session).create_user("staff1", PASSWORD, role=role, scope=scope)
    assert user.scope == stored
    assert user.organization_id is None


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.PROVINCIAL_REVIEWER, ""),
        (Role.PROVINCIAL_REVIEWER, "430102"),  # a county is not a province
        (Role.PROVINCIAL_REVIEWER, "4301"),
        (Role.PROVINCIAL_REVIEWER, "99"),  # no such province
        (Role.PROVINCIAL_REVIEWER, "4"),
        (Role.PROVINCIAL_REVIEWER, "hunan"),
        (Role.COUNTY_REVIEWER, "43"),
        (Role.COUNTY_REVIEWER, "430100"),  # a prefecture is not a county
        (Role.COUNTY_REVIEWER, "430199"),  # unknown county
        (Role.COUNTY_REVIEWER, "4301020"),
        (Role.COUNTY_REVIEWER, ""),
        (Role.CITY_REVIEWER, "43"),
        (Role.CITY_REVIEWER, "430102"),
    ],
)
def test_a_scope_of_the_wrong_level_is_refused(session: Session, role: Role, scope: str) -> None:
    with pytest.raises(Invalid) as raised:
        AccountService(session).create_user("staff1", PASSWORD, role=role, scope=scope)
    assert set(raised.value.errors) == {"scope"}
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_an_applicant_needs_an_organisation(session: Session) -> None:
    with pytest.raises(Invalid) as raised:
        AccountService(session).create_user("someone", PASSWORD, role=Role.APPLICANT)
    assert set(raised.value.errors) == {"organization"}


def test_create_user_checks_name_and_password(session: Session) -> None:
    accounts = AccountService(session)
    with pytest.raises(Invalid) as raised:
        accounts.create_user("a b", "weak", role=Role.ADMIN)
    assert set(raised.value.errors) == {"username", "password"}
    with pytest.raises(Invalid) as raised:
        accounts.create_user("admin1", "Admin1-secret", role=Role.ADMIN)
    assert set(raised.value.errors) == {"password"}


def test_password_check_can_be_skipped_for_imports(session: Session) -> None:
    user = AccountService(session).create_user(
        "legacy", "weak", role=Role.ADMIN, check_password=False
    )
    assert user.password_hash.startswith("$argon2id$")


def test_create_user_refuses_a_taken_name(session: Session, user: User) -> None:
    with pytest.raises(Conflict):
        AccountService(session).create_user("xingguang", PASSWORD, role=Role.ADMIN)
