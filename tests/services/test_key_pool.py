"""The pool of RSA key pairs made ahead for digital certificates (``portal.issuance.key_pool``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from sqlalchemy.orm import Session

from portal.accounts.models import Organization, OrgType
from portal.core.extensions import db, keys, processes
from portal.issuance.digital import DigitalCertificateService
from portal.issuance.key_pool import KEYS_PER_TICK, KeyPool
from portal.issuance.models import Certificate, PooledKey
from tests.conftest import KEYS_PASSPHRASE
from tests.helpers import make_uscc

POOL_SIZE = KEYS_PER_TICK + 1  # two ticks to fill


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "KEY_POOL_SIZE": POOL_SIZE}


@pytest.fixture
def pool(session: Session) -> KeyPool:
    return KeyPool(session, keys.store)


def _holder(session: Session) -> Organization:
    holder = Organization(
        name="上海快票网络科技有限公司", uscc=make_uscc(), org_type=OrgType.TICKET_AGENT
    )
    session.add(holder)
    session.commit()
    return holder


def _issue(session: Session) -> Certificate:
    certificate = DigitalCertificateService(
        session, processes.platform.issuing
    ).issue_digital_certificate(None, holder=_holder(session), subject_cn="快票网")
    session.commit()
    return certificate


def _pooled_public_keys(session: Session) -> list[rsa.RSAPublicKey]:
    """The public keys in the pool, in the order they will be taken."""
    stored = session.scalars(sa.select(PooledKey.private_key).order_by(PooledKey.id)).all()
    session.commit()
    found = []
    for pem in stored:
        key = keys.store.decrypt_private_key(pem)
        assert isinstance(key, rsa.RSAPrivateKey)
        found.append(key.public_key())
    return found


def _public_key(certificate: Certificate) -> Any:
    assert certificate.pem is not None
    return x509.load_pem_x509_certificate(certificate.pem.encode()).public_key()


def test_issuing_takes_the_oldest_pooled_key(session: Session, pool: KeyPool) -> None:
    pool.add(2)
    first, second = _pooled_public_keys(session)

    certificate = _issue(session)

    assert _public_key(certificate) == first
    assert _pooled_public_keys(session) == [second]
    assert pool.size() == 1
    assert certificate.key_key is not None
    with processes.platform.issuing.store.open(certificate.key_key) as stream:
        kept = keys.store.decrypt_private_key(stream.read())
    assert kept.public_key() == first  # the holder's bundle gets the pooled private key


def test_an_empty_pool_still_issues_and_warns(
    session: Session, pool: KeyPool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="portal.issuance.digital"):
        certificate = _issue(session)

    assert certificate.pem is not None and certificate.key_key is not None
    assert pool.size() == 0
    assert "key pool is empty" in caplog.text


def test_pooled_keys_are_stored_encrypted(session: Session, pool: KeyPool) -> None:
    pool.add(1)
    stored, public_der = session.execute(
        sa.select(PooledKey.private_key, PooledKey.public_key)
    ).one()
    session.commit()

    assert stored.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # no password given for an encrypted key
        serialization.load_pem_private_key(stored, password=None)
    key = serialization.load_pem_private_key(stored, password=KEYS_PASSPHRASE.encode())
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert serialization.load_der_public_key(public_der) == key.public_key()


def test_tick_refills_the_pool_a_few_keys_at_a_time_up_to_its_size(
    app: Flask, session: Session, pool: KeyPool
) -> None:
    runner = app.test_cli_runner()
    sizes = []
    for _ in range(3):
        assert runner.invoke(args=["tick"]).exit_code == 0
        sizes.append(pool.size())

    assert sizes == [KEYS_PER_TICK, POOL_SIZE, POOL_SIZE]
    _issue(session)
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert pool.size() == POOL_SIZE


def test_tick_leaves_a_disabled_pool_alone(
    app_config: dict[str, Any], make_app: Callable[[dict[str, Any]], Flask]
) -> None:
    disabled = make_app({**app_config, "KEY_POOL_SIZE": 0})

    assert disabled.test_cli_runner().invoke(args=["tick"]).exit_code == 0

    with disabled.app_context():
        assert KeyPool(db.session, keys.store).size() == 0


def test_keys_fill_pool_fills_at_once_or_adds_count(app: Flask, pool: KeyPool) -> None:
    runner = app.test_cli_runner()

    filled = runner.invoke(args=["keys", "fill-pool"])
    assert filled.exit_code == 0, filled.output
    assert f"the pool holds {POOL_SIZE}" in filled.output
    assert pool.size() == POOL_SIZE

    added = runner.invoke(args=["keys", "fill-pool", "--count", "1"])
    assert added.exit_code == 0, added.output
    assert pool.size() == POOL_SIZE + 1
    assert runner.invoke(args=["keys", "fill-pool", "--count", "-1"]).exit_code != 0


@pytest.mark.postgres
def test_two_concurrent_takes_never_get_the_same_key(app: Flask) -> None:
    with app.app_context():
        KeyPool(db.session, keys.store).add(3)
    both_hold_one = threading.Barrier(2, timeout=20)
    taken: list[Any] = [None, None]
    errors: list[BaseException] = []

    def take(index: int) -> None:
        try:
            with app.app_context():
                key = KeyPool(db.session, keys.store).take()
                both_hold_one.wait()  # neither has committed: its row is still locked
                db.session.commit()
                assert key is not None
                taken[index] = key.public_key.public_numbers()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=take, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert taken[0] != taken[1]
    with app.app_context():
        assert KeyPool(db.session, keys.store).size() == 1
