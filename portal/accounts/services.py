"""Accounts: enterprise self-registration, staff users, sign-in and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from forms.divisions import normalize_scope
from forms.validators import is_valid_email, is_valid_mobile, is_valid_uscc
from portal.accounts.models import ApiToken, Organization, OrgType, Role, User
from portal.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from portal.core import history
from portal.core.actor import Actor
from portal.core.db import utcnow
from portal.core.errors import Conflict, Invalid, Unauthorized
from portal.core.i18n import N_
from portal.core.transactions import transaction

MAX_EMAIL = 254
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
# Verifying against a real hash when the user does not exist keeps the
# response time the same, so sign-in does not reveal which user names exist.
_DUMMY_HASH = hash_password(secrets.token_hex(16))


@dataclass(frozen=True)
class Registration:
    """What an enterprise enters to sign itself up."""

    org_name: str
    uscc: str
    org_type: str
    contact_name: str
    mobile: str
    username: str
    password: str
    email: str = ""
    """Optional: where the organisation's messages are e-mailed."""


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


class AccountService:
    """Creating and authenticating users. Every method that changes something runs in its
    own transaction."""

    def __init__(self, session: Session, *, token_ttl: timedelta = timedelta(hours=12)) -> None:
        self.session = session
        self.token_ttl = token_ttl

    @staticmethod
    def registration_problems(form: Registration) -> dict[str, list[str]]:
        """Every missing or malformed field of ``form``, by field (empty when it
        may be registered as far as its values go); changes nothing."""
        return _registration_problems(form)

    def register_enterprise(self, form: Registration, *, ip: str | None = None) -> User:
        """Create an organisation and its first (applicant) user.

        :raise Invalid: any field is missing or malformed (all problems at once).
        :raise Conflict: the USCC or the user name is already registered.
        """
        errors = _registration_problems(form)
        if errors:
            raise Invalid(errors)
        uscc = form.uscc.strip().upper()
        username = normalize_username(form.username)
        if self.session.scalar(sa.select(Organization.id).where(Organization.uscc == uscc)):
            raise Conflict(N_("This unified social credit code is already registered."))
        self._ensure_username_free(username)
        org = Organization(name=form.org_name.strip(), uscc=uscc, org_type=OrgType(form.org_type))
        user = User(
            username=username,
            password_hash=hash_password(form.password),
            display_name=form.contact_name.strip(),
            mobile=form.mobile.strip(),
            email=form.email.strip() or None,
            role=Role.APPLICANT,
            scope="",
            organization=org,
        )
        with self._unique():
            self.session.add_all([org, user])
            self.session.flush()
            history.record(
                self.session,
                Actor.of(user, ip=ip),
                "registered",
                details={"organization": org.name, "uscc": org.uscc, "org_type": org.org_type},
            )
        return user

    def create_user(
        self,
        username: str,
        password: str,
        *,
        role: Role,
        scope: str = "",
        display_name: str | None = None,
        organization: Organization | None = None,
        check_password: bool = True,
    ) -> User:
        """Create a staff member or an extra user of an organisation.

        :raise Invalid: bad user name, weak password, bad scope, or an applicant
            without an organisation.
        :raise Conflict: the user name is taken.
        """
        username = normalize_username(username)
        errors: dict[str, list[str]] = {}
        if not USERNAME_RE.match(username):
            errors["username"] = [N_("Use 3-64 letters, digits or . _ @ -.")]
        if check_password and (problems := password_problems(password, username=username)):
            errors["password"] = problems
        try:
            normalized_scope = normalize_scope(scope) if role.scope_digits else ""
        except ValueError:
            errors["scope"] = [N_("Not a valid GB/T 2260 division code.")]
            normalized_scope = ""
        if role.scope_digits and len(normalized_scope) != role.scope_digits:
            errors.setdefault("scope", []).append(
                N_("This role needs a scope of its own level (province, city or county).")
            )
        if role is Role.APPLICANT and organization is None:
            errors["organization"] = [N_("An applicant belongs to an organisation.")]
        if errors:
            raise Invalid(errors)
        self._ensure_username_free(username)
        user = User(
            username=username,
            password_hash=hash_password(password),
            display_name=display_name or username,
            role=role,
            scope=normalized_scope,
            organization=organization,
        )
        with self._unique():
            self.session.add(user)
            self.session.flush()
            history.record(
                self.session, None, "user_created", details={"username": username, "role": role}
            )
        return user

    def authenticate(self, username: str, password: str, *, ip: str | None = None) -> User:
        """The active user with these credentials.

        :raise Unauthorized: unknown user, wrong password or disabled account
            (one message for all three).
        """
        user = self.session.scalar(
            sa.select(User).where(User.username == normalize_username(username))
        )
        valid = verify_password(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not valid or not user.active:
            with transaction(self.session):
                history.record(
                    self.session,
                    None,
                    "sign_in_failed",
                    details={"username": normalize_username(username)[:64]},
                    ip=ip,
                )
            raise Unauthorized(N_("Wrong user name or password."))
        with transaction(self.session):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.last_login_at = utcnow()
            history.record(self.session, Actor.of(user, ip=ip), "signed_in")
        return user

    def end_sessions(self, user_id: int) -> None:
        """End every page session of the user (signing out, on every device).

        Raises the user's session epoch in one UPDATE, so a copied session or
        remember-me cookie signed before no longer signs anyone in. API tokens
        are not affected. Does nothing for an unknown user.
        """
        with transaction(self.session):
            self.session.execute(
                sa.update(User)
                .where(User.id == user_id)
                .values(session_epoch=User.session_epoch + 1)
            )

    def disable(self, user_id: int) -> None:
        """Switch the account off and end its sessions (for the administrators' pages).

        A disabled user cannot sign in, use a session or use an API token; the
        raised session epoch keeps the old sessions dead if the account is
        switched on again. Does nothing for an unknown user.
        """
        with transaction(self.session):
            self.session.execute(
                sa.update(User)
                .where(User.id == user_id)
                .values(active=False, session_epoch=User.session_epoch + 1)
            )

    def issue_token(self, user: User) -> IssuedToken:
        """A new bearer token for ``user``; only its hash is stored."""
        token = secrets.token_urlsafe(32)
        expires_at = utcnow() + self.token_ttl
        with transaction(self.session):
            self.session.add(
                ApiToken(user_id=user.id, token_hash=_digest(token), expires_at=expires_at)
            )
        return IssuedToken(token=token, expires_at=expires_at)

    def user_for_token(self, token: str) -> User | None:
        """The active user owning an unexpired, unrevoked ``token``, else None."""
        row = self.session.scalar(
            sa.select(ApiToken)
            .options(joinedload(ApiToken.user))
            .where(ApiToken.token_hash == _digest(token))
        )
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
            return None
        return row.user if row.user.active else None

    def list_users(self) -> list[User]:
        """Every user, by role then user name, with their organisations loaded."""
        return list(
            self.session.scalars(
                sa.select(User)
                .options(joinedload(User.organization))
                .order_by(User.role, User.username)
            )
        )

    def _ensure_username_free(self, username: str) -> None:
        if self.session.scalar(sa.select(User.id).where(User.username == username)):
            raise Conflict(N_("This user name is already taken."))

    @contextmanager
    def _unique(self) -> Iterator[None]:
        """A transaction in which a concurrent registration of the same user name or
        credit code (caught by the unique constraints) is a conflict."""
        try:
            with transaction(self.session):
                yield
        except sa.exc.IntegrityError as exc:
            raise Conflict(N_("This user name or credit code is already registered.")) from exc


def _registration_problems(form: Registration) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def need(key: str, value: str, max_length: int) -> bool:
        if not value or not value.strip():
            errors[key] = [N_("This field is required.")]
            return False
        if len(value.strip()) > max_length:
            errors[key] = [N_("Too long.")]
            return False
        return True

    need("org_name", form.org_name, 200)
    need("contact_name", form.contact_name, 100)
    if need("uscc", form.uscc, 18) and not is_valid_uscc(form.uscc.strip().upper()):
        errors["uscc"] = [N_("Not a valid unified social credit code (check digit mismatch).")]
    if need("mobile", form.mobile, 11) and not is_valid_mobile(form.mobile.strip()):
        errors["mobile"] = [N_("Not a valid mainland mobile number.")]
    if form.org_type not in {t.value for t in OrgType}:
        errors["org_type"] = [N_("Choose one of the listed organisation types.")]
    if not USERNAME_RE.match(normalize_username(form.username or "")):
        errors["username"] = [N_("Use 3-64 letters, digits or . _ @ -.")]
    if problems := password_problems(form.password or "", username=form.username or ""):
        errors["password"] = problems
    email = (form.email or "").strip()
    if email and (len(email) > MAX_EMAIL or not is_valid_email(email)):
        errors["email"] = [N_("Not a valid e-mail address.")]
    return errors


def normalize_username(username: str) -> str:
    """User names are case-insensitive: stored and compared in lower case."""
    return username.strip().lower()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
