"""The key store: encrypted private keys, safe creation, rotation that keeps old public keys."""

from __future__ import annotations

import base64
import stat
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from certificates import KeyStore, KeyStoreError
from tests.certificates.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _files(store: KeyStore, pattern: str) -> list[Path]:
    return sorted(store.directory.rglob(pattern))


def test_private_keys_are_encrypted(key_store: KeyStore) -> None:
    keys = _files(key_store, "*.key.pem")

    assert len(keys) == 3  # CA, signing, JWS
    for path in keys:
        pem = path.read_bytes()
        assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        with pytest.raises(TypeError, match="encrypted"):
            serialization.load_pem_private_key(pem, password=None)
        with pytest.raises(ValueError, match=r"Bad decrypt|Incorrect password"):
            serialization.load_pem_private_key(pem, password=b"wrong passphrase")
        assert serialization.load_pem_private_key(pem, password=PASSPHRASE)


def test_wrong_passphrase_is_refused(key_store: KeyStore) -> None:
    other = KeyStore(key_store.directory, b"wrong passphrase")

    with pytest.raises(KeyStoreError, match="passphrase"):
        other.ca_key()
    with pytest.raises(KeyStoreError, match="passphrase"):
        other.signing_key()
    with pytest.raises(KeyStoreError, match="passphrase"):
        other.current_jws_key()
    # Public material needs no passphrase.
    assert other.ca_certificate() == key_store.ca_certificate()
    assert other.jwks() == key_store.jwks()


def test_permissions(key_store: KeyStore) -> None:
    folders = [key_store.directory, *(p for p in key_store.directory.rglob("*") if p.is_dir())]

    assert {_mode(folder) for folder in folders} == {0o700}
    assert {_mode(path) for path in _files(key_store, "*.key.pem")} == {0o600}
    public = [*_files(key_store, "*.cert.pem"), *_files(key_store, "*.pub.pem")]
    assert len(public) == 3
    assert {_mode(path) for path in public} == {0o644}


def test_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="passphrase"):
        KeyStore(tmp_path, b"")


def test_nothing_before_ensure(fresh_store: KeyStore) -> None:
    assert not fresh_store.directory.exists()
    assert fresh_store.jwks() == {"keys": []}
    for read in (
        fresh_store.ca_certificate,
        fresh_store.ca_key,
        fresh_store.signing_certificate,
        fresh_store.signing_key,
        fresh_store.current_jws_key,
    ):
        with pytest.raises(KeyStoreError, match="ensure"):
            read()


def test_root_ca(key_store: KeyStore) -> None:
    ca = key_store.ca_certificate()

    assert ca.subject == ca.issuer
    ca.verify_directly_issued_by(ca)
    assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value.endswith("根证书")
    assert ca.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CN"
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca
    assert constraints.value.path_length == 0
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign
    assert usage.crl_sign
    assert not usage.digital_signature
    public = ca.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 3072
    assert ca.not_valid_after_utc - ca.not_valid_before_utc > timedelta(days=365 * 20)
    assert key_store.ca_key().public_key() == public


def test_signing_certificate(key_store: KeyStore) -> None:
    ca = key_store.ca_certificate()
    cert = key_store.signing_certificate()

    cert.verify_directly_issued_by(ca)
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment  # nonRepudiation
    assert not usage.key_cert_sign
    purposes = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert DOCUMENT_SIGNING in purposes
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in purposes
    public = cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 3072
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=365 * 5) <= lifetime <= timedelta(days=365 * 5 + 2)
    assert key_store.signing_key().public_key() == public


def test_jwks_is_an_rfc7517_key_set(key_store: KeyStore) -> None:
    jwks = key_store.jwks()
    current = key_store.current_jws_key()

    [entry] = jwks["keys"]
    assert entry["kid"] == current.kid
    assert entry | {"x": ""} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": "",
        "kid": current.kid,
        "use": "sig",
        "alg": "EdDSA",
    }
    raw = base64.urlsafe_b64decode(entry["x"] + "=" * (-len(entry["x"]) % 4))
    assert raw == current.private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    # A third-party library reads it as a key set.
    key = jwt.PyJWKSet.from_dict(jwks)[current.kid].key
    assert isinstance(key, ed25519.Ed25519PublicKey)


def test_ensure_twice_changes_nothing(fresh_store: KeyStore) -> None:
    fresh_store.ensure()
    before = {path: path.read_bytes() for path in fresh_store.directory.rglob("*.pem")}

    fresh_store.ensure()

    after = {path: path.read_bytes() for path in fresh_store.directory.rglob("*.pem")}
    assert after == before
    assert len(before) == 6


def _one_of_each(directory: Path) -> None:
    assert sorted(p.name for p in directory.glob("*.pem")) == ["ca.cert.pem", "ca.key.pem"]
    assert sorted(p.name for p in (directory / "signing").iterdir()) == [
        "0001.cert.pem",
        "0001.key.pem",
    ]
    assert len(list((directory / "jws").iterdir())) == 2
    assert not list(directory.rglob("*.part"))


def test_ensure_from_many_threads_creates_one_ca(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    stores = [KeyStore(directory, PASSPHRASE) for _ in range(4)]
    start = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def ensure(store: KeyStore) -> None:
        start.wait()
        try:
            store.ensure()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=ensure, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    _one_of_each(directory)
    assert len({store.ca_certificate().fingerprint(hashes.SHA256()) for store in stores}) == 1


ENSURE = """
import sys
from pathlib import Path
from certificates import KeyStore
KeyStore(Path(sys.argv[1]), sys.argv[2].encode()).ensure()
"""


@pytest.mark.slow
def test_ensure_from_two_processes_creates_one_ca(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    command = [sys.executable, "-c", ENSURE, str(directory), PASSPHRASE.decode()]

    processes = [subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE) for _ in range(2)]
    results = [(process.wait(timeout=60), process.stderr) for process in processes]

    for code, stderr in results:
        assert stderr is not None
        assert code == 0, stderr.read()
        stderr.close()
    _one_of_each(directory)


def test_leftover_ca_key_without_certificate_is_replaced(fresh_store: KeyStore) -> None:
    # What a crash between writing the CA key and its certificate leaves behind.
    fresh_store.directory.mkdir(mode=0o700)
    (fresh_store.directory / "ca.key.pem").write_bytes(b"half-written")

    fresh_store.ensure()

    assert fresh_store.ca_key().public_key() == fresh_store.ca_certificate().public_key()


def test_rotate_jws_key_keeps_old_public_keys(fresh_store: KeyStore) -> None:
    fresh_store.ensure()
    first = fresh_store.current_jws_key().kid

    second = fresh_store.rotate_jws_key()
    third = fresh_store.rotate_jws_key()

    assert len({first, second, third}) == 3
    assert fresh_store.current_jws_key().kid == third
    assert [key["kid"] for key in fresh_store.jwks()["keys"]] == [third, second, first]


def test_rotate_signing_key(fresh_store: KeyStore) -> None:
    fresh_store.ensure()
    ca = fresh_store.ca_certificate()
    old = fresh_store.signing_certificate()

    new = fresh_store.rotate_signing_key()

    assert fresh_store.signing_certificate() == new
    assert new.serial_number != old.serial_number
    assert new.public_key() != old.public_key()
    new.verify_directly_issued_by(ca)
    assert fresh_store.ca_certificate() == ca
    assert (fresh_store.directory / "signing" / "0001.cert.pem").exists()
    assert fresh_store.signing_key().public_key() == new.public_key()


def test_rotate_signing_key_needs_a_ca(fresh_store: KeyStore) -> None:
    with pytest.raises(KeyStoreError, match="ensure"):
        fresh_store.rotate_signing_key()


def test_other_processes_see_a_rotation(fresh_store: KeyStore) -> None:
    fresh_store.ensure()
    other = KeyStore(fresh_store.directory, PASSPHRASE)
    assert other.current_jws_key().kid == fresh_store.current_jws_key().kid

    kid = fresh_store.rotate_jws_key()

    assert other.current_jws_key().kid == kid


def test_missing_names_what_ensure_would_create(fresh_store: KeyStore) -> None:
    assert fresh_store.missing() == ["ca", "signing", "jws"]
    fresh_store.ensure()
    assert fresh_store.missing() == []


def test_other_keys_are_kept_encrypted_with_the_passphrase(key_store: KeyStore) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    pem = key_store.encrypt_private_key(key)

    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    restored = key_store.decrypt_private_key(pem)
    assert isinstance(restored, rsa.RSAPrivateKey)
    assert restored.private_numbers() == key.private_numbers()
    with pytest.raises(KeyStoreError, match="passphrase"):
        KeyStore(key_store.directory, b"wrong passphrase").decrypt_private_key(pem)
    with pytest.raises(KeyStoreError):
        key_store.decrypt_private_key(b"not a key")
