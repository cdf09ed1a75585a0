"""An approval that issues a digital certificate takes its key pair from the pool the
tick filled, instead of generating one while the application is locked."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import Flask

from portal.core.extensions import db, keys
from portal.issuance.key_pool import KEYS_PER_TICK
from portal.issuance.models import PooledKey
from tests.helpers import Api

BUNDLE_PASSWORD = "UsbKey-密码-2026"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "KEY_POOL_SIZE": KEYS_PER_TICK}


def _pool(app: Flask) -> list[rsa.RSAPublicKey]:
    """The public keys in the pool, in the order they will be taken."""
    with app.app_context():
        stored = db.session.scalars(sa.select(PooledKey.private_key).order_by(PooledKey.id)).all()
        found = []
        for pem in stored:
            key = keys.store.decrypt_private_key(pem)
            assert isinstance(key, rsa.RSAPrivateKey)
            found.append(key.public_key())
        return found


def test_an_approval_uses_the_key_the_tick_made(
    app: Flask, cinema: Api, hunan: Api, api: Api
) -> None:
    submitted = cinema.submitted_cinema_application()
    assert app.test_cli_runner().invoke(args=["tick"]).exit_code == 0
    pooled = _pool(app)
    assert len(pooled) == KEYS_PER_TICK

    assert hunan.decide(submitted["id"], "approve").status_code == 200

    assert _pool(app) == pooled[1:]
    application = cinema.get(f"/api/v1/applications/{submitted['id']}").get_json()
    number = application["result"]["digital_certificate_number"]
    pem = api.client.get(f"/api/v1/certificates/{number}/pem").data
    certificate = x509.load_pem_x509_certificate(pem)
    assert certificate.public_key() == pooled[0]
    bundle = cinema.post(
        f"/api/v1/certificates/{number}/bundle", json={"password": BUNDLE_PASSWORD}
    )
    assert bundle.status_code == 200
    key, in_bundle, _ = pkcs12.load_key_and_certificates(bundle.data, BUNDLE_PASSWORD.encode())
    assert in_bundle == certificate
    assert key is not None and key.public_key() == pooled[0]
