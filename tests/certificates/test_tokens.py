"""QR tokens: compact EdDSA JWS that verify against the JWK Set, and nothing else does."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from certificates import InvalidToken, KeyStore, issue_token, subject_digest, verify_token
from tests.certificates.conftest import NUMBER, PRODUCT, VENDOR

BEIJING_MIDNIGHT_22_NOV = datetime(2026, 11, 21, 16, 0, tzinfo=UTC)


def _token(store: KeyStore, **overrides: object) -> str:
    jws = store.current_jws_key()
    claims: dict[str, object] = {
        "number": NUMBER,
        "cert_type": "software_filing",
        "subject": f"{VENDOR} {PRODUCT} V3.2.1",
        "valid_from": date(2026, 11, 22),
        "valid_until": date(2029, 11, 21),
    }
    claims.update(overrides)
    return issue_token(jws.private_key, jws.kid, **claims)  # type: ignore[arg-type]


def _segments(token: str) -> tuple[dict[str, object], bytes]:
    header, payload, _ = token.split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))), raw


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_round_trip(key_store: KeyStore) -> None:
    token = _token(key_store)

    claims = verify_token(token, key_store.jwks(), now=datetime(2027, 1, 1, tzinfo=UTC))

    assert claims.number == NUMBER
    assert claims.cert_type == "software_filing"
    assert claims.subject == subject_digest(f"{VENDOR} {PRODUCT} V3.2.1")
    assert claims.names_subject(f"{VENDOR} {PRODUCT} V3.2.1")
    assert not claims.names_subject(f"{VENDOR} {PRODUCT} V3.2.2")
    assert claims.issuer is None and claims.issued_at is None
    assert claims.kid == key_store.current_jws_key().kid
    # Civil days in Beijing: from 00:00 on the first day to 24:00 on the last.
    assert claims.valid_from == BEIJING_MIDNIGHT_22_NOV
    assert claims.valid_until == datetime(2029, 11, 21, 16, 0, tzinfo=UTC)
    assert not claims.expired
    assert not claims.not_yet_valid


def test_token_is_compact_and_short(key_store: KeyStore) -> None:
    token = _token(key_store)

    header, payload = _segments(token)
    assert header == {"alg": "EdDSA", "kid": key_store.current_jws_key().kid}
    assert len(key_store.current_jws_key().kid) == 6
    # Number, type, the subject's digest and the validity: nothing else.
    assert json.loads(payload) == {
        "num": NUMBER,
        "typ": "software_filing",
        "sub": subject_digest(f"{VENDOR} {PRODUCT} V3.2.1"),
        "nbf": 1795276800,
        "exp": 1889971200,
    }
    assert VENDOR.encode() not in payload


def test_the_verification_url_stays_within_320_characters(key_store: KeyStore) -> None:
    """A QR code of at most 331 bytes is version 13 (69 modules) at level M: at 42 mm
    that is 1.6 pixels a module at 72 dpi, which still scans (test_layout.py)."""
    long_subject = "湖南星光软件科技有限公司 星光影院票务管理系统（旗舰版） V3.2.1" * 3
    token = _token(key_store, number="BAZS2026000001", subject=long_subject)

    url = f"https://portal.example/verify/BAZS2026000001?t={token}"

    assert len(url) <= 320  # it was about 470 before the token was shortened
    assert verify_token(token, key_store.jwks()).names_subject(long_subject)


def test_old_tokens_with_every_claim_still_verify(key_store: KeyStore) -> None:
    """Certificates printed before the tokens were shortened carry the subject in full,
    the issuer, the time of issue and a 16-character key id."""
    jws = key_store.current_jws_key()
    payload = {
        "num": NUMBER,
        "typ": "software_filing",
        "sub": f"{VENDOR} {PRODUCT} V3.2.1",
        "iss": "电影资金办",
        "nbf": 1795276800,
        "exp": 1889971200,
        "iat": 1795300000,
    }
    token = jwt.encode(payload, jws.private_key, algorithm="EdDSA", headers={"kid": jws.kid})

    claims = verify_token(token, key_store.jwks())

    assert claims.issuer == "电影资金办"
    assert claims.issued_at == datetime.fromtimestamp(1795300000, UTC)
    assert claims.names_subject(f"{VENDOR} {PRODUCT} V3.2.1")


def test_library_agrees(key_store: KeyStore) -> None:
    """An independent verifier with only the published JWKS accepts the token."""
    token = _token(key_store)
    key = jwt.PyJWKSet.from_dict(key_store.jwks())[key_store.current_jws_key().kid]

    claims = jwt.decode(token, key, algorithms=["EdDSA"], options={"verify_exp": False})

    assert claims["num"] == NUMBER


def test_without_end_date(key_store: KeyStore) -> None:
    token = _token(key_store, valid_until=None)

    claims = verify_token(token, key_store.jwks())

    assert "exp" not in json.loads(_segments(token)[1])
    assert claims.valid_until is None
    assert not claims.expired
    with pytest.raises(InvalidToken, match="exp"):
        verify_token(token, key_store.jwks(), require_exp=True)


def test_expired_certificate_still_verifies(key_store: KeyStore) -> None:
    token = _token(key_store, valid_from=date(2020, 1, 1), valid_until=date(2022, 12, 31))

    claims = verify_token(token, key_store.jwks(), require_exp=True)

    assert claims.expired
    assert claims.number == NUMBER


def test_expiry_is_measured_at_now(key_store: KeyStore) -> None:
    token = _token(key_store)
    jwks = key_store.jwks()
    end = datetime(2029, 11, 21, 16, 0, tzinfo=UTC)

    assert not verify_token(token, jwks, now=end - timedelta(seconds=1)).expired
    assert verify_token(token, jwks, now=end).expired
    assert verify_token(token, jwks, now=BEIJING_MIDNIGHT_22_NOV - timedelta(1)).not_yet_valid


def test_datetimes_must_be_aware(key_store: KeyStore) -> None:
    with pytest.raises(ValueError, match="timezone"):
        _token(key_store, valid_from=datetime(2026, 11, 22, 9, 0))


def test_end_before_start_is_refused(key_store: KeyStore) -> None:
    with pytest.raises(ValueError, match="before"):
        _token(key_store, valid_from=date(2026, 11, 22), valid_until=date(2026, 11, 21))


@pytest.mark.parametrize("part", [0, 1, 2])
def test_one_changed_character_is_refused(key_store: KeyStore, part: int) -> None:
    token = _token(key_store)
    segments = token.split(".")
    # The middle of a segment: the last character of a base64url segment may carry
    # only padding bits, which decoders ignore.
    middle = len(segments[part]) // 2
    old = segments[part][middle]
    segments[part] = (
        segments[part][:middle] + ("B" if old == "A" else "A") + segments[part][middle + 1 :]
    )

    with pytest.raises(InvalidToken):
        verify_token(".".join(segments), key_store.jwks())


def test_foreign_key_with_our_kid_is_refused(key_store: KeyStore) -> None:
    forger = ed25519.Ed25519PrivateKey.generate()
    kid = key_store.current_jws_key().kid
    token = issue_token(
        forger,
        kid,
        number=NUMBER,
        cert_type="software_filing",
        subject=VENDOR,
        valid_from=date(2026, 11, 22),
        valid_until=None,
    )

    with pytest.raises(InvalidToken, match="verify"):
        verify_token(token, key_store.jwks())


def test_unknown_kid_is_refused(key_store: KeyStore) -> None:
    forger = ed25519.Ed25519PrivateKey.generate()
    token = issue_token(
        forger,
        "forged",
        number=NUMBER,
        cert_type="software_filing",
        subject=VENDOR,
        valid_from=date(2026, 11, 22),
        valid_until=None,
    )

    with pytest.raises(InvalidToken, match="unknown key"):
        verify_token(token, key_store.jwks())


def test_alg_none_is_refused(key_store: KeyStore) -> None:
    _, payload = _segments(_token(key_store))
    header = json.dumps({"alg": "none", "kid": key_store.current_jws_key().kid}).encode()
    unsigned = f"{_b64(header)}.{_b64(payload)}."

    with pytest.raises(InvalidToken, match="algorithm"):
        verify_token(unsigned, key_store.jwks())


def test_hmac_with_the_public_key_as_secret_is_refused(key_store: KeyStore) -> None:
    """The classic confusion attack: HS256 keyed with the published public key."""
    jwks = key_store.jwks()
    entry = jwks["keys"][0]
    public = base64.urlsafe_b64decode(entry["x"] + "=")
    payload = json.loads(_segments(_token(key_store))[1])
    token = jwt.encode(payload, public, algorithm="HS256", headers={"kid": entry["kid"]})

    with pytest.raises(InvalidToken, match="algorithm"):
        verify_token(token, jwks)


def test_a_jwks_entry_of_another_kind_is_refused(key_store: KeyStore) -> None:
    kid = key_store.current_jws_key().kid
    jwks = {"keys": [{"kty": "oct", "k": _b64(b"secret"), "kid": kid, "alg": "HS256"}]}

    with pytest.raises(InvalidToken, match="not an Ed25519 key"):
        verify_token(_token(key_store), jwks)


@pytest.mark.parametrize(
    "token", ["", "abc", "a.b", "a.b.c", "..", "eyJhbGciOiJFZERTQSJ9..", "日本.語.です"]
)
def test_malformed_tokens_are_refused(key_store: KeyStore, token: str) -> None:
    with pytest.raises(InvalidToken):
        verify_token(token, key_store.jwks())


def test_missing_claims_are_refused(key_store: KeyStore) -> None:
    jws = key_store.current_jws_key()
    token = jwt.encode(
        {"num": NUMBER, "nbf": 0, "iat": 0},
        jws.private_key,
        algorithm="EdDSA",
        headers={"kid": jws.kid},
    )

    with pytest.raises(InvalidToken, match="does not verify"):
        verify_token(token, key_store.jwks())


def test_rotation_keeps_old_tokens_valid(fresh_store: KeyStore) -> None:
    fresh_store.ensure()
    old_kid = fresh_store.current_jws_key().kid
    old_token = _token(fresh_store)

    new_kid = fresh_store.rotate_jws_key()
    new_token = _token(fresh_store)

    jwks = fresh_store.jwks()
    assert new_kid != old_kid
    assert verify_token(old_token, jwks).kid == old_kid
    assert verify_token(new_token, jwks).kid == new_kid
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid


def test_retired_key_no_longer_verifies(fresh_store: KeyStore) -> None:
    fresh_store.ensure()
    old_token = _token(fresh_store)
    fresh_store.rotate_jws_key()
    for path in (fresh_store.directory / "jws").glob("0001-*"):
        path.unlink()

    with pytest.raises(InvalidToken, match="unknown key"):
        verify_token(old_token, fresh_store.jwks())


def test_public_key_pem_matches_jwks(key_store: KeyStore) -> None:
    [path] = (key_store.directory / "jws").glob("*.pub.pem")
    public = serialization.load_pem_public_key(path.read_bytes())
    assert isinstance(public, ed25519.Ed25519PublicKey)

    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    assert key_store.jwks()["keys"][0]["x"] == _b64(raw)
