"""Nanopublication signatures with PyPI `cryptography` (OpenSSL): RSA signing, RSA/DSA verification, RSA keys.

The nanopublication convention (nanopub-java's SignatureUtils: `Signature.getInstance("SHA256with" + algorithm)`;
`npx:hasAlgorithm "RSA"`): RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2), or DSA with SHA-256, over the UTF-8
normalised text of b12kg.export.trusty; `npx:hasPublicKey` is the base64 of the X.509 SubjectPublicKeyInfo DER (what
Java's `PublicKey.getEncoded()` gives) and `npx:hasSignature` the base64 signature. Private keys are read from PEM
(PKCS #8 `BEGIN PRIVATE KEY`, or PKCS #1 `BEGIN RSA PRIVATE KEY` as `openssl genrsa -traditional` writes it) and
carried as base64 PKCS #8 DER, the form of the official test suite's `id_rsa` files.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, padding, rsa

from b12kg.errors import B12kgError

__all__ = ["verify", "sign", "load_private_key", "public_key_of", "private_key_pkcs8", "new_private_key_pem"]

_NEW_KEY = "make one with `b12kg keygen PATH` or `openssl genrsa -out PATH 2048`"


def _b64(text: str) -> bytes:
    return base64.b64decode("".join(text.split()), validate=True)


def verify(text: str, signature_b64: str, public_key_b64: str, algorithm: str) -> bool:
    """True when the signature is the public key's over the normalised text; False for any mismatch or bad input."""
    try:
        signature, key = _b64(signature_b64), serialization.load_der_public_key(_b64(public_key_b64))
        if algorithm.upper() == "RSA" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        elif algorithm.upper() == "DSA" and isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, text.encode("utf-8"), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, binascii.Error, ValueError):
        return False
    return True


def load_private_key(pkcs8_b64: str) -> rsa.RSAPrivateKey:
    """The RSA private key of a base64 PKCS #8 DER (checked by OpenSSL: about 80 ms, so load it once per run)."""
    key = serialization.load_der_private_key(_b64(pkcs8_b64), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def sign(text: str, key: rsa.RSAPrivateKey) -> str:
    """RSASSA-PKCS1-v1_5 with SHA-256 over the UTF-8 text (deterministic), in base64."""
    return base64.b64encode(key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def public_key_of(private_key: str | rsa.RSAPrivateKey) -> str:
    """The base64 DER SubjectPublicKeyInfo of a private key (or its base64 PKCS #8): what `npx:hasPublicKey` holds."""
    key = load_private_key(private_key) if isinstance(private_key, str) else private_key
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def new_private_key_pem(*, bits: int = 2048) -> str:
    """A new RSA private key (public exponent 65537) as unencrypted PKCS #8 PEM text."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def private_key_pkcs8(path: Path) -> str:
    """The RSA private key in a PEM file (PKCS #8 or PKCS #1), as base64 PKCS #8 DER."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise B12kgError(f"cannot read the signing key {path}: {exc}",
                         fix=f"give --key the path of an unencrypted PEM RSA private key ({_NEW_KEY})") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # cryptography: "Password was not given but private key is encrypted"
        raise B12kgError(f"{path} is an encrypted private key",
                         fix=f"write a decrypted copy outside the repository: openssl pkey -in {path} -out PLAIN.pem"
                         ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise B12kgError(f"{path} holds no PEM RSA private key ({exc})", fix=_NEW_KEY) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise B12kgError(f"{path} holds no PEM RSA private key (a {type(key).__name__})",
                         fix=f"nanopublications are signed with RSA: {_NEW_KEY}")
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return base64.b64encode(der).decode("ascii")
