"""CMS (RFC 5652) encrypt / decrypt / sign / verify wrappers, all standard and openssl-compatible.

* :func:`encrypt` makes a DER ``EnvelopedData`` with AES-256-CBC (or AES-128-CBC) for every RSA
  recipient certificate, via ``cryptography``'s ``PKCS7EnvelopeBuilder`` with the ``Binary`` option
  (bytes are kept exactly, no S/MIME text canonicalisation). Readable with
  ``openssl cms -decrypt -binary -inform DER -in F -recip buyer.pem -inkey buyer.key -out F.csv``.
* :func:`sign_detached` makes a DER detached ``SignedData`` (SHA-256, RSA PKCS#1 v1.5) that
  ``openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json
  -CAfile seller.pem -purpose any`` accepts.
* :func:`verify_detached` checks such a signature in Python (cryptography 50 has no verify API):
  message digest, signed attributes, RSA signature, signer certificate.

CBC has no integrity protection of its own: integrity comes from the signed manifest, which
records the SHA-256 of every ciphertext and plaintext.

Example
-------
>>> der = encrypt(b"id,name\\n1,x\\n", [buyer_cert])                       # doctest: +SKIP
>>> decrypt(der, buyer_cert, buyer_key)                                    # doctest: +SKIP
b'id,name\\n1,x\\n'
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7

from ..errors import IntegrityError, KeyMaterialError
from . import _der
from .keys import fingerprint

__all__ = ["CIPHERS", "SignatureInfo", "decrypt", "encrypt", "sign_detached", "verify_detached"]

#: Content ciphers ``cryptography``'s envelope builder supports.
CIPHERS: dict[str, pkcs7.ContentEncryptionAlgorithm] = {
    "aes256": pkcs7.algorithms.AES256,
    "aes128": pkcs7.algorithms.AES128,
}

_HASHES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}
_RSA_SIG_OIDS = {
    "1.2.840.113549.1.1.1",
    "1.2.840.113549.1.1.11",
    "1.2.840.113549.1.1.12",
    "1.2.840.113549.1.1.13",
}
_OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_OID_DATA = "1.2.840.113549.1.7.1"
_OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"


def encrypt(
    data: bytes, recipients: Sequence[x509.Certificate], *, cipher: str = "aes256"
) -> bytes:
    """Encrypt ``data`` as DER CMS EnvelopedData to every recipient certificate.

    Parameters
    ----------
    data : bytes
        Plaintext (kept byte-exact).
    recipients : sequence of x509.Certificate
        RSA certificates; any one of their keys can decrypt.
    cipher : {"aes256", "aes128"}
        Content encryption (CBC mode).

    Returns
    -------
    bytes
        DER-encoded CMS ContentInfo.

    Example
    -------
    >>> der = encrypt(b"abc", [cert])                                      # doctest: +SKIP
    """
    if not recipients:
        raise KeyMaterialError(
            "no recipient certificate given: a file encrypted to nobody could never be read; "
            "list at least one under keys.recipient_certificates"
        )
    if cipher not in CIPHERS:
        raise KeyMaterialError(
            f"cipher {cipher!r} is not supported; use one of {', '.join(CIPHERS)}"
        )
    builder = (
        pkcs7.PKCS7EnvelopeBuilder()
        .set_data(data)
        .set_content_encryption_algorithm(CIPHERS[cipher])
    )
    for cert in recipients:
        builder = builder.add_recipient(cert)
    return builder.encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])


def decrypt(
    der: bytes, certificate: x509.Certificate, private_key: rsa.RSAPrivateKey, *, name: str = "file"
) -> bytes:
    """Decrypt DER CMS EnvelopedData with one recipient's certificate and private key.

    Raises
    ------
    IntegrityError
        When the file is not encrypted to this certificate, or is damaged; ``name`` is quoted.

    Example
    -------
    >>> decrypt(open("customers.part0001.csv.cms", "rb").read(), cert, key)  # doctest: +SKIP
    """
    try:
        return pkcs7.pkcs7_decrypt_der(der, certificate, private_key, [])
    except ValueError as exc:
        raise IntegrityError(
            f"{name}: cannot decrypt with certificate {fingerprint(certificate)} ({exc}); "
            "either the file was not encrypted to this certificate (use the key of a listed "
            "recipient, see manifest.json 'recipients') or the file is damaged (compare its "
            "SHA-256 with the manifest)"
        ) from None


def sign_detached(
    data: bytes, certificate: x509.Certificate, private_key: rsa.RSAPrivateKey
) -> bytes:
    """Return a DER detached CMS SignedData over ``data`` (SHA-256, signer certificate embedded).

    Example
    -------
    >>> sig = sign_detached(b'{"a": 1}', seller_cert, seller_key)            # doctest: +SKIP
    """
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(certificate, private_key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )


@dataclass(frozen=True)
class SignatureInfo:
    """Who signed: certificate fingerprint, serial and whether it was pinned by the caller."""

    signer_fingerprint: str
    signer_serial: int
    pinned: bool


def _fail(name: str, why: str) -> IntegrityError:
    return IntegrityError(f"{name}: signature check failed: {why}")


def verify_detached(
    data: bytes,
    signature: bytes,
    certificate: x509.Certificate | None = None,
    *,
    name: str = "signature",
) -> SignatureInfo:
    """Verify a DER detached CMS signature over ``data``.

    Parameters
    ----------
    data : bytes
        The signed content (e.g. manifest.json bytes).
    signature : bytes
        DER CMS ContentInfo(SignedData), detached.
    certificate : x509.Certificate, optional
        The expected signer. When given, the signature must come from exactly this certificate
        (``pinned=True``). When omitted, the certificate embedded in the signature is used: this
        proves integrity but not who signed, so callers should pin the seller's certificate.
    name : str
        Shown in error messages.

    Raises
    ------
    IntegrityError
        Naming what does not match (content digest, signature, signer).

    Example
    -------
    >>> verify_detached(manifest_bytes, p7s_bytes, seller_cert).pinned      # doctest: +SKIP
    True
    """
    try:
        info = _parse_signed_data(signature)
    except (_der.DerError, IndexError, ValueError) as exc:
        raise _fail(name, f"not a DER CMS SignedData ({exc})") from None
    issuer_der, serial, digest_oid, attrs_node, sig_oid, sig_value, embedded = info
    if certificate is not None:
        if certificate.issuer.public_bytes() != issuer_der or certificate.serial_number != serial:
            raise _fail(
                name,
                f"signed by certificate serial {serial:x}, not by the expected certificate "
                f"{fingerprint(certificate)} (serial {certificate.serial_number:x})",
            )
        signer, pinned = certificate, True
    else:
        found = [
            c
            for c in embedded
            if c.issuer.public_bytes() == issuer_der and c.serial_number == serial
        ]
        if not found:
            raise _fail(
                name,
                "the signer certificate is not embedded; pass the signer certificate explicitly",
            )
        signer, pinned = found[0], False
    if digest_oid not in _HASHES:
        raise _fail(name, f"digest algorithm {digest_oid} is not accepted (SHA-256/384/512 only)")
    if sig_oid not in _RSA_SIG_OIDS:
        raise _fail(name, f"signature algorithm {sig_oid} is not RSA PKCS#1 v1.5")
    hash_cls = _HASHES[digest_oid]
    if attrs_node is None:
        signed_bytes = data
    else:
        attrs = {}
        for attr in attrs_node.children():
            parts = attr.children()
            attrs[_der.oid_text(parts[0])] = parts[1].children()[0]
        if _OID_MESSAGE_DIGEST not in attrs or _OID_CONTENT_TYPE not in attrs:
            raise _fail(name, "signed attributes lack messageDigest or contentType")
        if _der.oid_text(attrs[_OID_CONTENT_TYPE]) != _OID_DATA:
            raise _fail(name, "signed content type is not id-data")
        h = hashlib.new(hash_cls.name, data).digest()
        if attrs[_OID_MESSAGE_DIGEST].value != h:
            raise _fail(
                name, "the content does not match the signed digest (the signed file was changed)"
            )
        signed_bytes = (
            b"\x31" + attrs_node.encoded[1:]
        )  # RFC 5652 5.4: [0] IMPLICIT re-tagged as SET OF
    pub = signer.public_key()
    if not isinstance(pub, rsa.RSAPublicKey):
        raise _fail(name, "the signer certificate does not hold an RSA key")
    try:
        pub.verify(sig_value, signed_bytes, padding.PKCS1v15(), hash_cls())
    except InvalidSignature:
        raise _fail(
            name, f"the RSA signature does not verify with certificate {fingerprint(signer)}"
        ) from None
    return SignatureInfo(fingerprint(signer), serial, pinned)


def _parse_signed_data(
    der: bytes,
) -> tuple[bytes, int, str, _der.Node | None, str, bytes, list[x509.Certificate]]:
    top = _der.read(der).children()
    if _der.oid_text(top[0]) != _OID_SIGNED_DATA or top[1].tag != 0xA0:
        raise ValueError("content type is not signedData")
    sd = top[1].children()[0].children()
    encap = sd[2].children()
    if len(encap) > 1:
        raise ValueError("the signature is not detached (it embeds content)")
    embedded: list[x509.Certificate] = []
    signer_infos: list[_der.Node] | None = None
    for node in sd[3:]:
        if node.tag == 0xA0:
            embedded = [
                x509.load_der_x509_certificate(c.encoded) for c in node.children() if c.tag == 0x30
            ]
        elif node.tag == 0x31:
            signer_infos = node.children()
    if not signer_infos or len(signer_infos) != 1:
        raise ValueError("expected exactly one signer")
    si = signer_infos[0].children()
    sid = si[1]
    if sid.tag != 0x30:
        raise ValueError("signer identified by key id; only issuer and serial number is supported")
    issuer, serial_node = sid.children()
    serial = int.from_bytes(serial_node.value, "big", signed=True)
    digest_oid = _der.oid_text(si[2].children()[0])
    rest = si[3:]
    attrs = rest.pop(0) if rest and rest[0].tag == 0xA0 else None
    sig_oid = _der.oid_text(rest[0].children()[0])
    if rest[1].tag != 0x04:
        raise ValueError("signature value is not an OCTET STRING")
    return issuer.encoded, serial, digest_oid, attrs, sig_oid, rest[1].value, embedded
