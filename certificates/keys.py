"""Where the portal's keys live, and how they are created and rotated.

Everything is in one folder that the portal's configuration names (its
instance folder's ``keys`` sub-folder is the natural place), mode 0700, owned
by the user running the portal::

    keys/
      .lock                      held while keys are created or rotated
      ca.key.pem                 root CA private key    (PKCS#8, encrypted, 0600)
      ca.cert.pem                root CA certificate    (20 years, public)
      signing/0001.key.pem       document-signing key   (PKCS#8, encrypted, 0600)
      signing/0001.cert.pem      its certificate, issued by the root CA (5 years)
      jws/0001-<kid>.key.pem     Ed25519 key for QR tokens (PKCS#8, encrypted, 0600)
      jws/0001-<kid>.pub.pem     its public key (published in the JWKS)

Private keys are never written in clear: each is PKCS#8 PEM encrypted with the
passphrase given to :class:`KeyStore`, which the portal reads from its
environment, never from a file beside the keys. Public files are 0644. Files
are written to a temporary name, flushed and published with a hard link, which
refuses an existing name; creation and rotation also hold an exclusive lock on ``.lock``,
so two processes starting at once create one CA, not two. The highest number
in ``signing/`` and ``jws/`` is the current key; older ones are kept.

Rotation, for an operator (with the portal's passphrase in the environment)::

    from certificates import KeyStore
    store = KeyStore(Path("instance/keys"), passphrase)
    store.rotate_jws_key()      # new tokens carry the new kid; old ones still verify,
                                # because every public key stays in jwks()
    store.rotate_signing_key()  # new PDFs are signed with a new key and certificate
                                # from the same CA; PDFs signed before still validate

Running processes pick the new key up on their next call (the folder is read
each time; only decrypted keys are cached, by file name, and files never
change). To retire a compromised JWS key, move its two files out of ``jws/``:
tokens signed with it stop verifying. The root CA is not rotated: replacing it
invalidates every issued client certificate and signed PDF, so it is a
re-issuing campaign, not a command. Back the folder up together with the
passphrase, but never in the same place.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

CA_NAME = "电影和文化审批服务平台 根证书"
SIGNING_NAME = "电影和文化审批服务平台 文档签名"
ORGANIZATION = "电影和文化审批服务平台"
RSA_KEY_SIZE = 3072
CA_YEARS = 20
SIGNING_YEARS = 5
ID_KP_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
"""RFC 9336 extended key usage for signing human-readable documents."""

KID_LENGTH = 6
"""Characters of the RFC 7638 thumbprint in a new key's ``kid``: the QR tokens carry
it, so it is short (keys created before have 16 and keep them).
"""

DIR_MODE = 0o700
PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644

_NUMBERED = re.compile(r"(\d{4,})(?:-([A-Za-z0-9_-]+))?\.(key|cert|pub)\.pem")

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


class KeyStoreError(Exception):
    """The key folder is missing keys, or a key cannot be decrypted with the passphrase."""


@dataclass(frozen=True)
class JwsKey:
    """A current Ed25519 key for signing QR tokens, with the ``kid`` verifiers look up."""

    kid: str
    private_key: ed25519.Ed25519PrivateKey


class KeyStore:
    """The portal's root CA, document-signing key and JWS keys in one folder.

    Nothing is created by the constructor; call :meth:`ensure` once at start-up
    (it is idempotent and safe to run in several processes at once). Decrypted
    private keys are cached in this object; create one store per process.
    """

    def __init__(self, directory: Path, passphrase: bytes) -> None:
        """:raise ValueError: ``passphrase`` is empty."""
        if not passphrase:
            raise ValueError("the key store needs a non-empty passphrase")
        self._dir = Path(directory).absolute()
        self._passphrase = passphrase
        self._cache: dict[Path, PrivateKey] = {}
        self._cache_lock = threading.Lock()

    @property
    def directory(self) -> Path:
        """The folder holding the keys."""
        return self._dir

    # --- creation and rotation -------------------------------------------------

    def ensure(self) -> None:
        """Create whatever is missing: the root CA, a signing key, a JWS key.

        Existing keys are left alone, so calling this at every start-up is
        right. Several processes may call it at once: one creates, the others
        wait for the lock and find the keys there.

        :raise KeyStoreError: the CA exists but its key cannot be decrypted
            (wrong passphrase), when a signing key has to be issued with it.
        :raise OSError: the folder cannot be created or written.
        """
        with self._locked():
            if not (self._dir / "ca.cert.pem").exists():
                self._create_ca()
            if self._latest("signing", "cert") is None:
                self._create_signing_key()
            if self._latest("jws", "pub") is None:
                self._create_jws_key()

    def rotate_jws_key(self) -> str:
        """Make a new Ed25519 key the current one for tokens; return its ``kid``.

        Earlier public keys stay in :meth:`jwks`, so tokens issued before still verify.

        :raise OSError: the folder cannot be written.
        """
        with self._locked():
            return self._create_jws_key()

    def rotate_signing_key(self) -> x509.Certificate:
        """Issue a new document-signing key and certificate from the same CA; return it.

        PDFs signed earlier still validate: their certificate chains to the same root.

        :raise KeyStoreError: there is no CA yet (call :meth:`ensure`) or its key
            cannot be decrypted.
        """
        with self._locked():
            return self._create_signing_key()

    # --- reading ---------------------------------------------------------------

    def ca_certificate(self) -> x509.Certificate:
        """The root CA certificate.

        :raise KeyStoreError: there is no CA yet.
        """
        return _load_certificate(self._require(self._dir / "ca.cert.pem"))

    def ca_key(self) -> rsa.RSAPrivateKey:
        """The root CA's private key, decrypted.

        :raise KeyStoreError: there is no CA yet, or the passphrase is wrong.
        """
        return _rsa(self._private_key(self._dir / "ca.key.pem"))

    def signing_certificate(self) -> x509.Certificate:
        """The current document-signing certificate.

        :raise KeyStoreError: there is no signing key yet.
        """
        number = self._require_latest("signing", "cert")
        return _load_certificate(self._dir / "signing" / f"{number}.cert.pem")

    def signing_key(self) -> rsa.RSAPrivateKey:
        """The current document-signing private key, decrypted.

        :raise KeyStoreError: there is no signing key yet, or the passphrase is wrong.
        """
        number = self._require_latest("signing", "cert")
        return _rsa(self._private_key(self._dir / "signing" / f"{number}.key.pem"))

    def current_jws_key(self) -> JwsKey:
        """The current Ed25519 key for tokens and its ``kid``.

        :raise KeyStoreError: there is no JWS key yet, or the passphrase is wrong.
        """
        entries = [e for e in self._numbered("jws") if e[2] == "key"]
        if not entries:
            raise KeyStoreError(f"no JWS key in {self._dir}; call ensure() first")
        number, kid, _ = max(entries)
        key = self._private_key(self._dir / "jws" / f"{number}-{kid}.key.pem")
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise KeyStoreError(f"JWS key {kid} is not an Ed25519 key")
        return JwsKey(kid=kid, private_key=key)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The RFC 7517 JWK Set of every JWS public key, newest first.

        Each entry is ``{"kty": "OKP", "crv": "Ed25519", "x", "kid", "use": "sig",
        "alg": "EdDSA"}``; serve it as ``/.well-known/jwks.json``. Empty before
        :meth:`ensure`.
        """
        keys = []
        for number, kid, kind in sorted(self._numbered("jws"), reverse=True):
            if kind != "pub":
                continue
            pem = (self._dir / "jws" / f"{number}-{kid}.pub.pem").read_bytes()
            public = serialization.load_pem_public_key(pem)
            if isinstance(public, ed25519.Ed25519PublicKey):
                keys.append(_jwk(public, kid))
        return {"keys": keys}

    def missing(self) -> list[str]:
        """What :meth:`ensure` would create: any of ``"ca"``, ``"signing"``, ``"jws"``.

        Empty when the folder holds every key, so a portal whose key folder was
        provisioned (or mounted read-only) need not take the lock at start-up.
        """
        found = {
            "ca": (self._dir / "ca.cert.pem").exists(),
            "signing": self._latest("signing", "cert") is not None,
            "jws": self._latest("jws", "pub") is not None,
        }
        return [name for name, present in found.items() if not present]

    # --- other keys the portal keeps -------------------------------------------

    def encrypt_private_key(self, key: PrivateKey) -> bytes:
        """``key`` as PKCS#8 PEM encrypted with this store's passphrase.

        For keys the portal keeps elsewhere (a client certificate's key in the
        document store until its holder downloads it): never in clear at rest.
        """
        return self._encrypt(key)

    def decrypt_private_key(self, pem: bytes) -> PrivateKey:
        """The key :meth:`encrypt_private_key` encrypted.

        :raise KeyStoreError: the passphrase is wrong, or ``pem`` holds no RSA
            or Ed25519 private key.
        """
        try:
            key = serialization.load_pem_private_key(pem, password=self._passphrase)
        except (ValueError, TypeError) as error:
            raise KeyStoreError("cannot decrypt the key: wrong passphrase?") from error
        if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
            raise KeyStoreError("not an RSA or Ed25519 private key")
        return key

    # --- internals -------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(self._dir, DIR_MODE)
        fd = os.open(self._dir / ".lock", os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _create_ca(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
        name = _name(CA_NAME)
        now = datetime.now(UTC)
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * CA_YEARS + 5))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(ski, critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        # The key first: a certificate on disk promises that its key is there too. A key
        # without a certificate is debris of a crash that signed nothing: replace it.
        with contextlib.suppress(FileNotFoundError):
            (self._dir / "ca.key.pem").unlink()
        self._publish(self._dir / "ca.key.pem", self._encrypt(key), PRIVATE_MODE)
        self._publish(self._dir / "ca.cert.pem", _cert_pem(cert), PUBLIC_MODE)

    def _create_signing_key(self) -> x509.Certificate:
        ca_cert, ca_key = self.ca_certificate(), self.ca_key()
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(SIGNING_NAME))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * SIGNING_YEARS + 1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                _key_usage(digital_signature=True, content_commitment=True), critical=True
            )
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ID_KP_DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]
                ),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(_authority_key_id(ca_cert), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        folder = self._dir / "signing"
        number = _next_number(self._latest("signing", "key"))
        self._publish(folder / f"{number}.key.pem", self._encrypt(key), PRIVATE_MODE)
        self._publish(folder / f"{number}.cert.pem", _cert_pem(cert), PUBLIC_MODE)
        return cert

    def _create_jws_key(self) -> str:
        key = ed25519.Ed25519PrivateKey.generate()
        kid = _thumbprint(key.public_key())[:KID_LENGTH]
        folder = self._dir / "jws"
        number = _next_number(max((e[0] for e in self._numbered("jws")), default=None))
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        # Published before the private key, so no token exists that the JWKS cannot check.
        self._publish(folder / f"{number}-{kid}.pub.pem", public_pem, PUBLIC_MODE)
        self._publish(folder / f"{number}-{kid}.key.pem", self._encrypt(key), PRIVATE_MODE)
        return kid

    def _encrypt(self, key: PrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )

    def _publish(self, target: Path, data: bytes, mode: int) -> None:
        target.parent.mkdir(mode=DIR_MODE, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.link(temp_name, target)  # refuses to replace: a key is never overwritten
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _private_key(self, path: Path) -> PrivateKey:
        with self._cache_lock:
            cached = self._cache.get(path)
        if cached is not None:
            return cached
        pem = self._require(path).read_bytes()
        try:
            key = serialization.load_pem_private_key(pem, password=self._passphrase)
        except (ValueError, TypeError) as error:
            raise KeyStoreError(f"cannot decrypt {path.name}: wrong passphrase?") from error
        if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
            raise KeyStoreError(f"{path.name} holds an unexpected kind of key")
        with self._cache_lock:
            self._cache[path] = key
        return key

    def _numbered(self, folder: str) -> list[tuple[str, str, str]]:
        """``(number, kid, kind)`` for each key file in ``folder`` (kid is "" for signing)."""
        try:
            names = os.listdir(self._dir / folder)
        except FileNotFoundError:
            return []
        found = []
        for name in names:
            match = _NUMBERED.fullmatch(name)
            if match:
                found.append((match[1], match[2] or "", match[3]))
        return found

    def _latest(self, folder: str, kind: str) -> str | None:
        return max((e[0] for e in self._numbered(folder) if e[2] == kind), default=None)

    def _require_latest(self, folder: str, kind: str) -> str:
        number = self._latest(folder, kind)
        if number is None:
            raise KeyStoreError(f"no {folder} key in {self._dir}; call ensure() first")
        return number

    def _require(self, path: Path) -> Path:
        if not path.exists():
            raise KeyStoreError(f"{path} is missing; call ensure() first")
        return path


def _rsa(key: PrivateKey) -> rsa.RSAPrivateKey:
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyStoreError("expected an RSA key")
    return key


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        ]
    )


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _authority_key_id(ca_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _load_certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _next_number(latest: str | None) -> str:
    return f"{int(latest or 0) + 1:04d}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _raw(public: ed25519.Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _thumbprint(public: ed25519.Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url)."""
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": _b64url(_raw(public))},
        separators=(",", ":"),
        sort_keys=True,
    )
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def _jwk(public: ed25519.Ed25519PublicKey, kid: str) -> dict[str, str]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(_raw(public)),
        "kid": kid,
        "use": "sig",
        "alg": "EdDSA",
    }
