"""Fixtures for the certificate tests: one key store per worker, sample certificates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from certificates import KeyStore, issue_token, render_pdf, sign_pdf

LAYOUTS = (
    Path(__file__).resolve().parents[2]
    / "portal"
    / "processes"
    / "software_filing"
    / "certificates"
)
"""The software filing's own layouts (the generic ones come from ``certificates/``)."""

PASSPHRASE = b"correct horse battery staple"
BASE_URL = "https://portal.test/verify"
ISSUER = "国家电影事业发展专项资金管理委员会办公室"
VENDOR = "湖南星光软件科技有限公司"
PRODUCT = "星光影院票务管理系统"
USCC = "91430100MA4L0ABC1M"  # valid check digit
NUMBER = "票软证字〔2026〕第0001号"


@pytest.fixture(scope="session")
def key_store(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    """A key store with every key created, shared by the tests that do not rotate keys."""
    store = KeyStore(tmp_path_factory.mktemp("keys") / "keys", PASSPHRASE)
    store.ensure()
    return store


@pytest.fixture
def fresh_store(tmp_path: Path) -> KeyStore:
    """A key store of this test's own, nothing created yet."""
    return KeyStore(tmp_path / "keys", PASSPHRASE)


def verify_url(store: KeyStore, **claims: Any) -> str:
    """A verification URL with a token from ``store``'s current key."""
    values: dict[str, Any] = {
        "number": NUMBER,
        "cert_type": "software_filing",
        "subject": f"{VENDOR} {PRODUCT} V3.2.1",
        "valid_from": date(2026, 11, 22),
        "valid_until": date(2029, 11, 21),
    }
    values.update(claims)
    jws = store.current_jws_key()
    return f"{BASE_URL}?t={issue_token(jws.private_key, jws.kid, **values)}"


def contexts(url: str) -> dict[str, dict[str, Any]]:
    """Chinese sample data for every template."""
    common = {"number": NUMBER, "issuer": ISSUER, "issue_date": date(2026, 11, 22)}
    common["verify_url"] = url
    return {
        "software_filing": {
            **common,
            "product_name": PRODUCT,
            "version": "V3.2.1",
            "variant": "cinema_software",
            "vendor": VENDOR,
            "uscc": USCC,
            "filing_number": "票软备2026-0007",
            "md5": "9e107d9d372bb6826bd81d3542a419d6",
            "sha256": "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
            "valid_from": date(2026, 11, 22),
            "valid_until": date(2029, 11, 21),
        },
        "testing_commission": {
            **common,
            "number": "委检字〔2026〕第0042号",
            "application_number": "SL20261122-0042",
            "product_name": "云影网络售票平台",
            "version": "2.0",
            "variant": "agent_software",
            "vendor": "北京云影网络科技有限公司",
            "tests": ["票务管理系统技术要求符合性检测", "自助取票机接口检测"],
            "deadline": date(2026, 12, 31),
        },
        "commitment_letter": {
            "company": VENDOR,
            "product_name": PRODUCT,
            "version": "V3.2.1",
            "number": "SL20261122-0042",
        },
        "notice": {
            **common,
            "number": "验字〔2026〕第0318号",
            "title": "安装验收确认书",
            "subject": "长沙橘子洲国际影城",
            "fields": [("电影院编码", "43010318"), ("验收日期", date(2026, 11, 20))],
            "body": "经验收检测，该电影院所装票务软件与国家数据平台备案信息一致，验收合格。",
            "seal_subtitle": "验收专用章",
        },
    }


@pytest.fixture(scope="session")
def sample_url(key_store: KeyStore) -> str:
    return verify_url(key_store)


@pytest.fixture(scope="session")
def rendered(sample_url: str) -> Callable[[str], bytes]:
    """Each sample certificate rendered once per worker, on first use."""
    cache: dict[str, bytes] = {}

    def render(cert_type: str) -> bytes:
        if cert_type not in cache:
            cache[cert_type] = render_pdf(
                cert_type, contexts(sample_url)[cert_type], templates=LAYOUTS
            )
        return cache[cert_type]

    return render


def sign_with(store: KeyStore, pdf: bytes) -> bytes:
    return sign_pdf(
        pdf,
        key=store.signing_key(),
        certificate=store.signing_certificate(),
        chain=[store.ca_certificate()],
        reason="票务软件产品备案证书",
        location="北京",
        signer_name="电影和文化审批服务平台",
    )


@pytest.fixture(scope="session")
def signed_pdf(key_store: KeyStore, rendered: Callable[[str], bytes]) -> bytes:
    return sign_with(key_store, rendered("software_filing"))
