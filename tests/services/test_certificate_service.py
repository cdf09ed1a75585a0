"""The certificate service called directly: numbers, the live status, who may
revoke, what issuing refuses, announcements."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from portal.accounts.models import Organization, OrgType, Role
from portal.core import numbering
from portal.core.actor import Actor
from portal.core.extensions import processes
from portal.core.models import Counter
from portal.core.numbering import NumbersExhausted
from portal.issuance import announcements
from portal.issuance.digital import DigitalCertificateService
from portal.issuance.models import Certificate, CertificateState
from portal.issuance.services import CertificateService
from portal.issuance.status import CertificateStatus, certificate_status


@pytest.mark.parametrize(
    ("prefix", "when", "expected"),
    [
        ("BAZS", datetime(2026, 6, 1, 12, 0, tzinfo=UTC), "BAZS2026000001"),
        ("WTJC", datetime(2026, 12, 31, 15, 59, tzinfo=UTC), "WTJC2026000001"),
        # 16:00 UTC on 31 December is 1 January 2027 in China: a new sequence.
        ("SZZS", datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "SZZS2027000001"),
    ],
)
def test_certificate_numbers(session: Session, prefix: str, when: datetime, expected: str) -> None:
    assert numbering.certificate_number(session, prefix, when) == expected


def test_each_type_and_year_has_its_own_sequence(session: Session) -> None:
    june = datetime(2026, 6, 1, tzinfo=UTC)
    numbers = [numbering.certificate_number(session, p, june) for p in ("BAZS", "BAZS", "AZYS")]
    assert numbers == ["BAZS2026000001", "BAZS2026000002", "AZYS2026000001"]
    assert numbering.certificate_number(session, "BAZS", datetime(2027, 6, 1, tzinfo=UTC)) == (
        "BAZS2027000001"
    )


def test_a_year_of_numbers_can_run_out(session: Session) -> None:
    session.add(Counter(name="certificate:TZGG:2026", value=999_999))
    with pytest.raises(NumbersExhausted):
        numbering.certificate_number(session, "TZGG", datetime(2026, 6, 1, tzinfo=UTC))


def test_prefixes_are_distinct_ascii_words(app: Flask) -> None:
    with app.app_context():
        types = processes.platform.issuing.types
    prefixes = [kind.prefix for kind in types.values()]
    assert len(set(prefixes)) == len(prefixes)
    assert all(p.isascii() and p.isupper() and len(p) == 4 for p in prefixes)


def _certificate(**values: object) -> Certificate:
    defaults: dict[str, object] = {
        "state": CertificateState.ACTIVE,
        "valid_from": date(2026, 1, 1),
        "valid_until": date(2026, 12, 31),
    }
    return Certificate(**(defaults | values))


@pytest.mark.parametrize(
    ("values", "today", "expected"),
    [
        ({}, date(2026, 12, 31), CertificateStatus.VALID),
        ({}, date(2027, 1, 1), CertificateStatus.EXPIRED),
        ({"valid_until": None}, date(2099, 1, 1), CertificateStatus.VALID),
        ({"state": CertificateState.SUPERSEDED}, date(2027, 1, 1), CertificateStatus.SUPERSEDED),
        ({"state": CertificateState.REVOKED}, date(2027, 1, 1), CertificateStatus.REVOKED),
        ({"state": CertificateState.REVOKED}, date(2026, 6, 1), CertificateStatus.REVOKED),
    ],
)
def test_status_precedence(values: dict[str, object], today: date, expected: str) -> None:
    assert certificate_status(_certificate(**values), today) == expected


@pytest.fixture
def service(session: Session) -> CertificateService:
    return CertificateService(session, processes.platform.issuing)


def _organization(session: Session, org_type: OrgType) -> Organization:
    organization = Organization(
        name=f"{org_type.value} 有限公司", uscc="91430100MA4L0ABC1M", org_type=org_type
    )
    session.add(organization)
    session.flush()
    return organization


def _actor(role: Role, scope: str = "") -> Actor:
    return Actor(1, "someone", "某人", role, scope, None)


@pytest.mark.parametrize(
    ("cert_type", "holder", "division", "allowed"),
    [
        ("software_filing", OrgType.TICKETING_VENDOR, None, {"national", "admin"}),
        ("testing_commission", OrgType.TICKETING_VENDOR, None, {"national", "admin"}),
        ("digital_certificate", OrgType.TICKET_AGENT, None, {"national", "admin"}),
        ("digital_certificate", OrgType.CINEMA, "430102", {"hunan", "admin"}),
        ("installation_acceptance", OrgType.CINEMA, "430102", {"hunan", "admin"}),
        ("unknown_type", OrgType.CINEMA, "430102", {"admin"}),
    ],
)
def test_who_may_revoke(
    service: CertificateService,
    cert_type: str,
    holder: OrgType,
    division: str | None,
    allowed: set[str],
) -> None:
    organization = _organization(service.session, holder)
    certificate = _certificate(
        cert_type=cert_type, organization_id=organization.id, division_code=division
    )
    actors = {
        "admin": _actor(Role.ADMIN),
        "national": _actor(Role.NATIONAL_REVIEWER),
        "hunan": _actor(Role.PROVINCIAL_REVIEWER, "43"),
        "beijing": _actor(Role.PROVINCIAL_REVIEWER, "11"),
        "nowhere": _actor(Role.PROVINCIAL_REVIEWER, ""),
        "furong": _actor(Role.COUNTY_REVIEWER, "430102"),
        "institute": _actor(Role.TESTING_INSTITUTE),
        "applicant": Actor(2, "cinema", "影院", Role.APPLICANT, "", organization.id),
    }
    assert {name for name, actor in actors.items() if service.may_revoke(actor, certificate)} == (
        allowed
    )
    assert not service.may_revoke(None, certificate)


def test_issuing_refuses_unknown_types_and_backward_validity(service: CertificateService) -> None:
    with pytest.raises(ValueError, match="unknown certificate type"):
        service.issue("licence_to_kill", subject="x", organization_id=None, valid_until=None)
    with pytest.raises(ValueError, match="before valid_from"):
        service.issue(
            "digital_certificate",
            subject="x",
            organization_id=None,
            valid_from=date(2026, 2, 1),
            valid_until=date(2026, 1, 31),
        )
    with pytest.raises(TypeError, match="JSON"):
        service.issue(
            "digital_certificate",
            subject="x",
            organization_id=None,
            valid_until=None,
            details={"when": object()},
        )


def test_details_keep_dates_as_iso_strings(session: Session, service: CertificateService) -> None:
    certificate = service.issue(
        "digital_certificate",
        subject="星光影城",
        organization_id=None,
        valid_until=date(2029, 11, 21),
        details={"deadline": date(2026, 12, 31), "tests": ("a", "b")},
    )
    session.commit()
    stored = session.scalar(sa.select(Certificate).where(Certificate.number == certificate.number))
    assert stored is not None
    assert stored.details == {"deadline": "2026-12-31", "tests": ["a", "b"]}
    assert stored.issuer == "电影和文化审批服务平台"  # no default issuer for this type


def test_superseding_twice_or_itself_is_refused(
    session: Session, service: CertificateService
) -> None:
    organization = _organization(session, OrgType.TICKET_AGENT)
    digital = DigitalCertificateService(session, processes.platform.issuing)
    old = digital.issue_digital_certificate(None, holder=organization, subject_cn="快票")
    new = digital.issue_digital_certificate(None, holder=organization, subject_cn="快票")
    service.supersede(old, new)
    session.commit()
    assert certificate_status(old) == CertificateStatus.SUPERSEDED
    with pytest.raises(Exception, match="in force"):
        service.supersede(old, new)
    with pytest.raises(ValueError, match="itself"):
        service.supersede(new, new)


def test_announcements_are_published_newest_first(session: Session) -> None:
    first = announcements.publish(
        session, kind="software_filed", title="关于星光票务系统V3.2备案的公示", body="予以备案。"
    )
    second = announcements.publish(
        session, kind="filing_revoked", title="关于取消某软件备案的公示", body="取消备案。"
    )
    session.commit()
    assert announcements.latest(session) == [second, first]
    assert announcements.latest(session, kind="software_filed") == [first]
    with pytest.raises(ValueError, match="title"):
        announcements.publish(session, kind="x", title=" ", body="y")
