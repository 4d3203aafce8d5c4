"""Signed credentials (DESIGN §10.4): VC-JWT with Open Badges 3.0 claims, EdDSA (Ed25519).

No JSON-LD processing and nothing fetched: a credential is checked with the issuer's public
key alone, so it can be verified offline.
"""

import base64
import gzip
import json
from datetime import UTC, datetime
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

STATUS_LIST_BITS = 131072  # 16 KB: the minimum the Bitstring Status List recommends
OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


class CredentialError(ValueError):
    """A credential that does not verify; the message says why, in plain words."""


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise CredentialError("not base64url") from exc


@lru_cache(maxsize=4)
def private_key(pem):
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("PORTAL_SIGNING_KEY must be an Ed25519 private key")
    return key


def public_key_of(pem):
    return private_key(pem).public_key()


def public_jwk(public_key):
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def public_key_from(value):
    """A public key from a JWK dict, a PEM string, or raw 32 bytes."""
    if isinstance(value, dict):
        if value.get("kty") != "OKP" or value.get("crv") != "Ed25519":
            raise CredentialError("the issuer key is not an Ed25519 key")
        return Ed25519PublicKey.from_public_bytes(b64url_decode(value["x"]))
    if isinstance(value, str):
        key = serialization.load_pem_public_key(value.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise CredentialError("the issuer key is not an Ed25519 key")
        return key
    return Ed25519PublicKey.from_public_bytes(value)


def key_id(public_key):
    return public_jwk(public_key)["x"][:16]


def _json(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(claims, pem, typ="JWT"):
    """A compact JWS (EdDSA) of `claims`."""
    key = private_key(pem)
    header = {"alg": "EdDSA", "typ": typ, "kid": key_id(key.public_key())}
    signing_input = f"{b64url(_json(header))}.{b64url(_json(claims))}"
    signature = key.sign(signing_input.encode())
    return f"{signing_input}.{b64url(signature)}"


def verify(token, public_key):
    """Check a compact JWS; return its claims or raise CredentialError saying why."""
    if not isinstance(token, str):
        raise CredentialError("not a credential")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise CredentialError("not a compact JWS (three parts separated by dots)")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CredentialError("the credential is damaged (unreadable JSON)") from exc
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        raise CredentialError("unsupported signature algorithm (EdDSA expected)")
    if header.get("kid") not in (None, key_id(public_key)):
        raise CredentialError("signed by another issuer key")
    try:
        public_key.verify(b64url_decode(parts[2]), f"{parts[0]}.{parts[1]}".encode())
    except InvalidSignature as exc:
        raise CredentialError("the signature does not match: the credential was changed") from exc
    if not isinstance(claims, dict):
        raise CredentialError("the credential is damaged")
    return claims


def _iso(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def credential_claims(cert, base_url, issuer_name, course_summary=""):
    """The VC-JWT claims of a certificate, shaped as an Open Badges 3.0 OpenBadgeCredential."""
    base = base_url.rstrip("/")
    issuer_id = f"{base}/credentials/issuer"
    vc = {
        "@context": OB_CONTEXT,
        "id": f"{base}/verify/{cert.code}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name},
        "validFrom": _iso(cert.issued_at),
        "name": cert.course_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": cert.holder_name,
            "achievement": {
                "id": f"{base}/courses/{cert.course_slug}/",
                "type": ["Achievement"],
                "name": cert.course_title,
                "description": course_summary or cert.course_title,
                "criteria": {"narrative": "Hoàn thành mọi bài học và đạt bài kiểm tra cuối khóa."},
                "version": str(cert.course_version),
            },
        },
        "credentialStatus": {
            "id": f"{base}/credentials/status#{cert.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(cert.status_index),
            "statusListCredential": f"{base}/credentials/status",
        },
    }
    if cert.expires_at:
        vc["validUntil"] = _iso(cert.expires_at)
    claims = {
        "iss": issuer_id,
        "jti": vc["id"],
        "nbf": int(cert.issued_at.timestamp()),
        "vc": vc,
    }
    if cert.expires_at:
        claims["exp"] = int(cert.expires_at.timestamp())
    return claims


def compact_claims(cert, limit=400, pem=None):
    """A signed claim set small enough for a second QR code (under `limit` bytes signed)."""
    claims = {
        "c": cert.code,
        "n": cert.holder_name,
        "t": cert.course_title,
        "i": cert.issued_at.strftime("%Y-%m-%d"),
    }
    if cert.expires_at:
        claims["e"] = cert.expires_at.strftime("%Y-%m-%d")
    token = sign(claims, pem, typ="CC")
    while len(token) >= limit:
        field = "t" if len(claims["t"]) > 12 or len(claims["n"]) <= 12 else "n"
        claims[field] = claims[field][: len(claims[field]) - 6].rstrip(" …") + "…"
        token = sign(claims, pem, typ="CC")
    return token


def status_list_claims(revoked_indices, base_url, issued_at=None):
    """A Bitstring Status List credential: bit i set = certificate i revoked."""
    bits = bytearray(STATUS_LIST_BITS // 8)
    for index in revoked_indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    encoded = b64url(gzip.compress(bytes(bits), mtime=0))
    base = base_url.rstrip("/")
    now = issued_at or datetime.now(UTC)
    return {
        "iss": f"{base}/credentials/issuer",
        "iat": int(now.timestamp()),
        "vc": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": f"{base}/credentials/status",
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": f"{base}/credentials/issuer",
            "validFrom": _iso(now),
            "credentialSubject": {
                "id": f"{base}/credentials/status#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encoded,
            },
        },
    }


def is_revoked_in(status_claims, index):
    """Read bit `index` of a status list credential's claims."""
    encoded = status_claims["vc"]["credentialSubject"]["encodedList"]
    bits = gzip.decompress(b64url_decode(encoded))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
