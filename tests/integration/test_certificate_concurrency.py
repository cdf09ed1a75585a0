"""Certificates issued and revoked at the same moment, as by two portal machines."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from portal.accounts.models import Organization, OrgType, Role
from portal.core.extensions import db, processes
from portal.issuance.digital import DigitalCertificateService
from portal.issuance.models import Certificate
from tests.helpers import Api, Factory, make_uscc
from tests.integration.test_concurrency import race


def _agent(app: Flask) -> int:
    with app.app_context():
        holder = Organization(
            name="上海快票网络科技有限公司", uscc=make_uscc(), org_type=OrgType.TICKET_AGENT
        )
        db.session.add(holder)
        db.session.commit()
        return holder.id


def _issue(app: Flask, holder_id: int) -> str:
    with app.app_context():
        holder = db.session.get(Organization, holder_id)
        assert holder is not None
        certificate = DigitalCertificateService(
            db.session, processes.platform.issuing
        ).issue_digital_certificate(None, holder=holder, subject_cn="快票网")
        db.session.commit()
        return certificate.number


def test_concurrent_issues_get_distinct_numbers_and_serials(app: Flask) -> None:
    holder = _agent(app)

    numbers = race([lambda: _issue(app, holder) for _ in range(4)])

    assert len(set(numbers)) == 4
    assert sorted(int(n[-6:]) for n in numbers) == [1, 2, 3, 4]
    with app.app_context():
        serials = db.session.scalars(sa.select(Certificate.serial)).all()
    assert len(set(serials)) == 4


def test_two_concurrent_revocations_one_wins(app: Flask, api: Api, factory: Factory) -> None:
    number = _issue(app, _agent(app))
    national = [api.as_user(factory.staff(Role.NATIONAL_REVIEWER)) for _ in range(2)]
    url = f"/api/v1/certificates/{number}/revoke"

    responses = race([lambda c=c: c.post(url, json={"reason": "取消备案"}) for c in national])

    assert sorted(r.status_code for r in responses) == [200, 409]
