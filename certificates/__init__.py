"""The portal's certificates: PDFs with a QR code and a seal, their signatures, and the CA.

A lower layer: it never imports Flask or the ``portal`` package. Typical use::

    store = KeyStore(instance_path / "keys", passphrase)
    store.ensure()
    jws = store.current_jws_key()
    token = issue_token(jws.private_key, jws.kid, number=number, cert_type="notice",
                        subject=subject, valid_from=start, valid_until=end)
    pdf = render_pdf("notice", {..., "verify_url": f"{base}/verify?t={token}"})
    pdf = sign_pdf(pdf, key=store.signing_key(), certificate=store.signing_certificate(),
                   chain=[store.ca_certificate()], reason="备案证书", location="北京",
                   signer_name="电影和文化审批服务平台")

and on the public side ``verify_token(token, store.jwks())`` and
``verify_pdf(pdf, trust_roots=[store.ca_certificate()])``.
"""

from certificates.ca import (
    IssuedCertificate,
    build_crl,
    crl_pem,
    issue_client_certificate,
    pem,
    pkcs12_bundle,
)
from certificates.keys import JwsKey, KeyStore, KeyStoreError
from certificates.qr import qr_png_data_uri, qr_svg
from certificates.render import (
    CertificateContextError,
    certificate_types,
    cn_date,
    render_html,
    render_pdf,
)
from certificates.seal import seal_svg
from certificates.sign import PdfSignatureStatus, sign_pdf, verify_pdf
from certificates.tokens import (
    InvalidToken,
    TokenClaims,
    issue_token,
    subject_digest,
    verify_token,
)

__all__ = [
    "CertificateContextError",
    "InvalidToken",
    "IssuedCertificate",
    "JwsKey",
    "KeyStore",
    "KeyStoreError",
    "PdfSignatureStatus",
    "TokenClaims",
    "build_crl",
    "certificate_types",
    "cn_date",
    "crl_pem",
    "issue_client_certificate",
    "issue_token",
    "pem",
    "pkcs12_bundle",
    "qr_png_data_uri",
    "qr_svg",
    "render_html",
    "render_pdf",
    "seal_svg",
    "sign_pdf",
    "subject_digest",
    "verify_pdf",
    "verify_token",
]
