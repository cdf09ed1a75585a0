"""RSA key pairs made ahead for digital certificates, so a decision need not make one.

Generating an RSA-2048 key takes most of an approval that issues a digital
certificate, with the application's row locked. ``flask --app wsgi tick`` (and
``flask --app wsgi keys fill-pool``) therefore keeps up to ``KEY_POOL_SIZE`` key
pairs in the ``key_pool`` table, each private key encrypted with the key
store's passphrase exactly as a holder's key is stored, beside its public key.
A decision takes one row and deletes it in the decision's transaction
(:meth:`KeyPool.take`; a rolled-back decision puts it back), has the CA certify
the public key and keeps the encrypted private key for the holder as it is:
decrypting it would cost about as much as generating a key (the passphrase's
key derivation). Taking is one ``DELETE ... WHERE id = (SELECT ...) RETURNING``; on PostgreSQL
the sub-select is ``FOR UPDATE SKIP LOCKED``, so two decisions at the same moment
never take the same key and neither waits for the other. When the pool is
empty the decision generates its key itself.

Refilling counts the pool, then adds what is missing, one short transaction per
key. Ticks on several machines at once may each see the same shortfall and
overfill the pool a little; the extra keys are simply used first.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.orm import Session

from certificates import KeyStore
from certificates.ca import CLIENT_KEY_SIZE
from portal.core.transactions import transaction
from portal.issuance.models import PooledKey

KEYS_PER_TICK = 5
"""At most this many keys are made by one tick, so a tick stays short."""


@dataclass(frozen=True)
class PoolKeyPair:
    """A key pair taken from the pool."""

    public_key: rsa.RSAPublicKey
    encrypted_private_key: bytes
    """PKCS#8 PEM encrypted with the key store's passphrase
    (what :meth:`certificates.KeyStore.encrypt_private_key` returns)."""


@dataclass(frozen=True)
class FillResult:
    added: int
    size: int
    """How many keys the pool holds afterwards (as this machine counted)."""


class KeyPool:
    """The ``key_pool`` table: take a key pair inside a decision, refill it outside."""

    def __init__(self, session: Session, keys: KeyStore) -> None:
        self.session = session
        self.keys = keys

    def take(self) -> PoolKeyPair | None:
        """Remove the oldest key pair from the pool in the caller's transaction and
        return it (its private key still encrypted), or None when the pool is empty.

        One statement on both backends (``DELETE ... WHERE id = (SELECT ...)
        RETURNING``). Concurrent callers never get the same key: on PostgreSQL
        locked rows are skipped, on SQLite writers are serialised.
        """
        first = sa.select(PooledKey.id).order_by(PooledKey.id).limit(1)
        if self.session.get_bind().dialect.name == "postgresql":
            first = first.with_for_update(skip_locked=True)
        if any(isinstance(pending, PooledKey) for pending in self.session.new):
            self.session.flush()  # a key added in this transaction may be taken
        with self.session.no_autoflush:  # other pending rows stay pending
            row = self.session.execute(
                sa.delete(PooledKey)
                .where(PooledKey.id == first.scalar_subquery())
                .returning(PooledKey.private_key, PooledKey.public_key)
                .execution_options(synchronize_session=False)
            ).first()
        if row is None:
            return None
        public_key = serialization.load_der_public_key(row.public_key)
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise TypeError("a pooled key must be an RSA key")
        return PoolKeyPair(public_key, row.private_key)

    def size(self) -> int:
        """How many keys the pool holds now (read in its own transaction)."""
        with transaction(self.session):
            return self.session.scalar(sa.select(sa.func.count()).select_from(PooledKey)) or 0

    def fill(self, target: int, *, at_most: int | None = KEYS_PER_TICK) -> FillResult:
        """Add keys until the pool holds ``target`` (at most ``at_most`` of them; None:
        no limit), each generated outside any transaction and stored in one of its own.

        Machines filling at the same moment may overfill the pool a little.
        Does nothing when ``target`` is 0 or less.
        """
        size = self.size()
        missing = max(target - size, 0)
        if at_most is not None:
            missing = min(missing, at_most)
        self.add(missing)
        return FillResult(added=missing, size=size + missing)

    def add(self, count: int) -> None:
        """Add ``count`` keys, each generated outside any transaction and stored
        (encrypted) in one of its own."""
        for _ in range(count):
            key = rsa.generate_private_key(public_exponent=65537, key_size=CLIENT_KEY_SIZE)
            public_der = key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            encrypted = self.keys.encrypt_private_key(key)
            with transaction(self.session):
                self.session.add(PooledKey(private_key=encrypted, public_key=public_der))
