"""The portal's keys: configuration, encryption at rest, start-up, and ``flask keys ...``."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from flask import Flask

from portal.accounts.models import Organization, OrgType
from portal.core.config import ConfigError, Settings
from portal.core.extensions import db, processes
from portal.issuance.digital import DigitalCertificateService
from tests.conftest import KEYS_PASSPHRASE
from tests.helpers import make_uscc
from tests.pages.support import text

AUTHENTIC = "二维码签名有效，证书信息由平台签发"


def test_the_passphrase_is_required_in_production(tmp_path: Path) -> None:
    environ = {"PORTAL_ENV": "production", "SECRET_KEY": "a-real-secret"}
    with pytest.raises(ConfigError, match="KEYS_PASSPHRASE"):
        Settings.from_env(environ, instance_path=str(tmp_path))
    settings = Settings.from_env(
        {**environ, "KEYS_PASSPHRASE": "from-the-vault", "KEYS_DIR": "/run/secrets/keys"},
        instance_path=str(tmp_path),
    )
    assert settings.KEYS_DIR == "/run/secrets/keys"
    assert "from-the-vault" not in repr(settings)
    assert "a-real-secret" not in repr(settings)


def test_development_generates_a_passphrase_once(tmp_path: Path) -> None:
    first = Settings.from_env({"PORTAL_ENV": "development"}, instance_path=str(tmp_path))
    second = Settings.from_env({"PORTAL_ENV": "development"}, instance_path=str(tmp_path))
    assert first.KEYS_PASSPHRASE == second.KEYS_PASSPHRASE
    assert len(first.KEYS_PASSPHRASE) >= 32
    assert str(tmp_path / "keys") == first.KEYS_DIR
    path = tmp_path / "keys_passphrase"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.KEYS_PASSPHRASE != first.SECRET_KEY


def test_private_keys_are_encrypted_on_disk(app: Flask) -> None:
    folder = Path(app.config["KEYS_DIR"])
    private = sorted(folder.rglob("*.key.pem"))
    assert len(private) == 3
    for path in private:
        content = path.read_bytes()
        assert content.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert KEYS_PASSPHRASE.encode() not in content
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_wrong_passphrase_stops_the_start(
    app_config: dict[str, Any], make_app: Callable[[dict[str, Any]], Flask]
) -> None:
    with pytest.raises(ConfigError, match="cannot be used") as caught:
        make_app({**app_config, "KEYS_PASSPHRASE": "not-the-passphrase"})
    assert "not-the-passphrase" not in str(caught.value)


def test_machines_sharing_the_key_folder_publish_the_same_keys(
    app_config: dict[str, Any], make_app: Callable[[dict[str, Any]], Flask]
) -> None:
    machines = [make_app(app_config) for _ in range(2)]
    jwks = [m.test_client().get("/.well-known/jwks.json").get_json() for m in machines]
    cas = [m.test_client().get("/api/v1/ca.pem").data for m in machines]
    assert jwks[0] == jwks[1] and cas[0] == cas[1]


def test_keys_init_and_show(app: Flask) -> None:
    runner = app.test_cli_runner()
    init = runner.invoke(args=["keys", "init"])
    assert init.exit_code == 0, init.output
    assert "Every key was already there." in init.output
    shown = runner.invoke(args=["keys", "show"])
    assert shown.exit_code == 0, shown.output
    client = app.test_client()
    (kid,) = [k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]]
    assert f"kid {kid}  (current)" in shown.output
    assert "Root CA: C=CN,O=电影和文化审批服务平台,CN=电影和文化审批服务平台 根证书" in shown.output
    assert "SHA-256 fingerprint" in shown.output
    assert KEYS_PASSPHRASE not in shown.output + init.output


def _digital_certificate(app: Flask) -> str:
    with app.app_context():
        holder = Organization(
            name="上海快票网络科技有限公司", uscc=make_uscc(), org_type=OrgType.TICKET_AGENT
        )
        db.session.add(holder)
        db.session.flush()
        certificate = DigitalCertificateService(
            db.session, processes.platform.issuing
        ).issue_digital_certificate(None, holder=holder, subject_cn="快票网")
        db.session.commit()
        return f"/verify/{certificate.number}?t={certificate.token}"


def test_rotating_the_jws_key_keeps_old_tokens_authentic(app: Flask) -> None:
    client = app.test_client()
    old_url = _digital_certificate(app)
    old_kid = jwt.get_unverified_header(old_url.split("?t=")[1])["kid"]

    rotated = app.test_cli_runner().invoke(args=["keys", "rotate-jws"])

    assert rotated.exit_code == 0, rotated.output
    new_kid = rotated.output.split()[3].rstrip(":")
    assert new_kid != old_kid
    kids = [k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]]
    assert kids == [new_kid, old_kid]
    assert AUTHENTIC in text(client.get(old_url))
    new_url = _digital_certificate(app)
    assert jwt.get_unverified_header(new_url.split("?t=")[1])["kid"] == new_kid
    assert AUTHENTIC in text(client.get(new_url))
    shown = app.test_cli_runner().invoke(args=["keys", "show"]).output
    assert f"kid {new_kid}  (current)" in shown and f"kid {old_kid}\n" in shown


def test_rotating_the_signing_key(app: Flask) -> None:
    runner = app.test_cli_runner()
    before = runner.invoke(args=["keys", "show"]).output
    rotated = runner.invoke(args=["keys", "rotate-signing"])
    assert rotated.exit_code == 0, rotated.output
    fingerprint = rotated.output.split()[-1].rstrip(".")
    after = runner.invoke(args=["keys", "show"]).output
    assert fingerprint in after and fingerprint not in before
    assert len(list(Path(app.config["KEYS_DIR"], "signing").glob("*.cert.pem"))) == 2
