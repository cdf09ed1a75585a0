"""``flask --app wsgi keys ...``: the portal's root CA, document-signing key and JWS keys,
and the pool of key pairs made ahead for digital certificates.

Every machine of a deployment must use the same keys: provision ``KEYS_DIR``
once (``keys init``) and share it (a mounted secret), with the same
``KEYS_PASSPHRASE`` everywhere. The passphrase is never printed.
"""

from __future__ import annotations

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from flask.cli import AppGroup

from certificates import KeyStore
from portal.core.extensions import db, keys, processes
from portal.issuance.key_pool import KeyPool

keys_cli = AppGroup(
    "keys", help="The portal's keys: root CA, document signing, QR tokens, the key pool."
)


@keys_cli.command("init")
def keys_init() -> None:
    """Create whatever key is missing in KEYS_DIR (safe to repeat), then show them."""
    store = keys.store
    missing = store.missing()
    store.ensure()
    click.echo(f"Created: {', '.join(missing)}." if missing else "Every key was already there.")
    _show(store)


@keys_cli.command("rotate-jws")
def rotate_jws() -> None:
    """Sign new QR tokens with a new Ed25519 key; tokens signed before still verify."""
    kid = keys.store.rotate_jws_key()
    click.echo(f"New JWS key {kid}: new certificates carry it; older keys stay in the JWKS.")


@keys_cli.command("rotate-signing")
def rotate_signing() -> None:
    """Sign new PDFs with a new key and certificate from the same CA."""
    certificate = keys.store.rotate_signing_key()
    click.echo(f"New document-signing certificate {_fingerprint(certificate)}.")


@keys_cli.command("fill-pool")
@click.option(
    "--count",
    type=click.IntRange(min=0),
    default=None,
    help="Add this many key pairs (default: what the pool lacks to KEY_POOL_SIZE).",
)
def fill_pool(count: int | None) -> None:
    """Make key pairs for digital certificates ahead, at once (the tick adds a few at
    a time up to KEY_POOL_SIZE)."""
    pool = KeyPool(db.session, keys.store)
    if count is None:
        added = pool.fill(processes.platform.issuing.key_pool_size, at_most=None).added
    else:
        pool.add(count)
        added = count
    click.echo(f"Added {added} key pair(s); the pool holds {pool.size()}.")


@keys_cli.command("show")
def show() -> None:
    """The CA and signing certificates (fingerprints, validity) and the JWS key ids."""
    _show(keys.store)


def _show(store: KeyStore) -> None:
    click.echo(f"Key folder: {store.directory}")
    for label, certificate in (
        ("Root CA", store.ca_certificate()),
        ("Document signing", store.signing_certificate()),
    ):
        click.echo(f"{label}: {certificate.subject.rfc4514_string()}")
        click.echo(f"  SHA-256 fingerprint {_fingerprint(certificate)}")
        click.echo(f"  serial {certificate.serial_number:x}")
        click.echo(
            f"  valid {certificate.not_valid_before_utc:%Y-%m-%d} to "
            f"{certificate.not_valid_after_utc:%Y-%m-%d} (UTC)"
        )
    current = store.current_jws_key().kid
    click.echo("JWS keys (Ed25519, newest first; served at /.well-known/jwks.json):")
    for entry in store.jwks()["keys"]:
        marker = "  (current)" if entry["kid"] == current else ""
        click.echo(f"  kid {entry['kid']}{marker}")


def _fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()
