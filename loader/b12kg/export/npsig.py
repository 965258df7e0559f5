"""Nanopublication signatures: RSA (PKCS #1 v1.5, SHA-256) and DSA verification, and reading private keys.

Pure Python on purpose, so that our checker is a third implementation beside nanopub-sign (Rust) and nanopub-py
(pycryptodome): the public key is the base64 DER SubjectPublicKeyInfo nanopublications carry in
`npx:hasPublicKey`, the signature the base64 of the raw RSA block or of DSA's DER (r, s) (RFC 8017 §8.2.2 and
§9.2; FIPS 186-4 §4.7; nanopub-java's SignatureUtils signs "SHA256withRSA" / "SHA256withDSA" over the normalised
text of b12kg.export.trusty). Private keys are read from PEM (PKCS #8 `BEGIN PRIVATE KEY`, or PKCS #1
`BEGIN RSA PRIVATE KEY` as `openssl genrsa -traditional` writes it) and handed to nanopub-sign as base64 PKCS #8.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

from b12kg.errors import B12kgError

__all__ = ["verify", "sign", "public_key_of", "private_key_pkcs8", "pem_private_key"]

_RSA_OID = bytes.fromhex("2a864886f70d010101")
_DSA_OID = bytes.fromhex("2a8648ce380401")
# DigestInfo for SHA-256 (RFC 8017 §9.2 note 1), with and without the NULL parameters some signers leave out
_SHA256_INFO = (bytes.fromhex("3031300d060960864801650304020105000420"),
                bytes.fromhex("302f300b0609608648016503040201" "0420"))


def _read(data: bytes, at: int) -> tuple[int, int, int]:
    """One DER element at `at`: its tag, the start of its content, the end of its content."""
    tag, length = data[at], data[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[at:at + count], "big")
        at += count
    return tag, at, at + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    while start < end:
        element = _read(data, start)
        out.append(element)
        start = element[2]
    return out


def _ints(data: bytes, start: int, end: int) -> list[int]:
    return [int.from_bytes(data[s:e], "big") for t, s, e in _children(data, start, end) if t == 0x02]


def _integers(data: bytes) -> list[int]:
    """The INTEGERs inside the DER SEQUENCE `data`."""
    _, start, end = _read(data, 0)
    return _ints(data, start, end)


def _public_key(der: bytes) -> tuple[bytes, list[int], bytes]:
    """(algorithm OID, its parameters as integers, the key inside the BIT STRING)."""
    _, start, end = _read(der, 0)
    (_, a_start, a_end), (_, k_start, k_end) = _children(der, start, end)[:2]
    algorithm = _children(der, a_start, a_end)
    oid = der[algorithm[0][1]:algorithm[0][2]]
    params = []
    if len(algorithm) > 1 and algorithm[1][0] == 0x30:
        params = _ints(der, algorithm[1][1], algorithm[1][2])
    return oid, params, der[k_start + 1:k_end]  # skip the BIT STRING's unused-bits byte


def verify(text: str, signature_b64: str, public_key_b64: str, algorithm: str) -> bool:
    """True when the signature is the public key's over the normalised text; False for any mismatch or bad input."""
    try:
        signature = base64.b64decode("".join(signature_b64.split()), validate=True)
        oid, params, key = _public_key(base64.b64decode("".join(public_key_b64.split()), validate=True))
    except (binascii.Error, IndexError, ValueError):
        return False
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    if algorithm.upper() == "RSA" and oid == _RSA_OID:
        n, e = _integers(key)[:2]
        size = (n.bit_length() + 7) // 8
        if len(signature) != size:
            return False
        block = pow(int.from_bytes(signature, "big"), e, n).to_bytes(size, "big")
        return any(block == b"\x00\x01" + b"\xff" * (size - 3 - len(info) - 32) + b"\x00" + info + digest
                   for info in _SHA256_INFO)
    if algorithm.upper() == "DSA" and oid == _DSA_OID and len(params) == 3:
        p, q, g = params
        y = _ints(key, 0, len(key))[0] if key[:1] == b"\x02" else 0
        try:
            r, s = _integers(signature)[:2]
        except (IndexError, ValueError):
            return False
        if not (0 < r < q and 0 < s < q and y):
            return False
        z = int.from_bytes(digest, "big") >> max(0, 256 - q.bit_length())  # leftmost bits (FIPS 186-4 §4.6)
        w = pow(s, -1, q)
        v = (pow(g, z * w % q, p) * pow(y, r * w % q, p)) % p % q
        return v == r
    return False


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def _int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _rsa_private(pkcs8_b64: str) -> list[int]:
    """(n, e, d, p, q, dp, dq, qinv) of a base64 PKCS #8 RSA private key (RFC 5208, RFC 8017 A.1.2)."""
    der = base64.b64decode(pkcs8_b64)
    _, start, end = _read(der, 0)
    parts = _children(der, start, end)
    _, key_start, key_end = parts[2]
    return _integers(der[key_start:key_end])[1:9]


def public_key_of(pkcs8_b64: str) -> str:
    """The base64 DER SubjectPublicKeyInfo of a private key: what `npx:hasPublicKey` holds."""
    n, e = _rsa_private(pkcs8_b64)[:2]
    algorithm = _der(0x30, _der(0x06, _RSA_OID) + b"\x05\x00")
    key = _der(0x03, b"\x00" + _der(0x30, _int(n) + _int(e)))
    return base64.b64encode(_der(0x30, algorithm + key)).decode("ascii")


def sign(text: str, pkcs8_b64: str) -> str:
    """RSASSA-PKCS1-v1_5 with SHA-256 over the text (RFC 8017 §8.2.1; deterministic), in base64."""
    n, _e, _d, p, q, dp, dq, qinv = _rsa_private(pkcs8_b64)
    size = (n.bit_length() + 7) // 8
    info = _SHA256_INFO[0] + hashlib.sha256(text.encode("utf-8")).digest()
    block = int.from_bytes(b"\x00\x01" + b"\xff" * (size - 3 - len(info)) + b"\x00" + info, "big")
    m1, m2 = pow(block, dp, p), pow(block, dq, q)  # the Chinese remainder theorem (RFC 8017 §5.1.2)
    signature = m2 + q * ((qinv * (m1 - m2)) % p)
    return base64.b64encode(signature.to_bytes(size, "big")).decode("ascii")


def pem_private_key(pkcs8_b64: str) -> str:
    """A PKCS #8 private key (base64 DER, as nanopub-sign's KeyPair gives it) as PEM text."""
    lines = [pkcs8_b64[i:i + 64] for i in range(0, len(pkcs8_b64), 64)]
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----\n"


def private_key_pkcs8(path: Path) -> str:
    """The RSA private key in a PEM file, as the base64 PKCS #8 DER that nanopub-sign's NpProfile takes."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise B12kgError(f"cannot read the signing key {path}: {exc}",
                         fix="give --key the path of an unencrypted PEM RSA private key "
                             "(make one with `b12kg keygen PATH` or `openssl genrsa -out PATH 2048`)") from exc
    kinds = {"PRIVATE KEY": "pkcs8", "RSA PRIVATE KEY": "pkcs1"}
    for label, kind in kinds.items():
        begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
        if begin in text and end in text:
            body = "".join(text.split(begin, 1)[1].split(end, 1)[0].split())
            try:
                der = base64.b64decode(body, validate=True)
            except binascii.Error as exc:
                raise B12kgError(f"{path}: the PEM body is not base64", fix="regenerate the key") from exc
            if kind == "pkcs8":
                return base64.b64encode(der).decode("ascii")
            # PKCS #1 RSAPrivateKey wrapped as PKCS #8 PrivateKeyInfo (RFC 5208 §5): version 0, rsaEncryption, key
            algorithm = _der(0x30, _der(0x06, _RSA_OID) + b"\x05\x00")
            info = _der(0x30, b"\x02\x01\x00" + algorithm + _der(0x04, der))
            return base64.b64encode(info).decode("ascii")
    if "ENCRYPTED" in text:
        raise B12kgError(f"{path} is an encrypted private key",
                         fix=f"write a decrypted copy outside the repository: openssl pkey -in {path} -out PLAIN.pem")
    raise B12kgError(f"{path} holds no PEM RSA private key",
                     fix="make one with `b12kg keygen PATH` or `openssl genrsa -out PATH 2048`")
